//! `cargo run --release -p ex6 -- --help`

use std::path::PathBuf;

use clap::{Parser, Subcommand, error::ErrorKind};
use ex6::Strategy;
use ex6::batch::{Job, MAX_BATCH};
use ex6::compare::{self, Plan, Report};
use kit::{Format, OutputArgs, output::print_json, output::print_tables};

// ANCHOR: global
// The parent, and the counting process of the `system`, `borrowed` and
// `arena` strategies: the platform's allocator, wrapped in exercise 1's
// tracker. (With `--features dhat-heap`, dhat's allocator takes its place.)
// Their timed process is `ex6-untracked`.
kit::global_allocator!(
    ex1::Tracker<std::alloc::System> =
        ex1::Tracker::new(std::alloc::System)
);
// ANCHOR_END: global

/// Chapter 6: one batch job seven ways (System, jemalloc, mimalloc, without
/// copies, and an arena per batch over each allocator), each in its own
/// process, side by side.
///
/// With no command, runs `compare` with its defaults (about half a minute
/// on two cores).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The four-way comparison: wall time, batch latency, allocations, peak
    /// heap and RSS; every (strategy, run) in a fresh process (timed).
    Compare(CompareArgs),
    /// Each strategy once, in its own process: allocation counts and peak
    /// live heap (deterministic).
    Counts(CountsArgs),
    /// Run the batch job once in this process (strategy system, borrowed or
    /// arena; the others run in `ex6-jemalloc` and `ex6-mimalloc`).
    Run(Job),
}

/// Most records a comparison generates. The input file they make is about
/// 190 bytes per record, so this bounds it near 400 MB.
const MAX_COMPARE_RECORDS: u64 = 2_000_000;
const DEFAULT_RECORDS: u64 = 1_000_000;
const DEFAULT_BATCH: u64 = 1000;
const DEFAULT_RUNS: u16 = 5;

#[derive(clap::Args)]
struct CompareArgs {
    /// Records of generated input.
    #[arg(long, default_value_t = DEFAULT_RECORDS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_COMPARE_RECORDS))]
    records: u64,
    /// Records per batch.
    #[arg(long, default_value_t = DEFAULT_BATCH,
          value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH))]
    batch: u64,
    /// Runs; each strategy gets a fresh process per run.
    #[arg(long, default_value_t = DEFAULT_RUNS,
          value_parser = clap::value_parser!(u16).range(1..=51))]
    runs: u16,
    /// Seed of the generated input.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Strategies to compare, comma-separated (default: all this build has).
    #[arg(long, value_delimiter = ',', value_enum)]
    strategies: Vec<Strategy>,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Print the comparison as an SVG chart instead of tables.
    #[arg(long, conflicts_with_all = ["json", "markdown"])]
    svg: bool,
    /// Also count instructions per record with valgrind's callgrind, on a
    /// smaller input (needs valgrind installed; about a minute).
    /// With `--from`, counts them for the saved report: unlike its timings,
    /// they do not depend on how busy the machine is.
    #[arg(long)]
    callgrind: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct CountsArgs {
    /// Records of generated input.
    #[arg(long, default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_COMPARE_RECORDS))]
    records: u64,
    /// Records per batch.
    #[arg(long, default_value_t = DEFAULT_BATCH,
          value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH))]
    batch: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let run_strategy = match &cli.command {
        Some(Command::Run(job)) => Some(ex6::child::strategy_or_exit(
            job,
            &Strategy::served_by(ex6::strategy::Allocator::System),
            "ex6",
        )),
        Some(Command::Compare(a)) => {
            validate_strategies(&a.strategies);
            None
        }
        _ => None,
    };
    let _profile = kit::profile::start("ex6");
    let ok = match cli.command {
        Some(Command::Compare(a)) => compare_cmd(&a),
        Some(Command::Counts(a)) => counts_cmd(&a),
        Some(Command::Run(job)) => match run_strategy {
            Some(s) => ex6::child::run(s, &job),
            None => false,
        },
        None => compare_cmd(&CompareArgs {
            records: DEFAULT_RECORDS,
            batch: DEFAULT_BATCH,
            runs: DEFAULT_RUNS,
            seed: 1,
            strategies: Vec::new(),
            from: None,
            callgrind: false,
            svg: false,
            quiet: false,
            out: OutputArgs::default(),
        }),
    };
    if ok { 0.into() } else { 1.into() }
}

