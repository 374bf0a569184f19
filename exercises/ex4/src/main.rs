//! `cargo run --release -p ex4 -- --help`

use clap::{Parser, Subcommand};
use ex4::{bench, maps, strings, tree, vecs};
use kit::report::{Runs, show, show_as, with_progress};
use kit::{Format, OutputArgs};

// Every global allocation (each heap buffer, and each chunk an arena takes)
// goes through exercise 1's tracker, so the counts below are exact.
kit::global_allocator!(
    ex1::Tracker<std::alloc::System> =
        ex1::Tracker::new(std::alloc::System)
);

/// Chapter 4: collections in an arena, against the same collections on the heap.
///
/// With no command, runs every deterministic command and a short `bench`.
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
    /// bumpalo Vec vs std Vec: global calls and bytes left behind (deterministic).
    Vecs(CountArgs),
    /// bumpalo::format! and String vs format! (deterministic counts).
    Strings(CountArgs),
    /// A tree with parent links: arena references vs Rc/Weak (deterministic counts).
    Tree(TreeArgs),
    /// hashbrown in an arena through allocator-api2 (deterministic).
    Maps(MapArgs),
    /// Build, walk and free times, arena vs heap (timed).
    Bench(BenchArgs),
    /// Every part of the chapter in order, at the chapter's sizes: what a
    /// bare `cargo run -p ex4` runs.
    Tour,
}

#[derive(clap::Args)]
struct CountArgs {
    /// Elements (or strings) per case.
    #[arg(long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    len: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct TreeArgs {
    /// Nodes in the tree.
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=2_000_000))]
    nodes: u64,
    /// Children per node (a complete tree).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=64))]
    children: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct MapArgs {
    /// Keys counted.
    #[arg(long, default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    keys: u64,
    /// Distinct keys among them.
    #[arg(long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    distinct: u64,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(clap::Args)]
struct BenchArgs {
    #[command(flatten)]
    size: bench::Size,
    /// Also count instructions per label and per node with valgrind's
    /// callgrind (needs valgrind installed; about a minute).
    /// With `--from`, counts them for the saved report: unlike its timings,
    /// they do not depend on how busy the machine is.
    #[arg(long, conflicts_with = "only")]
    callgrind: bool,
    /// Render a saved `--json` report instead of measuring.
    #[arg(long, value_name = "FILE", conflicts_with = "only")]
    from: Option<std::path::PathBuf>,
    /// Print one compact table instead: each step's heap / arena ratio,
    /// with its 95% interval, a column per machine measured.
    #[arg(long, conflicts_with_all = ["only", "json"])]
    summary: bool,
    #[command(flatten)]
    out: OutputArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.child_env.apply();
    let _profile = kit::profile::start("ex4");
    ex1::warn_if_untracked();
    kit::report::exit_status(match kit::output::command_or(cli.command, &["tour"]) {
        Command::Vecs(a) => Ok(vecs_cmd(a.len as usize, a.out.format())),
        Command::Strings(a) => Ok(strings_cmd(a.len as usize, a.out.format())),
        Command::Tree(a) => Ok(tree_cmd(
            a.nodes as usize,
            a.children as usize,
            a.out.format(),
        )),
        Command::Maps(a) => Ok(maps_cmd(
            a.keys as usize,
            a.distinct as usize,
            a.out.format(),
        )),
        Command::Bench(a) => bench_cmd(&a),
        Command::Tour => {
            let h = Format::Human;
            let steps: [&dyn Fn() -> bool; 4] = [
                &|| vecs_cmd(1000, h),
                &|| strings_cmd(1000, h),
                &|| tree_cmd(10_000, 4, h),
                &|| maps_cmd(100_000, 1000, h),
            ];
            // A blank line after each.
            let ok = steps.iter().all(|step| {
                let ok = step();
                println!();
                ok
            });
            let bench = BenchArgs {
                size: bench::Size {
                    runs: 5,
                    labels: 100_000,
                    nodes: 100_000,
                    children: 4,
                    first: bench::Side::Heap,
                    only: None,
                    step: 0,
                },
                callgrind: false,
                from: None,
                summary: false,
                out: OutputArgs::default(),
            };
            if ok { bench_cmd(&bench) } else { Ok(false) }
        }
    })
}

fn vecs_cmd(len: usize, format: Format) -> bool {
    show(&vecs::cases(len), format, |c| [vecs::table(c, len)])
}

fn strings_cmd(count: usize, format: Format) -> bool {
    show(&strings::cases(count), format, |c| {
        [strings::table(c, count)]
    })
}

fn tree_cmd(nodes: usize, k: usize, format: Format) -> bool {
    // Everything both trees allocated: what a dhat profile of this command
    // attributes to `tree.rs`.
    let ((cases, expected), all) =
        ex1::measure(|| (tree::cases(nodes, k), tree::expected_walk(nodes, k)));
    let json = || {
        let run = serde_json::json!({ "nodes": nodes, "children": k, "cases": cases });
        ex1::with_dhat_totals(&run, &all)
    };
    show_as(format, json, || [tree::table(&cases, &expected, nodes, k)]);
    cases.iter().all(|c| c.walk == expected)
}

fn maps_cmd(keys: usize, distinct: usize, format: Format) -> bool {
    let cases = maps::cases(keys, distinct);
    show(&cases, format, |c| [maps::table(c, keys, distinct)])
}

fn bench_cmd(args: &BenchArgs) -> Result<bool, String> {
    if let Some(line) = bench::only_line(&args.size) {
        println!("{line}");
        return Ok(true);
    }
    // Timed in the untracked binary: no tracker in front of `Box`.
    let mut report = Runs::all_or_measure(args.from.as_deref(), || {
        let quiet = args.out.format() != Format::Human;
        with_progress(args.size.runs as u64, "fresh processes", quiet, |tick| {
            args.size.measure(tick)
        })
    })?;
    // The report's sizes: those of a saved run, with `--from`.
    report.callgrind(
        args.callgrind,
        |r| {
            let exe = ex4::child::SIBLINGS.built_untracked()?;
            bench::count_instructions(&exe, r.labels, r.nodes, r.children)
        },
        |r, i| r.instructions = Some(i),
    )?;
    if args.summary {
        report.print(args.out.format(), |runs, f| {
            kit::report::Page::new([bench::summary(runs)]).print(f)
        });
        return Ok(true);
    }
    report.print_pages(args.out.format(), bench::page);
    Ok(true)
}
