//! Exercise 2's System process for timings: the platform's allocator as it
//! is, with no tracker in front of it. `ex2 bench` starts it as a child.

use clap::Parser;
use ex2::Allocator;
use ex2::child::{SystemCli, SystemCommand};

kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    let cli = SystemCli::parse();
    let SystemCommand::Child { job } = cli.command;
    if ex2::child::run(Allocator::System, &job) {
        0.into()
    } else {
        1.into()
    }
}
