//! The book's runner: `cargo run --release` runs every exercise in chapter
//! order, `cargo run --release -- 3` runs exercise 3, and anything after the
//! number goes to that exercise (`cargo run --release -- 1 overhead --help`).
//!
//! Each exercise runs in its own process, through `cargo run -p exN`, because
//! each has its own global allocator (and some start child processes of
//! their own).

use std::process::{Command, ExitCode};

use clap::Parser;

/// The exercises, in chapter order, and what each shows.
const EXERCISES: [(&str, &str); 8] = [
    ("ex1", "a tracking allocator; Vec and String growth"),
    ("ex2", "jemalloc vs System, each in its own process"),
    ("ex3", "bump arena basics"),
    ("ex4", "collections and trees in an arena"),
    ("ex5", "a pipeline with an arena per phase"),
    (
        "ex6",
        "one batch job: copy, borrow or arena, over three allocators",
    ),
    (
        "ex7",
        "many threads: remote frees, arenas, churn, false sharing",
    ),
    (
        "ex8",
        "your own program: allocation budgets, five heap profilers",
    ),
];

/// Runs the exercises of "Allocators in Rust", each in its own process.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The exercise to run (1 to 8); all of them, in order, if omitted.
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
        Ok(n) if (1..=EXERCISES.len()).contains(&n) => Ok(n),
        _ => Err("choose one of 1, 2, 3, 4, 5, 6, 7, 8".to_string()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let chosen: Vec<usize> = match cli.exercise {
        Some(n) => vec![n],
        None => (1..=EXERCISES.len()).collect(),
    };
    for n in chosen {
        let (package, what) = EXERCISES[n - 1];
        eprintln!("\n=== exercise {n}: {what} (cargo run --release -p {package}) ===\n");
        if let Err(e) = run(package, &cli.args) {
            eprintln!("error: exercise {n}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
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
        Err(format!("exited with {status}"))
    }
}
