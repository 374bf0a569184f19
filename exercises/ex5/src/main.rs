//! `cargo run --release -p ex5 -- --help`

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use ex5::memory::{self, MemoryReport};
use ex5::{
    access_log::Options,
    meter::{Pipeline, RunStats},
};
use kit::report::{Page, Runs, with_progress};
use kit::{Format, OutputArgs, output::print_json, output::print_tables};

// Every global allocation goes through exercise 1's tracker, so the counts
// per phase are exact. (With `--features dhat-heap`, dhat's allocator takes
// its place and the counts read 0.)
kit::global_allocator!(
    ex1::Tracker<std::alloc::System> =
        ex1::Tracker::new(std::alloc::System)
);

/// Chapter 5: an arena per phase (parse -> transform -> output) against the
/// same pipeline with String, Vec and HashMap.
///
/// With no command, runs `phases`.
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
    /// Write generated access-log lines (the default input of `run`).
    Generate(GenerateArgs),
    /// Run one pipeline: the report goes to stdout or --out.
    Run(RunArgs),
    /// Both pipelines on the same input: allocations per phase (deterministic).
    Phases(PhasesArgs),
    /// Batches against one batch, at N and 10N records (deterministic).
    Batch(BatchArgs),
    /// RSS per phase, each run in a fresh process (machine-dependent).
    Memory(MemoryArgs),
    /// The memory-over-time chart (SVG on stdout) from a saved `memory --json`.
    Chart(ChartArgs),
}

/// Most records any command generates.
const MAX_RECORDS: u64 = 50_000_000;
/// Most records a run keeps in memory at once (without --batch).
const MAX_UNBATCHED_RECORDS: u64 = 2_000_000;

#[derive(clap::Args)]
struct GenerateArgs {
    /// How many lines.
    #[arg(long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    records: u64,
    /// Seed of the generator: the same seed gives the same lines.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Which pipeline.
    #[arg(long, value_enum, default_value_t = Pipeline::Arena)]
    pipeline: Pipeline,
    /// Generated input: how many records (at most 2000000 without --batch).
    #[arg(long, default_value_t = 100_000, conflicts_with = "input",
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    records: u64,
    /// Seed of the generated input.
    #[arg(long, default_value_t = 1, conflicts_with = "input")]
    seed: u64,
    /// Read access-log lines from FILE instead of generating them.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Process the input in batches of B records: the parse memory is reused
    /// for each batch, so memory stays flat however long the input.
    #[arg(long, value_name = "B",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch: Option<u64>,
    /// Each phase arena may take at most this many MiB (arena pipeline only);
    /// reaching it stops the run with an error.
    #[arg(long, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(1..=65_536))]
    arena_limit_mib: Option<u64>,
    /// Count malformed lines and skip them, instead of stopping at the first.
    #[arg(long)]
    skip_malformed: bool,
    /// Write the report to FILE (replaced only when the run succeeds).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also print the memory per phase, on stderr.
    #[arg(long)]
    stats: bool,
    /// Print the measurements as JSON on stdout (the report then goes to
    /// --out, or nowhere).
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::Args)]
struct PhasesArgs {
    /// How many generated records.
    #[arg(long, default_value_t = 200_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_UNBATCHED_RECORDS))]
    records: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct BatchArgs {
    /// N: records of the smaller runs (the larger ones have 10N).
    #[arg(long, default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_UNBATCHED_RECORDS / 10))]
    records: u64,
    /// Records per batch.
    #[arg(long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct MemoryArgs {
    /// N: records of the one-batch runs (the largest batched runs have 10N).
    #[arg(long, default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_UNBATCHED_RECORDS))]
    records: u64,
    /// Records per batch in the batched runs.
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct ChartArgs {
    /// A saved `memory --json` report.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    let command = kit::output::command_or(cli.command, &["phases"]);
    if let Command::Run(args) = &command {
        validate_run(args);
    }
    let _profile = kit::profile::start("ex5");
    let result = match command {
        Command::Generate(args) => generate_cmd(&args),
        Command::Run(args) => run_cmd(&args),
        Command::Phases(args) => phases_cmd(&args),
        Command::Batch(args) => batch_cmd(&args),
        Command::Memory(args) => memory_cmd(&args),
        Command::Chart(args) => chart_cmd(&args),
    };
    kit::report::exit_status(result.map(|()| true))
}

/// Checks clap cannot express; exits like clap (one line, status 2).
fn validate_run(args: &RunArgs) {
    let fail = |msg: &str| -> ! {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, msg)
            .exit()
    };
    if args.batch.is_none() && args.input.is_none() && args.records > MAX_UNBATCHED_RECORDS {
        fail(&format!(
            "without --batch, --records is at most {MAX_UNBATCHED_RECORDS} (all records stay in memory); add --batch B"
        ));
    }
    if args.arena_limit_mib.is_some() && args.pipeline == Pipeline::Std {
        fail("--arena-limit-mib applies to --pipeline arena only");
    }
}

fn warn_if_untracked() {
    ex1::warn_if_untracked();
}

fn generate_cmd(args: &GenerateArgs) -> Result<(), String> {
    match &args.out {
        Some(path) => kit::output::write_atomically(path, |w| {
            ex5::generate::generate(args.seed, args.records, w).map_err(|e| e.to_string())
        }),
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            ex5::generate::generate(args.seed, args.records, &mut w)
                .and_then(|()| w.flush())
                .map_err(|e| format!("cannot write: {e}"))
        }
    }
}

