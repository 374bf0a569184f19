//! `cargo run --release -p ex9 -- --help`

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use ex9::Allocator;
use ex9::child::{ChurnArgs, RunArgs};
use ex9::compare::{self, Plan, Report};
use ex9::workload::MAX_THREADS;
use kit::{Format, OutputArgs, output::print_json, output::print_tables};

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
#[command(version, about)]
struct Cli {
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
    let command = cli
        .command
        .unwrap_or_else(|| Command::Compare(CompareArgs::parse_from(["compare"])));
    if let Command::Compare(a) = &command {
        for al in &a.allocators {
            if !al.is_available() {
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidValue,
                    format!(
                        "allocator '{al}' is not built into this program (see the crate's features)\n"
                    ),
                )
                .exit();
            }
        }
    }
    let _profile = kit::profile::start("ex9");
    let ok = match command {
        Command::Compare(a) => compare_cmd(&a),
        Command::Steps(a) => {
            print_tables(ex9::steps::demo_tables(), a.out.format());
            true
        }
        Command::Classes(a) => classes_cmd(&a.out),
        Command::Requests(a) => requests_cmd(&a),
        Command::Run(r) => ex9::workload::run_and_print(Allocator::Ex9, &r.job, r.json),
        Command::Churn(c) => ex9::child::churn(&c),
    };
    if ok { 0.into() } else { 1.into() }
}

impl CompareArgs {
    fn parse_from<const N: usize>(argv: [&str; N]) -> CompareArgs {
        #[derive(Parser)]
        struct Wrap {
            #[command(flatten)]
            a: CompareArgs,
        }
        Wrap::parse_from(argv).a
    }
}

fn compare_cmd(a: &CompareArgs) -> bool {
    let runs: Vec<Report> = match &a.from {
        Some(path) => match kit::series::read(path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return false;
            }
        },
        None => {
            kit::timing::warn_if_debug_build();
            let features: &[&str] = if kit::profile::DHAT {
                &["--features", "dhat-heap"]
            } else {
                &[]
            };
            if let Err(e) =
                kit::child::build_siblings_under_cargo("ex9", &Allocator::all_binaries(), features)
            {
                eprintln!("error: {e}");
                return false;
            }
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
            let pb = kit::output::progress(total as u64, "children", a.quiet || a.out.json);
            let r = compare::collect(&plan, &allocators, &|| pb.inc(1));
            pb.finish_and_clear();
            match r {
                Ok(r) => vec![r],
                Err(e) => {
                    eprintln!("error: {e}");
                    return false;
                }
            }
        }
    };
    match a.out.format() {
        Format::Json if runs.len() == 1 => print_json(&runs[0]),
        Format::Json => print_json(&kit::series::Series { series: runs }),
        f => {
            for (i, r) in runs.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print_tables(
                    &[
                        compare::churn_table(r),
                        compare::work_table(r),
                        compare::memory_table(r),
                    ],
                    f,
                );
                println!("\n{}", compare::label(r));
            }
        }
    }
    true
}

fn classes_cmd(out: &OutputArgs) -> bool {
    // Chapter 2's requests, every size they ask for recorded.
    let (_, sizes) = ex9::rounding::record(|| ex2::workload::run(42, 2_000));
    let (recorded, skipped) =
        ex9::rounding::recorded("chapter 2's requests (2,000, recorded)", &sizes);
    let rows = [
        ex9::rounding::every_size(),
        ex9::rounding::server_sizes(),
        recorded,
    ];
    match out.format() {
        Format::Json => print_json(&rows),
        f => {
            print_tables(&[ex9::rounding::table(&rows)], f);
            println!(
                "\nRequests above 4096 bytes (not rounded by either table here): {skipped} of chapter 2's."
            );
        }
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
    match a.out.format() {
        Format::Json => print_json(&ex1::with_dhat_totals(&report, &all)),
        f => {
            let mut t = kit::Table::new(
                format!(
                    "Chapter 2's workload, {} requests, on the final step (counted by the tracker)",
                    a.units
                ),
                &["allocations", "reallocations", "frees", "bytes allocated"],
            );
            t.row([
                s.allocs.to_string(),
                s.reallocs.to_string(),
                s.deallocs.to_string(),
                s.bytes_allocated.to_string(),
            ]);
            print_tables(&[t], f);
        }
    }
    true
}
