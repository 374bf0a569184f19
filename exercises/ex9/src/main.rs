//! `cargo run --release -p ex9 -- --help`

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use ex9::Allocator;
use ex9::child::{ChurnArgs, RunArgs};
use ex9::compare::{self, Plan};
use ex9::workload::MAX_THREADS;
use kit::output::{print_json, print_tables};
use kit::report::{Page, Runs, exit_status, show_as, with_progress};
use kit::{Format, OutputArgs};

// ANCHOR: global
// The parent, and the counted process: the final step (the thread cache)
// in exercise 1's tracker, with the request-size recorder of `classes` in
// between. (With `--features dhat-heap`, dhat's allocator.)
kit::global_allocator!(
    ex1::Tracker<ex9::rounding::Recording<ex9::cache::ThreadCache>> =
        ex1::Tracker::new(ex9::rounding::Recording(ex9::cache::ThreadCache))
);
// ANCHOR_END: global

/// Chapter 9: a small allocator in three steps (pool, size classes, thread
/// cache), measured against System, jemalloc and mimalloc.
///
/// With no command, runs `compare` with its defaults (about a minute on
/// two cores).
#[derive(Parser)]
#[command(version, about, override_usage = "ex9 [COMMAND]")]
struct Cli {
    #[command(flatten)]
    child_env: kit::child::ChildEnvArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Every allocator in processes of its own: chapter 2's requests,
    /// chapter 7's server, a fragmentation run, and the allocation+free
    /// loop (with `--callgrind`, instructions per pair for every step).
    Compare(CompareArgs),
    /// Step 1 and step 2 at work: a pool of eight blocks filled, emptied and
    /// refilled; the class each request takes.
    Steps(OutArgs),
    /// What rounding up to a size class costs, ex9's classes against
    /// jemalloc's, over three sets of requests (one recorded here).
    Classes(OutArgs),
    /// Chapter 2's request workload on this thread, counted by the tracker
    /// (the run the dhat profile is checked against).
    Requests(RequestsArgs),
    /// Run one workload once in this process (the final step, counted).
    Run(RunArgs),
    /// The allocation+free loop with one allocator, called directly.
    Churn(ChurnArgs),
}

#[derive(clap::Args)]
struct OutArgs {
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct RequestsArgs {
    /// Requests to handle.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    units: u64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct CompareArgs {
    /// Thread counts of the requests and server workloads, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1u32, 2],
          value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    threads: Vec<u32>,
    /// Runs; every (workload, allocator) gets a fresh process per run.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=51))]
    runs: u16,
    /// Requests per thread (chapter 2's workload).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=2_000_000))]
    requests: u64,
    /// Objects replaced per thread (chapter 7's server).
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    server_ops: u64,
    /// Objects replaced in the fragmentation run.
    #[arg(long, default_value_t = 300_000, value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    frag_ops: u64,
    /// Allocation+free pairs per timed churn process.
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000))]
    churn_iters: u64,
    /// Also count instructions per pair with valgrind's callgrind.
    #[arg(long)]
    callgrind: bool,
    /// Allocators, comma-separated (default: all this build has).
    #[arg(long, value_delimiter = ',', value_enum)]
    allocators: Vec<Allocator>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    let command = kit::output::command_or(cli.command, &["compare"]);
    if let Command::Compare(a) = &command {
        for al in &a.allocators {
            if !al.is_available() {
                kit::output::usage_error(kit::sibling::not_built_in(
                    &format!("allocator '{al}'"),
                    "this program",
                ));
            }
        }
    }
    let _profile = kit::profile::start("ex9");
    exit_status(match command {
        Command::Compare(a) => compare_cmd(&a),
        Command::Steps(a) => {
            print_tables(ex9::steps::demo_tables(), a.out.format());
            Ok(true)
        }
        Command::Classes(a) => Ok(classes_cmd(&a.out)),
        Command::Requests(a) => Ok(requests_cmd(&a)),
        Command::Run(r) => Ok(ex9::workload::run_and_print(Allocator::Ex9, &r.job, r.json)),
        Command::Churn(c) => Ok(ex9::child::churn(&c)),
    })
}

fn compare_cmd(a: &CompareArgs) -> Result<bool, String> {
    // A data file holds one run per machine measured (kit::series).
    let runs = Runs::all_or_measure(a.from.as_deref(), || {
        Allocator::build_siblings()?;
        let mut threads = a.threads.clone();
        threads.sort_unstable();
        threads.dedup();
        let plan = Plan {
            threads,
            runs: a.runs as usize,
            requests: a.requests,
            server_ops: a.server_ops,
            frag_ops: a.frag_ops,
            churn_iters: a.churn_iters,
            callgrind: a.callgrind,
            seed: a.seed,
        };
        let allocators = if a.allocators.is_empty() {
            Allocator::available(&Allocator::ALL)
        } else {
            a.allocators.clone()
        };
        let global = allocators.iter().filter(|x| x.binary().is_some()).count();
        let total = plan.runs * (plan.jobs().len() * global + 2 * allocators.len())
            + if plan.callgrind {
                2 * allocators.len()
            } else {
                0
            };
        with_progress(total as u64, "children", a.quiet || a.out.json, |tick| {
            compare::collect(&plan, &allocators, tick)
        })
    })?;
    runs.print_pages(a.out.format(), |r| {
        Page::new([
            compare::churn_table(r),
            compare::work_table(r),
            compare::memory_table(r),
        ])
        .line(compare::label(r))
    });
    Ok(true)
}

fn classes_cmd(out: &OutputArgs) -> bool {
    let (rows, skipped) = ex9::rounding::classes_rows();
    match out.format() {
        Format::Json => print_json(&rows),
        f => ex9::rounding::classes_page(&rows, skipped).print(f),
    }
    true
}

fn requests_cmd(a: &RequestsArgs) -> bool {
    ex1::warn_if_untracked();
    // What the requests allocated, as the tracker around the final step
    // counted it: the requests a dhat profile of this command attributes to
    // chapter 2's workload.rs.
    let ((checksum, s), all) = ex1::measure(|| ex2::workload::run(a.seed, a.units));
    #[derive(serde::Serialize)]
    struct Out {
        units: u64,
        checksum: u64,
        requests: ex1::Stats,
    }
    let report = Out {
        units: a.units,
        checksum,
        requests: s,
    };
    show_as(
        a.out.format(),
        || ex1::with_dhat_totals(&report, &all),
        || [ex9::workload::requests_table(a.units, &s)],
    )
}
