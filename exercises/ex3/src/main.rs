//! `cargo run --release -p ex3 -- --help`

use clap::{Parser, Subcommand};
use ex3::{chunks, drops, layout, report, versus};
use kit::report::{Page, Runs, show, show_as};
use kit::{Format, OutputArgs};

// Every global allocation (each Box, and each chunk an arena takes) goes
// through exercise 1's tracker, so the counts below are exact.
kit::global_allocator!(
    ex1::Tracker<std::alloc::System> =
        ex1::Tracker::new(std::alloc::System)
);

/// Chapter 3: arena basics with bumpalo, and arena vs heap.
///
/// With no command, runs every deterministic command and a short `versus`.
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
    /// Where values land: offsets, downward bumping, alignment padding.
    Layout(OutputArgs),
    /// Chunk growth as values are added (deterministic).
    Chunks(ChunksArgs),
    /// reset(): rounds of allocation reusing the same memory (deterministic).
    Reset(ResetArgs),
    /// Values in an arena are never dropped; bumpalo's Box is (deterministic).
    Drops(OutputArgs),
    /// An allocation limit: try_alloc fails gracefully (deterministic).
    Limit(LimitArgs),
    /// Arena vs heap for many small objects (timed).
    Versus(VersusArgs),
    /// Every part of the chapter in order, at the chapter's sizes: what a
    /// bare `cargo run -p ex3` runs.
    Tour,
}

#[derive(clap::Args)]
struct ChunksArgs {
    /// How many u64 values to allocate.
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    values: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct ResetArgs {
    /// How many rounds of reset-then-allocate.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    rounds: u64,
    /// u64 values allocated per round.
    #[arg(long, default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    values: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct LimitArgs {
    /// The arena's allocation limit, in bytes.
    #[arg(long, default_value_t = 4096,
          value_parser = clap::value_parser!(u64).range(1..=(64 << 20)))]
    bytes: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct VersusArgs {
    #[command(flatten)]
    size: versus::Size,
    /// Run only this side: one warm-up round, then `--runs` rounds, untimed
    /// as a whole (for profilers such as callgrind or perf); prints ns per
    /// object.
    #[arg(long, value_enum, conflicts_with_all = ["from", "callgrind"])]
    only: Option<versus::Which>,
    /// Also count instructions per object with valgrind's callgrind (needs
    /// valgrind installed; about half a minute).
    /// With `--from`, counts them for the saved report: unlike its timings,
    /// they do not depend on how busy the machine is.
    #[arg(long)]
    callgrind: bool,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<std::path::PathBuf>,
    /// Print only the finding: the claim's verdict per case on every machine
    /// measured (Markdown).
    #[arg(long, conflicts_with_all = ["json", "only"])]
    finding: bool,
    /// Print only the verdict table: each case's ratio on every machine
    /// measured, with its interval and verdict.
    #[arg(long, conflicts_with_all = ["json", "only", "finding"])]
    summary: bool,
    /// Everything but the verdict table (`--summary` prints that alone).
    #[arg(long, conflicts_with_all = ["json", "only", "finding", "summary"])]
    details: bool,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    let _profile = kit::profile::start("ex3");
    ex1::warn_if_untracked();
    kit::report::exit_status(match kit::output::command_or(cli.command, &["tour"]) {
        Command::Layout(out) => Ok(layout_cmd(out.format())),
        Command::Chunks(a) => Ok(chunks_cmd(a.values as usize, a.out.format())),
        Command::Reset(a) => Ok(reset_cmd(
            a.rounds as usize,
            a.values as usize,
            a.out.format(),
        )),
        Command::Drops(out) => Ok(drops_cmd(out.format())),
        Command::Limit(a) => Ok(limit_cmd(a.bytes as usize, a.out.format())),
        Command::Versus(a) => versus_cmd(&a),
        Command::Tour => {
            let h = Format::Human;
            let steps: [&dyn Fn() -> bool; 5] = [
                &|| layout_cmd(h),
                &|| chunks_cmd(10_000, h),
                &|| reset_cmd(5, 2_000, h),
                &|| drops_cmd(h),
                &|| limit_cmd(4096, h),
            ];
            // A blank line after each, and one more before `versus`.
            let ok = steps.iter().all(|step| {
                let ok = step();
                println!();
                ok
            });
            println!();
            let versus = VersusArgs {
                size: versus::Size {
                    objects: 100_000,
                    runs: 5,
                    rounds: 5,
                },
                only: None,
                callgrind: false,
                from: None,
                finding: false,
                summary: false,
                details: false,
                out: OutputArgs::default(),
            };
            if ok { versus_cmd(&versus) } else { Ok(false) }
        }
    })
}

fn layout_cmd(format: Format) -> bool {
    show(&layout::tour(), format, layout::tables)
}

fn chunks_cmd(values: usize, format: Format) -> bool {
    // All of it, the list of steps included: what a dhat profile of this
    // command attributes to `chunks.rs`.
    let (g, all) = ex1::measure(|| chunks::growth(values));
    let json = || ex1::with_dhat_totals(&g, &all);
    show_as(format, json, || chunks::growth_tables(&g))
}

fn reset_cmd(rounds: usize, values: usize, format: Format) -> bool {
    let r = chunks::reset_rounds(rounds, values);
    show(&r, format, |r| [chunks::reset_table(r, values)])
}

fn drops_cmd(format: Format) -> bool {
    show(&drops::drop_cases(3), format, |c| [drops::drop_table(c)])
}

fn limit_cmd(limit: usize, format: Format) -> bool {
    show(&drops::limit_run(limit), format, |r| {
        [drops::limit_table(r, limit)]
    })
}

fn versus_cmd(args: &VersusArgs) -> Result<bool, String> {
    if let Some(which) = args.only {
        println!("{}", versus::only_line(which, &args.size));
        return Ok(true);
    }
    let mut runs = Runs::all_or_measure(args.from.as_deref(), || {
        // Timed in the untracked binary; counted here, by the tracker.
        let mut r = versus::timed_in_fresh_processes(&args.size)?;
        versus::add_counts(&mut r, versus::count_calls(args.size.objects as usize));
        Ok(r)
    })?;
    runs.callgrind(
        args.callgrind,
        |r| versus::count_instructions(&ex3::child::SIBLINGS.built_untracked()?, r.objects),
        |r, i| r.instructions = Some(i),
    )?;
    if args.finding {
        println!("{}", report::finding(&runs.runs));
        return Ok(true);
    }
    if args.summary {
        runs.print(args.out.format(), |runs, f| {
            Page::new([report::verdict_table(runs)]).print(f)
        });
        return Ok(true);
    }
    runs.print(args.out.format(), |runs, f| {
        let tables = if args.details {
            report::tables_without_verdicts(runs)
        } else {
            report::tables(runs)
        };
        Page::new(tables)
            .line(report::label(runs))
            .line(report::findings(runs))
            .print(f)
    });
    Ok(true)
}
