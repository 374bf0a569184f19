//! Exercise 4's timings, taken in a process whose global allocator is the
//! system allocator as it is, with no tracker in front of it. `ex4 bench`
//! starts this binary (`kit::split`); callgrind counts it too.

use clap::Parser;
use ex4::bench;

kit::global_allocator!(std::alloc::System = std::alloc::System);

/// Timings for `ex4 bench` (started by it; prints JSON).
#[derive(Parser)]
#[command(version, about)]
enum Cli {
    /// Heap vs arena, step by step: one timed run's times as JSON.
    Bench(bench::Size),
}

fn main() {
    let Cli::Bench(size) = Cli::parse();
    match bench::only_line(&size) {
        Some(line) => println!("{line}"),
        None => kit::output::print_json(&size.one_run()),
    }
}