fn run_cmd(args: &RunArgs) -> Result<(), String> {
    let options = Options {
        batch: args.batch,
        arena_limit: args.arena_limit_mib.map(|m| (m << 20) as usize),
        skip_malformed: args.skip_malformed,
        expected_records: None,
    };
    let show_progress = !args.quiet && !args.json;
    let stats = match &args.input {
        Some(path) => {
            let file =
                File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let pb = kit::output::progress(size, "bytes read", !show_progress);
            let progress = |_lines: u64, bytes: u64| pb.set_position(bytes);
            let input = BufReader::with_capacity(64 * 1024, file);
            let r = run_to_output(args, &options, |out| {
                let mut meter = ex5::meter::Meter::new(size / 150, Some(&progress));
                let outcome = ex5::run(args.pipeline, input, out, &options, &mut meter)?;
                Ok(meter.finish(args.pipeline, &options, outcome))
            });
            pb.finish_and_clear();
            r?
        }
        None => {
            let pb = kit::output::progress(args.records, "records", !show_progress);
            let progress = |lines: u64, _bytes: u64| pb.set_position(lines);
            let r = run_to_output(args, &options, |out| {
                ex5::run_generated(
                    args.pipeline,
                    args.seed,
                    args.records,
                    &options,
                    out,
                    Some(&progress),
                )
            });
            pb.finish_and_clear();
            r?
        }
    };
    if args.json {
        print_json(&stats);
    }
    if args.stats {
        let tables = [
            memory::phases_table(&[&stats]),
            memory::drops_table(&[&stats]),
        ];
        for t in tables.iter().chain(
            (stats.pipeline == Pipeline::Arena)
                .then(|| memory::arenas_table(&stats))
                .iter(),
        ) {
            eprint!("{}", t.render(Format::Human));
        }
    }
    Ok(())
}

/// Runs `f` with the report's destination: `--out` (written atomically),
/// stdout, or (with `--json` and no `--out`) nowhere.
fn run_to_output(
    args: &RunArgs,
    _options: &Options,
    f: impl FnOnce(&mut dyn Write) -> Result<RunStats, ex5::access_log::Error>,
) -> Result<RunStats, String> {
    let mut stats = None;
    match &args.out {
        Some(path) => kit::output::write_atomically(path, |w| {
            stats = Some(f(w).map_err(|e| e.to_string())?);
            Ok(())
        })?,
        None if args.json => stats = Some(f(&mut std::io::sink()).map_err(|e| e.to_string())?),
        None => {
            let mut w = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
            stats = Some(f(&mut w).map_err(|e| e.to_string())?);
        }
    }
    stats.ok_or_else(|| "no result".to_string())
}

