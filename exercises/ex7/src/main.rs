//! `cargo run --release -p ex7 -- --help`

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use ex7::child::{self, Job};
use ex7::compare::{self, Plan};
use ex7::workload::{MAX_OBJECT, MAX_THREADS, Workload};
use ex7::{Allocator, arenas, counts};
use kit::report::{Page, Runs, with_progress};
use kit::{Format, OutputArgs, output::print_json};

// ANCHOR: global
// The parent, and the counted process of the System allocator: glibc malloc
// in exercise 1's tracker. (With `--features dhat-heap`, dhat's allocator.)
kit::global_allocator!(ex1::Tracker<std::alloc::System> = ex1::Tracker::new(std::alloc::System));
// ANCHOR_END: global

/// Chapter 7 (going further): many threads and long-running servers under
/// System, jemalloc and mimalloc, each in processes of its own.
///
/// With no command, runs `compare` with its defaults (under a minute on two
/// cores).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    child_env: kit::child::ChildEnvArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Every workload at 1 to 16 threads under each allocator, each run in a
    /// fresh timed process: throughput, batch p99, anonymous RSS, page
    /// faults, the allocator's view, and the p99 claim's verdict.
    Compare(CompareArgs),
    /// Every workload once under each allocator, in counted processes: the
    /// allocation counts (deterministic, equal under all three).
    Counts(CountsArgs),
    /// Arenas: glibc's count as threads grow and with MALLOC_ARENA_MAX=2;
    /// jemalloc with narenas, percpu_arena, background_thread, dirty_decay_ms.
    Arenas(ArenasArgs),
    /// How many arenas glibc and jemalloc make by default, computed from
    /// the CPUs and threads as upstream does (no measurement).
    Limits(LimitsArgs),
    /// Run one workload once in this process (System, counted).
    Run(Job),
}

/// What `--svg` draws.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Chart {
    /// Server throughput against threads.
    Scaling,
    /// Server anonymous RSS over time at the most threads.
    Rss,
}

const DEFAULT_THREADS: [u32; 5] = [1, 2, 4, 8, 16];

#[derive(clap::Args)]
struct CompareArgs {
    /// Thread counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_THREADS,
          value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    threads: Vec<u32>,
    /// Workloads, comma-separated (default: all five).
    #[arg(long, value_delimiter = ',', value_enum)]
    workloads: Vec<Workload>,
    /// Allocators, comma-separated (default: all this build has).
    #[arg(long, value_delimiter = ',', value_enum)]
    allocators: Vec<Allocator>,
    /// Runs; every (workload, threads, allocator) gets a fresh process per run.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=51))]
    runs: u16,
    /// Each workload's default work per thread, scaled by this percentage.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    work_percent: u32,
    /// Largest object in bytes.
    #[arg(long, default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(16..=MAX_OBJECT as i64))]
    max_size: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Sample anonymous RSS every this many milliseconds.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    sample_ms: u32,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Print a chart (SVG) instead of tables.
    #[arg(long, value_enum, conflicts_with_all = ["json", "markdown"])]
    svg: Option<Chart>,
    /// Print only the summary: every workload at as many threads as the
    /// machine has cores, the machines as columns, and the claim's verdict.
    #[arg(long, conflicts_with_all = ["json", "svg"])]
    summary: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct CountsArgs {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct LimitsArgs {
    /// CPU counts (the process's affinity mask).
    #[arg(long, value_delimiter = ',', default_values_t = [1u64, 2, 4, 8],
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    cpus: Vec<u64>,
    /// Thread counts.
    #[arg(long, value_delimiter = ',', default_values_t = [4u64, 16, 64],
          value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS as u64))]
    threads: Vec<u64>,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct ArenasArgs {
    /// Thread counts for System; the other settings run at the largest.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_THREADS,
          value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    threads: Vec<u32>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Render a saved `--json` result instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    let command = kit::output::command_or(cli.command, &["compare"]);
    validate(&command);
    let _profile = kit::profile::start("ex7");
    kit::report::exit_status(match command {
        Command::Compare(a) => compare_cmd(&a),
        Command::Counts(a) => counts_cmd(&a),
        Command::Arenas(a) => arenas_cmd(&a),
        Command::Limits(a) => Ok(kit::report::show(
            &ex7::limits::limits(&a.cpus, &a.threads),
            a.out.format(),
            |rows| [ex7::limits::table(rows)],
        )),
        Command::Run(job) => Ok(child::run(Allocator::System, &job)),
    })
}

