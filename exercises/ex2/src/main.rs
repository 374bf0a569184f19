//! `cargo run --release -p ex2 -- --help`

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, error::ErrorKind};
use ex2::{Allocator, bench, check, conf, frag};
use kit::report::{Page, Runs, show, show_as, with_progress};
use kit::{Format, OutputArgs, output::print_json, output::print_tables};

// ANCHOR: global
// The one line that makes jemalloc this process's allocator. Wrapped in
// exercise 1's tracker so every allocation is also counted. Where jemalloc is
// not built in (Windows MSVC, `--no-default-features`), the system allocator
// takes its place; with `--features dhat-heap`, dhat's does.
#[cfg(jemalloc)]
kit::global_allocator!(
    ex1::Tracker<tikv_jemallocator::Jemalloc> =
        ex1::Tracker::new(tikv_jemallocator::Jemalloc)
);
#[cfg(not(jemalloc))]
kit::global_allocator!(
    ex1::Tracker<std::alloc::System> =
        ex1::Tracker::new(std::alloc::System)
);
// ANCHOR_END: global

/// The allocator this binary was built with.
const BUILT_WITH: Allocator = if cfg!(jemalloc) {
    Allocator::Jemalloc
} else {
    Allocator::System
};

/// Chapter 2: jemalloc as the global allocator, against the system allocator.
///
/// Each allocator runs in its own process: this binary (jemalloc) starts
/// itself and its sibling `ex2-system` as children and prints their results
/// side by side. With no command: `bench`, `frag` and `facts`, in about a
/// minute.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    child_env: kit::child::ChildEnvArgs,
    /// Assert the chapter's facts (which allocator is active, jemalloc's
    /// statistics and size classes, purging, equal allocation counts under
    /// both allocators). No timings. Exit status 1 if any fails.
    #[arg(long)]
    check: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Throughput and latency (p50/p99/p99.9/max) of request handling, per
    /// allocator and thread count (timed).
    Bench(BenchArgs),
    /// Fragmentation stress: live bytes against RSS and jemalloc's statistics,
    /// then what purge and malloc_trim give back (timed, memory).
    Frag(FragArgs),
    /// Proof of which allocator serves each process, and jemalloc's size
    /// classes for a list of requests (deterministic).
    Facts(OutputArgs),
    /// What `_RJEM_MALLOC_CONF` settings change, shown by running them.
    Conf(ConfArgs),
    /// The seeded request workload's allocation counts under each allocator,
    /// side by side (deterministic).
    Counts(CountsArgs),
    /// The seeded request workload in this process: what it allocates
    /// (deterministic).
    Workload(WorkloadArgs),
    /// Internal: run one job as a child process and print JSON.
    #[command(hide = true)]
    Child {
        #[command(subcommand)]
        job: ex2::child::Job,
    },
    /// Every part of the chapter in order, at the chapter's sizes: what a
    /// bare `cargo run -p ex2` runs.
    Tour,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Thread counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Vec<u16>,
    /// Runs; each allocator gets a fresh process per run and thread count.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=51))]
    runs: u16,
    /// Requests each thread handles per run.
    #[arg(long, default_value_t = DEFAULT_UNITS,
          value_parser = clap::value_parser!(u64).range(1..=2_000_000))]
    units: u64,
    /// Seed of the request generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Allocators to compare, comma-separated.
    #[arg(long, value_delimiter = ',', value_enum)]
    allocators: Vec<Allocator>,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Print only the finding: the p99 claim's verdict on every machine
    /// measured (Markdown).
    #[arg(long, conflicts_with = "json")]
    finding: bool,
    #[command(flatten)]
    out: OutputArgs,
}

const DEFAULT_UNITS: u64 = 40_000;

