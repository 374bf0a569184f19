//! `cargo run --release -p ex8 -- --help`

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use ex8::fix::Version;
use ex8::{compare, shootout};
use kit::output::{Table, print_json, print_tables};
use kit::{Format, OutputArgs};

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
#[command(version, about)]
struct Cli {
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
    /// Fresh untracked processes per version.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=51))]
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
    #[arg(long, default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    records: u64,
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
    let command = cli.command.unwrap_or(Command::Counts(CountsArgs {
        records: compare::RECORDS,
        out: OutputArgs::default(),
    }));
    let _profile = kit::profile::start("ex8");
    let result = match command {
        Command::Counts(a) => counts_cmd(&a),
        Command::Fix(a) => fix_cmd(&a),
        Command::Job(a) => job_cmd(&a),
        Command::Tally(a) => {
            let text = ex8::fix::lines(ex8::job::SEED, a.records);
            let requests = ex8::fix::requests(&text);
            let (rows, total) = ex8::fix::count_once(a.version, &requests);
            println!("{rows} rows, {total} requests");
            Ok(())
        }
        Command::Shootout(a) => shootout_cmd(&a),
    };
    match result {
        Ok(()) => 0.into(),
        Err(e) => {
            eprintln!("error: {e}");
            1.into()
        }
    }
}

fn counts_cmd(a: &CountsArgs) -> Result<(), String> {
    ex1::warn_if_untracked();
    let c = ex8::compare::counts(a.records)?;
    match a.out.format() {
        Format::Json => print_json(&c),
        f => print_tables(ex8::compare::counts_tables(&c), f),
    }
    Ok(())
}

fn fix_cmd(a: &FixArgs) -> Result<(), String> {
    let runs = match &a.from {
        Some(path) => kit::series::read(path)?,
        None => {
            kit::timing::warn_if_debug_build();
            vec![compare::collect(a.records, a.processes, a.runs)?]
        }
    };
    match a.out.format() {
        Format::Json if runs.len() == 1 => print_json(&runs[0]),
        Format::Json => print_json(&kit::series::Series { series: runs }),
        f => {
            for r in &runs {
                print_tables(&[compare::table(r)], f);
                println!("\n{}\n", compare::label(r));
            }
        }
    }
    Ok(())
}

fn job_cmd(a: &JobArgs) -> Result<(), String> {
    ex1::warn_if_untracked();
    let c = ex8::job::counted(a.records).map_err(|e| e.to_string())?;
    match a.out.format() {
        Format::Json => print_json(&c),
        f => {
            let mut t = Table::new(
                format!("The std pipeline over {} records", c.records),
                &[
                    "allocations",
                    "reallocs",
                    "bytes requested",
                    "peak live bytes",
                ],
            );
            t.row([
                c.stats.dhat_blocks(),
                c.stats.reallocs,
                c.stats.bytes_allocated,
                c.stats.peak_live_bytes as u64,
            ]);
            print_tables(&[t], f);
        }
    }
    Ok(())
}

fn shootout_cmd(a: &ShootoutArgs) -> Result<(), String> {
    let runs: Vec<shootout::Report> = match &a.from {
        Some(path) => kit::series::read(path)?,
        None => {
            kit::timing::warn_if_debug_build();
            let setup = shootout::Setup::prepare()?;
            vec![shootout::collect(&setup, a.records)?]
        }
    };
    if a.flame {
        let svg = ex8::flame::svg(
            &runs[0].folded,
            "Allocations (blocks) of exercise 5's std pipeline (dhat-rs)",
        );
        return if kit::output::print_svg(svg) {
            Ok(())
        } else {
            Err("no flame graph".to_string())
        };
    }
    match a.out.format() {
        Format::Json if runs.len() == 1 => print_json(&runs[0]),
        Format::Json => print_json(&kit::series::Series {
            series: runs.clone(),
        }),
        f => {
            print_tables(&[shootout::questions()], f);
            for r in &runs {
                println!();
                print_tables(&[shootout::table(r), shootout::agreement_table(r)], f);
                println!("\n{}", shootout::label(r));
            }
        }
    }
    if a.check {
        let problems = shootout::problems(&runs[0]);
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        eprintln!(
            "shoot-out: every tool agrees with the tracker; the flame graph has the pipeline's frames"
        );
    }
    Ok(())
}
