//! The System-allocator half of exercise 2: the same code as `ex2`, linked
//! with the platform's allocator. `ex2` starts it as a child; run on its own
//! it only accepts `child` jobs.

use clap::Parser;
use ex2::Allocator;
use ex2::child::{SystemCli, SystemCommand};

// ANCHOR: global
kit::global_allocator!(
    ex1::Tracker<std::alloc::System> =
        ex1::Tracker::new(std::alloc::System)
);
// ANCHOR_END: global

fn main() -> std::process::ExitCode {
    let cli = SystemCli::parse();
    let _profile = kit::profile::start("ex2-system");
    let SystemCommand::Child { job } = cli.command;
    if ex2::child::run(Allocator::System, &job) {
        0.into()
    } else {
        1.into()
    }
}