fn phases_cmd(args: &PhasesArgs) -> Result<(), String> {
    warn_if_untracked();
    let options = Options::default();
    let run = |p| {
        ex5::run_generated(p, args.seed, args.records, &options, std::io::sink(), None)
            .map_err(|e| e.to_string())
    };
    // Both whole runs are measured too (input buffers and meters included):
    // everything allocated under `ex5::run_generated`, which is what a dhat
    // profile of this command attributes to that function.
    let ((arena, std), all) = ex1::measure(|| (run(Pipeline::Arena), run(Pipeline::Std)));
    let (arena, std) = (arena?, std?);
    if args.out.format() == Format::Json {
        print_json(&ex1::with_dhat_totals(
            &serde_json::json!({ "records": args.records, "seed": args.seed, "runs": [&arena, &std] }),
            &all,
        ));
    } else {
        print_tables(
            &[
                memory::phases_table(&[&arena, &std]),
                memory::arenas_table(&arena),
                memory::drops_table(&[&arena, &std]),
            ],
            args.out.format(),
        );
        println!(
            "\nBoth reports: {} records, {} and {} bytes, {}.",
            arena.records,
            arena.report_bytes,
            std.report_bytes,
            if arena.report_fnv == std.report_fnv {
                "identical (same FNV-1a hash)"
            } else {
                "DIFFERENT"
            }
        );
    }
    if arena.report_fnv != std.report_fnv || arena.report_bytes != std.report_bytes {
        return Err("the two pipelines' reports differ".to_string());
    }
    Ok(())
}

fn batch_cmd(args: &BatchArgs) -> Result<(), String> {
    warn_if_untracked();
    let (n, b) = (args.records, args.batch);
    let mut runs = Vec::new();
    for pipeline in [Pipeline::Arena, Pipeline::Std] {
        for (records, batch) in [(n, None), (n, Some(b)), (n * 10, Some(b))] {
            let options = Options {
                batch,
                ..Options::default()
            };
            let stats = ex5::run_generated(
                pipeline,
                args.seed,
                records,
                &options,
                std::io::sink(),
                None,
            )
            .map_err(|e| e.to_string())?;
            runs.push(stats);
        }
    }
    match args.out.format() {
        Format::Json => print_json(&runs),
        f => print_tables(&[memory::batch_table(&runs)], f),
    }
    Ok(())
}

fn memory_cmd(args: &MemoryArgs) -> Result<(), String> {
    let report = Runs::all_or_measure(args.from.as_deref(), || {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let configs = memory::configurations(args.records, args.batch);
        let runs = with_progress(configs.len() as u64, "runs", args.out.json, |tick| {
            configs
                .into_iter()
                .map(|(pipeline, records, batch)| {
                    let run = memory::run_in_child(&exe, pipeline, args.seed, records, batch);
                    tick();
                    run
                })
                .collect::<Result<Vec<_>, String>>()
        })?;
        Ok(MemoryReport {
            machine: kit::machine::Machine::describe(),
            rss_is_anon: true,
            seed: args.seed,
            records: args.records,
            batch: args.batch,
            runs,
        })
    })?;
    report.print_each(
        args.out.format(),
        |_, r| Page::new(memory::memory_tables(r)).line(memory::label(r)),
        None,
    );
    Ok(())
}

fn chart_cmd(args: &ChartArgs) -> Result<(), String> {
    let report: MemoryReport = kit::output::read_report(&args.from)?;
    let svg = ex5::chart::memory_svg(&report)?;
    let mut out = std::io::stdout().lock();
    out.write_all(svg.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write: {e}"))
}