/// Usage errors clap cannot see: allocators this build lacks, runs over the
/// memory cap. One line, status 2.
fn validate(command: &Command) {
    use kit::output::usage_error as usage;
    match command {
        Command::Run(job) => {
            if let Err(e) = job.params.check() {
                usage(e);
            }
        }
        Command::Compare(a) if a.from.is_none() => {
            for al in &a.allocators {
                if !ex7::allocator::is_available(*al) {
                    usage(kit::sibling::not_built_in(
                        &format!("allocator '{al}'"),
                        "this program",
                    ));
                }
            }
            let plan = plan_of(a);
            for &w in &plan.workloads {
                for &t in &plan.threads {
                    if let Err(e) = plan.params(w, t).check() {
                        usage(e);
                    }
                }
            }
        }
        _ => {}
    }
}

fn plan_of(a: &CompareArgs) -> Plan {
    let mut threads = a.threads.clone();
    threads.sort_unstable();
    threads.dedup();
    Plan {
        workloads: if a.workloads.is_empty() {
            Workload::ALL.to_vec()
        } else {
            a.workloads.clone()
        },
        threads,
        allocators: if a.allocators.is_empty() {
            ex7::allocator::available()
        } else {
            a.allocators.clone()
        },
        runs: a.runs as usize,
        work_percent: a.work_percent,
        max_size: a.max_size,
        seed: a.seed,
        sample_ms: a.sample_ms,
    }
}

fn compare_cmd(a: &CompareArgs) -> Result<bool, String> {
    // A data file holds one run per machine measured (kit::series).
    let runs = Runs::all_or_measure(a.from.as_deref(), || {
        ex7::allocator::build_siblings()?;
        let plan = plan_of(a);
        let total = plan.runs * plan.workloads.len() * plan.threads.len() * plan.allocators.len();
        let samples = with_progress(total as u64, "children", a.quiet || a.out.json, |tick| {
            compare::collect(&plan, tick)
        })?;
        Ok(compare::aggregate(&plan, samples))
    })?;
    let chart = match a.svg {
        Some(Chart::Scaling) => ex7::chart::scaling(&runs.runs, Workload::Server),
        Some(Chart::Rss) => ex7::chart::rss(&runs.runs),
        None if a.summary => {
            runs.print(a.out.format(), |all, f| {
                Page::new([compare::summary_table(all)])
                    .line(compare::claim_line(all))
                    .print(f)
            });
            return Ok(true);
        }
        None => {
            runs.print_each(
                a.out.format(),
                |_, report| {
                    Page::new(compare::tables(report))
                        .tables([compare::claim_table(report)])
                        .line(compare::label(report))
                },
                Some(compare::claim_line(&runs.runs)),
            );
            return Ok(true);
        }
    };
    Ok(kit::output::print_svg(chart))
}

fn counts_cmd(a: &CountsArgs) -> Result<bool, String> {
    ex7::allocator::build_siblings()?;
    let c = counts::collect(&ex7::allocator::available(), a.seed)?;
    match a.out.format() {
        Format::Json => print_json(&c),
        f => Page::new([counts::table(&c)])
            .tables(counts::remote_table(&c))
            .line(counts::summary_line(&c))
            .print(f),
    }
    let ok = c.agree() && c.all_freed();
    if !ok {
        eprintln!("error: the allocators counted different work, or blocks were left allocated");
    }
    Ok(ok)
}

fn arenas_cmd(a: &ArenasArgs) -> Result<bool, String> {
    let runs = Runs::all_or_measure(a.from.as_deref(), || {
        ex7::allocator::build_siblings()?;
        let n = a.threads.len() + arenas::settings().len();
        with_progress(n as u64, "children", a.out.json, |tick| {
            arenas::collect(&a.threads, a.seed, tick)
        })
    })?;
    runs.print_each(
        a.out.format(),
        |_, r| Page::new([arenas::table(r)]).line(arenas::label(r)),
        None,
    );
    Ok(true)
}