#[derive(clap::Args)]
struct FragArgs {
    /// Cycles of the server pattern (each allocates 1000 blocks).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    cycles: u32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Points in the time series.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    samples: u32,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Print the time series as an SVG chart instead of tables.
    #[arg(long, conflicts_with_all = ["json", "markdown"])]
    svg: bool,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct ConfArgs {
    /// MiB allocated (in 4000-byte blocks) and freed by each child.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=256))]
    burst_mib: u64,
    /// When to sample after the free, in ms, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,500,3000",
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    waits_ms: Vec<u64>,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct CountsArgs {
    /// Thread counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Vec<u16>,
    /// Requests per thread.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    units: u64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct WorkloadArgs {
    /// Requests to handle.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    units: u64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    validate(&cli);
    let _profile = kit::profile::start("ex2");
    if cli.check {
        return kit::report::exit_status(Ok(check_cmd()));
    }
    kit::report::exit_status(match kit::output::command_or(cli.command, &["tour"]) {
        Command::Bench(a) => bench_cmd(&a),
        Command::Frag(a) => frag_cmd(&a),
        Command::Facts(out) => Ok(facts_cmd(out.format())),
        Command::Conf(a) => conf_cmd(&a),
        Command::Counts(a) => counts_cmd(&a),
        Command::Workload(a) => Ok(workload_cmd(&a)),
        Command::Child { job } => Ok(ex2::child::run(BUILT_WITH, &job)),
        Command::Tour => tour_cmd(),
    })
}

/// Input errors clap's bounds cannot express: exit 2 with one line, before
/// anything runs.
fn validate(cli: &Cli) {
    let fail = |msg: String| Cli::command().error(ErrorKind::InvalidValue, msg).exit();
    if cli.check && cli.command.is_some() {
        fail("--check runs on its own, without a command".into());
    }
    if let Some(Command::Bench(a)) = &cli.command {
        for al in &a.allocators {
            if !Allocator::available().contains(al) {
                fail(kit::sibling::not_built_in(
                    &format!("allocator '{al}'"),
                    "this binary",
                ));
            }
        }
    }
}

fn check_cmd() -> bool {
    println!("ex2 --check: facts, not timings (this binary: {BUILT_WITH})");
    let outcomes = check::run_all(BUILT_WITH);
    let mut ok = true;
    for o in &outcomes {
        let mark = match o.passed {
            Some(true) => "ok  ",
            Some(false) => "FAIL",
            None => "skip",
        };
        ok &= o.passed != Some(false);
        println!("{mark} {}: {}", o.name, o.detail);
    }
    if !cfg!(jemalloc) {
        println!("{}", ex2::jemalloc_absent_note());
    }
    println!(
        "{}",
        if ok {
            "all checks passed"
        } else {
            "some checks FAILED"
        }
    );
    ok
}

fn bench_cmd(a: &BenchArgs) -> Result<bool, String> {
    let report = Runs::all_or_measure(a.from.as_deref(), || {
        let allocators = if a.allocators.is_empty() {
            Allocator::available()
        } else {
            a.allocators.clone()
        };
        let threads: Vec<usize> = a.threads.iter().map(|&t| t as usize).collect();
        let runs = a.runs as usize;
        ex2::run_bench(&allocators, &threads, runs, a.units, a.seed, a.out.json)
    })?;
    if a.finding {
        println!("{}", bench::across_machines(&report.runs));
        return Ok(true);
    }
    // Measured here without jemalloc: say what is missing.
    let absent = (!cfg!(jemalloc) && a.from.is_none()).then(ex2::jemalloc_absent_note);
    report.print_each(
        a.out.format(),
        |_, r| {
            Page::new([bench::table(r)])
                .tables((!r.comparisons.is_empty()).then(|| bench::comparison_table(r)))
                .line(bench::verdict(r))
                .line(bench::label(r))
                .lines(absent.map(str::to_string))
        },
        (report.runs.len() > 1).then(|| bench::across_machines(&report.runs)),
    );
    let r = report.latest();
    Ok(report_problems(r.counts_agree, r.allocators_verified))
}

fn report_problems(counts_agree: bool, verified: bool) -> bool {
    if !counts_agree {
        eprintln!(
            "error: the allocators' children counted different allocations for the same work"
        );
    }
    if !verified {
        eprintln!("error: a child was not served by the allocator it was meant to have");
    }
    counts_agree && verified
}

fn frag_cmd(a: &FragArgs) -> Result<bool, String> {
    let report = Runs::all_or_measure(a.from.as_deref(), || {
        ex2::run_frag(a.cycles, a.seed, a.samples, a.out.json || a.svg)
    })?;
    if a.svg {
        return Ok(kit::output::print_svg(ex2::chart::frag_svg(
            report.latest(),
        )));
    }
    report.print_each(
        a.out.format(),
        |_, r| {
            Page::new([frag::table(r)])
                .tables(frag::jemalloc_table(r))
                .line(frag::release_lines(r).join("\n"))
                .line(frag::label(r))
        },
        None,
    );
    Ok(report_problems(report.latest().counts_agree, true))
}

fn facts_cmd(format: Format) -> bool {
    let facts = ex2::facts();
    match format {
        Format::Json => print_json(&facts),
        f => {
            print_tables(ex2::facts_tables(&facts), f);
            if !cfg!(jemalloc) {
                println!("\n{}", ex2::jemalloc_absent_note());
            }
        }
    }
    facts.system_child.is_some()
}

fn conf_cmd(a: &ConfArgs) -> Result<bool, String> {
    if a.from.is_none() && !cfg!(jemalloc) {
        println!("{}", ex2::jemalloc_absent_note());
        return Ok(true);
    }
    let report = Runs::all_or_measure(a.from.as_deref(), || {
        with_progress(conf::SETTINGS.len() as u64, "conf", a.out.json, |tick| {
            conf::run(a.burst_mib, &a.waits_ms, tick)
        })
    })?;
    report.print_each(
        a.out.format(),
        |_, r| Page::new([conf::table(r)]).line(conf::label(r)),
        None,
    );
    Ok(true)
}

fn counts_cmd(a: &CountsArgs) -> Result<bool, String> {
    let threads: Vec<usize> = a.threads.iter().map(|&t| t as usize).collect();
    let rows = ex2::counts(&threads, a.units, a.seed)?;
    show(&rows, a.out.format(), |r| {
        [ex2::counts_table(r, a.units, a.seed)]
    });
    Ok(rows.iter().all(|r| r.agree))
}

fn workload_cmd(a: &WorkloadArgs) -> bool {
    ex1::warn_if_untracked();
    // The requests' counts (`s`), and everything `run` allocated (`all`: its
    // request buffer too), which is what a dhat profile of this command
    // attributes to workload.rs.
    let ((checksum, s), all) = ex1::measure(|| ex2::workload::run(a.seed, a.units));
    let json = || {
        let run = serde_json::json!({ "units": a.units, "seed": a.seed, "checksum": checksum, "stats": s });
        ex1::with_dhat_totals(&run, &all)
    };
    show_as(a.out.format(), json, || {
        [ex2::workload::table(&s, a.units, a.seed)]
    })
}

fn tour_cmd() -> Result<bool, String> {
    // One failing command does not hide the others' results.
    let ok = |r: Result<bool, String>| {
        r.unwrap_or_else(|e| {
            eprintln!("error: {e}");
            false
        })
    };
    let bench_ok = ok(bench_cmd(&BenchArgs {
        threads: vec![1, 2, 4],
        runs: 5,
        units: DEFAULT_UNITS,
        seed: 42,
        allocators: Vec::new(),
        from: None,
        finding: false,
        out: OutputArgs::default(),
    }));
    println!();
    let frag_ok = ok(frag_cmd(&FragArgs {
        cycles: 1000,
        seed: 42,
        samples: 100,
        from: None,
        svg: false,
        out: OutputArgs::default(),
    }));
    println!();
    let facts_ok = facts_cmd(Format::Human);
    println!("\nMore: `conf` (jemalloc settings), `counts`, `workload`, `--check`; see --help.");
    Ok(bench_ok && frag_ok && facts_ok)
}
