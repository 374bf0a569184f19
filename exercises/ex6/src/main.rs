//! `cargo run --release -p ex6 -- --help`

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use ex6::Strategy;
use ex6::batch::{Job, MAX_BATCH};
use ex6::compare::{self, Plan, Report};
use kit::report::{Page, Runs, with_progress};
use kit::{Format, OutputArgs, output::print_json};

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
    #[command(flatten)]
    child_env: kit::child::ChildEnvArgs,
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
    /// Print only the finding: what not copying and bumping each did, on
    /// every machine measured, and what follows (Markdown).
    #[arg(long, conflicts_with_all = ["json", "svg"])]
    finding: bool,
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
    cli.child_env.apply();
    let command = kit::output::command_or(cli.command, &["compare"]);
    let run_strategy = match &command {
        Command::Run(job) => Some(
            ex6::child::strategy_of(job, kit::sibling::Global::System, "ex6")
                .unwrap_or_else(|e| kit::output::usage_error(e)),
        ),
        Command::Compare(a) => {
            validate_strategies(&a.strategies);
            None
        }
        _ => None,
    };
    let _profile = kit::profile::start("ex6");
    kit::report::exit_status(match command {
        Command::Compare(a) => compare_cmd(&a),
        Command::Counts(a) => counts_cmd(&a),
        Command::Run(job) => Ok(run_strategy.is_some_and(|s| ex6::child::run(s, &job))),
    })
}

/// Strategies this build cannot run are a usage error: one line, status 2.
fn validate_strategies(strategies: &[Strategy]) {
    for s in strategies {
        if !s.is_available() {
            kit::output::usage_error(kit::sibling::not_built_in(
                &format!("strategy '{s}'"),
                "this program",
            ));
        }
    }
}

/// Runs the plan with a progress bar on stderr.
fn measure(plan: &Plan, quiet: bool) -> Result<Report, String> {
    let len = ((plan.runs + 1) * plan.strategies.len()) as u64;
    let samples = with_progress(len, "children", quiet, |tick| compare::collect(plan, tick))?;
    Ok(compare::aggregate(plan, samples))
}

fn compare_cmd(a: &CompareArgs) -> Result<bool, String> {
    // One run per machine measured (a data file keeps a series of them).
    let mut runs = Runs::all_or_measure(a.from.as_deref(), || {
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
        measure(&plan, a.quiet)
    })?;
    // Instruction counts are the same on every machine of one build.
    runs.callgrind(
        a.callgrind,
        |r| compare::count_instructions(&r.plan),
        |r, i| r.instructions = Some(i),
    )?;
    if a.svg {
        return Ok(kit::output::print_svg(ex6::chart::svg(runs.latest())));
    }
    if a.finding {
        println!("{}", compare::finding(&runs.runs));
        return Ok(true);
    }
    let across = (runs.runs.len() > 1).then(|| compare::across_machines(&runs.runs));
    runs.print_each(
        a.out.format(),
        |i, report| {
            let first = i == 0;
            Page::new([compare::pairs_table(report), compare::table(report)])
                .tables(compare::instructions_table(report).filter(|_| first))
                .line(compare::output_line(report))
                .line(compare::verdict(report))
                .line(compare::label(report))
        },
        across,
    );
    Ok(runs.runs.iter().all(checks_hold))
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

fn counts_cmd(a: &CountsArgs) -> Result<bool, String> {
    // No timed runs: only each strategy's tracked, counting run.
    let plan = Plan {
        strategies: Strategy::available(),
        runs: 0,
        records: a.records,
        batch: a.batch,
        seed: a.seed,
    };
    let report = measure(&plan, a.out.json)?;
    match a.out.format() {
        Format::Json => print_json(&report),
        f => Page::new([compare::counts_table(&report)])
            .line(compare::output_line(&report))
            .print(f),
    }
    Ok(checks_hold(&report))
}
