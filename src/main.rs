//! The book's runner: `cargo run --release` runs every exercise in chapter
//! order, `cargo run --release -- 3` runs exercise 3, and anything after the
//! number goes to that exercise (`cargo run --release -- 1 overhead --help`).
//!
//! Each exercise runs in its own process, through `cargo run -p exN`, because
//! each has its own global allocator (and some start child processes of
//! their own).

use std::process::{Command, ExitCode};

use clap::Parser;

/// The exercises, in chapter order: each chapter's number, its crate and
/// what it shows.
const EXERCISES: [(usize, &str, &str); 9] = [
    (1, "ex1", "a tracking allocator; Vec and String growth"),
    (2, "ex2", "jemalloc vs System, each in its own process"),
    (3, "ex3", "bump arena basics"),
    (4, "ex4", "collections and trees in an arena"),
    (5, "ex5", "a pipeline with an arena per phase"),
    (
        6,
        "ex6",
        "one batch job: copy, borrow or arena, over three allocators",
    ),
    (
        7,
        "ex7",
        "many threads: remote frees, arenas, churn, false sharing",
    ),
    (
        8,
        "ex8",
        "your own program: allocation budgets, five heap profilers",
    ),
    (
        9,
        "ex9",
        "a small allocator: pool, size classes, thread cache",
    ),
];

/// Runs the exercises of "Allocators in Rust", each in its own process.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The exercise to run (its chapter's number); all of them, in order, if
    /// omitted.
    #[arg(value_parser = parse_exercise)]
    exercise: Option<usize>,
    /// Arguments passed to that exercise (for example `overhead --threads 1,2`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        requires = "exercise"
    )]
    args: Vec<String>,
}

fn parse_exercise(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if EXERCISES.iter().any(|e| e.0 == n) => Ok(n),
        _ => {
            let all: Vec<String> = EXERCISES.iter().map(|e| e.0.to_string()).collect();
            Err(format!("choose one of {}", all.join(", ")))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let chosen: Vec<usize> = match cli.exercise {
        Some(n) => vec![n],
        None => EXERCISES.iter().map(|e| e.0).collect(),
    };
    // One failing exercise does not hide the others: each runs, and the
    // failures are listed again at the end.
    let mut failed = Vec::new();
    for n in chosen {
        let Some(&(_, package, what)) = EXERCISES.iter().find(|e| e.0 == n) else {
            continue;
        };
        eprintln!("\n=== exercise {n}: {what} (cargo run --release -p {package}) ===\n");
        if let Err(e) = run(package, &cli.args) {
            let line = format!("exercise {n} (cargo run --release -p {package}) failed: {e}");
            eprintln!("error: {line}");
            failed.push(line);
        }
    }
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!("\n{} exercise(s) failed:", failed.len());
    for line in &failed {
        eprintln!("  {line}");
    }
    ExitCode::FAILURE
}

/// `cargo run -p <package> [--release] -- <args>`, with the cargo that started
/// us (cargo sets `$CARGO` for `cargo run`), in this build's profile.
fn run(package: &str, args: &[String]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "--quiet", "-p", package]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    cmd.arg("--").args(args);
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        // The exercises' own convention: 2 bad usage, 1 a runtime error
        // (both explained on their stderr above), 101 a panic (cargo's own
        // errors exit 101 too).
        let why = match status.code() {
            Some(2) => "exit code 2: bad usage",
            Some(1) => "exit code 1: a runtime error",
            Some(101) => "exit code 101: a panic, or cargo could not build or start it",
            _ => "",
        };
        if why.is_empty() {
            return Err(format!("{status}; its own message is above"));
        }
        Err(format!("{why}; its own message is above"))
    }
}
