//! `cargo run --release -p ex8 -- --help`

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use ex8::fix::Version;
use ex8::{compare, shootout};
use kit::OutputArgs;
use kit::report::{Page, Runs, exit_status, show};

// ANCHOR: global
// The tracked process: the system allocator in exercise 1's tracker. (With
// `--features dhat-heap`, dhat's allocator.)
kit::global_allocator!(ex1::Tracker<std::alloc::System> = ex1::Tracker::new(std::alloc::System));
// ANCHOR_END: global

/// The most records any command takes (about 300 bytes of heap each).
const MAX_RECORDS: u64 = 1_000_000;

/// Chapter 8: your own program. Allocation budgets, a find-and-fix, and
/// five heap profilers on one job.
///
/// With no command, runs `counts`.
#[derive(Parser)]
#[command(version, about, override_usage = "ex8 [COMMAND]")]
struct Cli {
    #[command(flatten)]
    child_env: kit::child::ChildEnvArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The find-and-fix's exact counts, before and after, and the job's.
    Counts(CountsArgs),
    /// The find-and-fix, before and after: counts (tracked) and times
    /// (untracked processes).
    Fix(FixArgs),
    /// The job every profiler runs (exercise 5's std pipeline), counted.
    Job(JobArgs),
    /// One tally of one version over generated requests (what a profiler
    /// of the find-and-fix runs).
    Tally(TallyArgs),
    /// Five heap profilers on the job: cost, and agreement with the tracker.
    Shootout(ShootoutArgs),
}

#[derive(clap::Args)]
struct CountsArgs {
    #[arg(long, default_value_t = compare::RECORDS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    records: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct FixArgs {
    #[arg(long, default_value_t = compare::RECORDS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    records: u64,
    /// Pairs of fresh untracked processes (one per version, back to back).
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u32).range(1..=51))]
    processes: u32,
    /// Timed calls per process.
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u32).range(1..=1001))]
    runs: u32,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct JobArgs {
    #[arg(long, default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    records: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct TallyArgs {
    #[arg(value_enum)]
    version: Version,
    #[arg(long, default_value_t = compare::RECORDS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    records: u64,
}

#[derive(clap::Args)]
struct ShootoutArgs {
    /// Records of the job (the timing also runs four times as many).
    #[arg(long, default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS / shootout::LONGER))]
    records: u64,
    /// Timed runs of every tool and its baseline at each of two lengths
    /// (`--records` and four times as many).
    #[arg(long, default_value_t = shootout::TIMING_RUNS as u64,
          value_parser = clap::value_parser!(u64).range(1..=51))]
    runs: u64,
    /// Fail (exit 1) unless every tool agrees with the tracker and the
    /// flame graph has the pipeline's frames.
    #[arg(long)]
    check: bool,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Print the allocation flame graph (SVG) instead of tables.
    #[arg(long, conflicts_with_all = ["json", "markdown"])]
    flame: bool,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    let command = kit::output::command_or(cli.command, &["counts"]);
    let _profile = kit::profile::start("ex8");
    exit_status(match command {
        Command::Counts(a) => counts_cmd(&a),
        Command::Fix(a) => fix_cmd(&a),
        Command::Job(a) => job_cmd(&a),
        Command::Tally(a) => {
            let text = ex8::fix::lines(ex8::job::SEED, a.records);
            let requests = ex8::fix::requests(&text);
            let (rows, total) = ex8::fix::count_once(a.version, &requests);
            println!("{rows} rows, {total} requests");
            Ok(true)
        }
        Command::Shootout(a) => shootout_cmd(&a),
    })
}

fn counts_cmd(a: &CountsArgs) -> Result<bool, String> {
    ex1::warn_if_untracked();
    let c = compare::counts(a.records)?;
    Ok(show(&c, a.out.format(), compare::counts_tables))
}

fn fix_cmd(a: &FixArgs) -> Result<bool, String> {
    // A data file holds one run per machine measured (kit::series).
    let runs = Runs::all_or_measure(a.from.as_deref(), || {
        compare::collect(a.records, a.processes, a.runs)
    })?;
    runs.print_pages(a.out.format(), |r| {
        Page::new([compare::table(r)]).line(compare::label(r))
    });
    Ok(true)
}

fn job_cmd(a: &JobArgs) -> Result<bool, String> {
    ex1::warn_if_untracked();
    let c = ex8::job::counted(a.records).map_err(|e| e.to_string())?;
    Ok(show(&c, a.out.format(), |c| [ex8::compare::job_table(c)]))
}

fn shootout_cmd(a: &ShootoutArgs) -> Result<bool, String> {
    let runs = Runs::all_or_measure(a.from.as_deref(), || {
        let setup = shootout::Setup::prepare()?;
        let mut report = shootout::collect(&setup, a.records)?;
        let quiet = a.out.format() != kit::Format::Human;
        let steps = a.runs * shootout::Tool::ALL.len() as u64;
        report.timing = Some(kit::report::with_progress(
            steps,
            "timing the tools",
            quiet,
            |tick| shootout::time_tools(&setup, a.records, a.runs as usize, tick),
        )?);
        Ok::<_, String>(report)
    })?;
    let first = &runs.runs[0];
    if a.flame {
        let svg = ex8::flame::svg(
            &first.folded,
            "Allocations (blocks) of exercise 5's std pipeline (dhat-rs)",
        );
        return if kit::output::print_svg(svg) {
            Ok(true)
        } else {
            Err("no flame graph".to_string())
        };
    }
    // What each tool is for, once; then each run's tables and label.
    runs.print_each(
        a.out.format(),
        |i, r| {
            Page::new((i == 0).then(shootout::questions))
                .tables([shootout::table(r), shootout::agreement_table(r)])
                .line(shootout::label(r))
        },
        None,
    );
    if a.check {
        let problems = shootout::problems(first);
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        eprintln!(
            "shoot-out: every tool agrees with the tracker; the flame graph has the pipeline's frames"
        );
    }
    Ok(true)
}
