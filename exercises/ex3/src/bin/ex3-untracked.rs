//! Exercise 3's timings, taken in a process whose global allocator is the
//! system allocator as it is, with no tracker in front of it. `ex3 versus`
//! starts this binary and counts the same rounds itself (`kit::split`).

use clap::Parser;
use ex3::versus;

kit::global_allocator!(std::alloc::System = std::alloc::System);

/// Timings for `ex3 versus` (started by it; prints JSON).
#[derive(Parser)]
#[command(version, about)]
enum Cli {
    /// Arena vs heap for many small objects: a timed report as JSON.
    Versus {
        #[command(flatten)]
        size: versus::Size,
        /// Run only this side, `--runs` rounds after a warm-up (for callgrind).
        #[arg(long, value_enum)]
        only: Option<versus::Which>,
    },
}

fn main() {
    let Cli::Versus { size, only } = Cli::parse();
    match only {
        Some(which) => println!("{}", versus::only_line(which, &size)),
        None => kit::output::print_json(&size.run()),
    }
}
