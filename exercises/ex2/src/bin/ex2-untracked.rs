//! Exercise 2's jemalloc process for timings: jemalloc as it is, with no
//! tracker in front of it. `ex2 bench` starts it as a child.

use clap::Parser;
use ex2::Allocator;
use ex2::child::{SystemCli, SystemCommand};

#[cfg(jemalloc)]
kit::global_allocator!(tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc);
#[cfg(not(jemalloc))]
kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    let cli = SystemCli::parse();
    let SystemCommand::Child { job } = cli.command;
    let allocator = if cfg!(jemalloc) {
        Allocator::Jemalloc
    } else {
        Allocator::System
    };
    if ex2::child::run(allocator, &job) {
        0.into()
    } else {
        1.into()
    }
}
