//! `cargo run --release -p ex1 -- --help`

use clap::{Parser, Subcommand};
use ex1::{growth, overhead};
use kit::report::{Runs, show, show_as, with_progress};
use kit::{Format, OutputArgs};

// ANCHOR: global
// The whole process allocates through the thread-owned tracker: every Box,
// Vec and String below is counted. (With `--features dhat-heap`, dhat's
// allocator takes its place instead.)
kit::global_allocator!(
    ex1::Tracker<std::alloc::System> = ex1::Tracker::new(std::alloc::System)
);
// ANCHOR_END: global

/// Chapter 1: a tracking allocator, and what Vec and String growth allocate.
///
/// With no command, runs `growth`, `strings` and a short `overhead`.
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
    /// Vec growth: capacity sequences and allocation counts (deterministic).
    Growth(GrowthArgs),
    /// String building: format!, push_str, with_capacity, write! (deterministic).
    Strings(OutputArgs),
    /// What tracking costs: System vs naive vs thread-owned tracker (timed).
    Overhead(OverheadArgs),
    /// The fixed workload dhat and the tracker must agree on; prints its counts.
    Workload(OutputArgs),
    /// Every part of the chapter in order, at the chapter's sizes: what a
    /// bare `cargo run -p ex1` runs.
    Tour,
}

#[derive(clap::Args)]
struct GrowthArgs {
    /// Print the capacity-against-length chart as SVG instead of the table.
    #[arg(long, conflicts_with_all = ["json", "markdown"])]
    svg: bool,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct OverheadArgs {
    /// Thread counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Vec<u16>,
    /// Repetitions; the report gives their median and spread.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=101))]
    runs: u16,
    /// Alloc+free pairs per thread per run.
    #[arg(long, default_value_t = 2_000_000,
          value_parser = clap::value_parser!(u64).range(1..=200_000_000))]
    iters: u64,
    /// Time only this allocator, once, without warm-up (for profilers such as
    /// callgrind or perf); prints ns per pair.
    #[arg(long, value_enum, conflicts_with_all = ["from", "callgrind"])]
    only: Option<overhead::Which>,
    /// Also count instructions per pair with valgrind's callgrind (slow: about
    /// a minute; needs valgrind installed). With `--from`, counts them for
    /// the saved report: unlike its timings, they do not depend on how busy
    /// the machine is.
    #[arg(long)]
    callgrind: bool,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<std::path::PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    let _profile = kit::profile::start("ex1");
    kit::report::exit_status(match kit::output::command_or(cli.command, &["tour"]) {
        Command::Growth(args) if args.svg => Ok(kit::output::print_svg(growth::growth_chart())),
        Command::Growth(args) => Ok(growth_cmd(args.out.format())),
        Command::Strings(out) => Ok(strings_cmd(out.format())),
        Command::Overhead(args) => overhead_cmd(&args),
        Command::Workload(out) => Ok(workload_cmd(out.format())),
        Command::Tour => {
            growth_cmd(Format::Human);
            println!();
            strings_cmd(Format::Human);
            println!();
            overhead_cmd(&OverheadArgs {
                threads: vec![1, 2],
                runs: 5,
                iters: 1_000_000,
                only: None,
                callgrind: false,
                from: None,
                out: OutputArgs::default(),
            })
        }
    })
}

fn growth_cmd(format: Format) -> bool {
    ex1::warn_if_untracked();
    show(&growth::vec_cases(), format, |c| [growth::vec_table(c)])
}

fn strings_cmd(format: Format) -> bool {
    ex1::warn_if_untracked();
    let markdown = format == Format::Markdown;
    show(&growth::string_cases(), format, |c| {
        [growth::string_table(c, markdown)]
    })
}

fn overhead_cmd(args: &OverheadArgs) -> Result<bool, String> {
    if let Some(which) = args.only {
        let threads = args.threads.first().copied().unwrap_or(1) as usize;
        let ns = overhead::churn_one(which, threads, args.iters);
        println!("{which:?}: {ns:.2} ns per alloc+free pair ({threads} thread(s), one run)");
        return Ok(true);
    }
    let mut report = Runs::all_or_measure(args.from.as_deref(), || {
        let threads: Vec<usize> = args.threads.iter().map(|&t| t as usize).collect();
        Ok(with_progress(
            args.runs.into(),
            "overhead",
            args.out.json,
            |tick| overhead::run(&threads, args.runs.into(), args.iters, tick),
        ))
    })?;
    report.callgrind(
        args.callgrind,
        |_| {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            overhead::count_instructions(&exe)
        },
        |r, i| r.instructions = Some(i),
    )?;
    report.print_pages(args.out.format(), overhead::page);
    let r = report.latest();
    if r.tracked_allocs != r.expected_allocs {
        return Err(format!(
            "the tracker counted {} allocations, expected {}",
            r.tracked_allocs, r.expected_allocs
        ));
    }
    Ok(true)
}

fn workload_cmd(format: Format) -> bool {
    let (sum, stats) = ex1::measure(ex1::workload::run);
    let json = || {
        let run = serde_json::json!({ "checksum": sum, "stats": stats });
        ex1::with_dhat_totals(&run, &stats)
    };
    show_as(format, json, || [ex1::workload::table(&stats)])
}