/// Strategies this build cannot run are a usage error: one line, status 2.
fn validate_strategies(strategies: &[Strategy]) {
    for s in strategies {
        if !s.is_available() {
            clap::Error::raw(
                ErrorKind::InvalidValue,
                format!(
                    "strategy '{s}' is not built into this program (jemalloc needs a non-MSVC \
                     target and the `jemalloc` feature; mimalloc the `mimalloc` feature)\n"
                ),
            )
            .exit();
        }
    }
}

/// Runs the plan with a progress bar on stderr.
fn measure(plan: &Plan, quiet: bool) -> Option<Report> {
    let pb = kit::output::progress(
        ((plan.runs + 1) * plan.strategies.len()) as u64,
        "children",
        quiet,
    );
    let samples = compare::collect(plan, &|| pb.inc(1));
    pb.finish_and_clear();
    match samples {
        Ok(samples) => Some(compare::aggregate(plan, samples)),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

fn compare_cmd(a: &CompareArgs) -> bool {
    // One run per machine measured (a data file keeps a series of them).
    let mut runs = match &a.from {
        Some(path) => match kit::series::read::<Report>(path) {
            Ok(r) if !r.is_empty() => r,
            Ok(_) => {
                eprintln!("error: {} holds no run", path.display());
                return false;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return false;
            }
        },
        None => {
            kit::timing::warn_if_debug_build();
            let strategies = if a.strategies.is_empty() {
                Strategy::available()
            } else {
                a.strategies.clone()
            };
            let plan = Plan {
                strategies,
                runs: a.runs as usize,
                records: a.records,
                batch: a.batch,
                seed: a.seed,
            };
            match measure(&plan, a.quiet) {
                Some(r) => vec![r],
                None => return false,
            }
        }
    };
    if a.callgrind {
        // Instruction counts are the same on every machine of one build.
        match compare::count_instructions(&runs[0].plan) {
            Ok(i) => runs
                .iter_mut()
                .for_each(|r| r.instructions = Some(i.clone())),
            Err(e) => {
                eprintln!("error: --callgrind: {e}");
                return false;
            }
        }
    }
    let latest = &runs[runs.len() - 1];
    if a.svg {
        return kit::output::print_svg(ex6::chart::svg(latest));
    }
    match a.out.format() {
        Format::Json if runs.len() == 1 => print_json(latest),
        Format::Json => print_json(&kit::series::Series {
            series: runs.clone(),
        }),
        f => {
            for (i, report) in runs.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                let mut tables = vec![compare::table(report)];
                if i == 0 {
                    tables.extend(compare::instructions_table(report));
                }
                print_tables(&tables, f);
                println!("\n{}", compare::output_line(report));
                println!("\n{}", compare::verdict(report));
                if i == 0
                    && let Some(line) = compare::instructions_line(report)
                {
                    println!("\n{line}");
                }
                println!("\n{}", compare::label(report));
            }
            if runs.len() > 1 {
                println!("\n{}", compare::across_machines(&runs));
            }
        }
    }
    runs.iter().all(checks_hold)
}

fn checks_hold(r: &Report) -> bool {
    if !r.same_output {
        eprintln!("error: the strategies wrote different reports");
    }
    if !r.counts_agree {
        eprintln!(
            "error: strategies of one pipeline counted different allocations for the same work"
        );
    }
    r.same_output && r.counts_agree
}

fn counts_cmd(a: &CountsArgs) -> bool {
    // No timed runs: only each strategy's tracked, counting run.
    let plan = Plan {
        strategies: Strategy::available(),
        runs: 0,
        records: a.records,
        batch: a.batch,
        seed: a.seed,
    };
    let Some(report) = measure(&plan, a.out.json) else {
        return false;
    };
    match a.out.format() {
        Format::Json => print_json(&report),
        f => {
            print_tables(&[compare::counts_table(&report)], f);
            println!("\n{}", compare::output_line(&report));
        }
    }
    checks_hold(&report)
}
