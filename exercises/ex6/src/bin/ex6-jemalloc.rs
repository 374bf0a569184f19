//! The jemalloc process of exercise 6: the same batch job as `ex6`, linked
//! with jemalloc. `ex6` starts it as a child; run on its own it takes `run`.

use clap::Parser;
use ex6::Strategy;
use ex6::child::{SiblingCli, SiblingCommand};

// ANCHOR: global
// Where jemalloc is not built in (Windows MSVC, or without the `jemalloc`
// feature), this binary is a stub over System that refuses to run, and the
// parent leaves jemalloc out of the comparison.
#[cfg(jemalloc)]
kit::global_allocator!(ex1::Tracker<tikv_jemallocator::Jemalloc> = ex1::Tracker::new(tikv_jemallocator::Jemalloc));
#[cfg(not(jemalloc))]
kit::global_allocator!(ex1::Tracker<std::alloc::System> = ex1::Tracker::new(std::alloc::System));
// ANCHOR_END: global

fn main() -> std::process::ExitCode {
    let cli = SiblingCli::parse();
    let SiblingCommand::Run(job) = cli.command;
    let strategy = ex6::child::strategy_or_exit(&job, &[Strategy::Jemalloc], "ex6-jemalloc");
    let _profile = kit::profile::start("ex6-jemalloc");
    if !cfg!(jemalloc) {
        eprintln!(
            "error: jemalloc is not built into this binary (Windows MSVC, or no `jemalloc` feature)"
        );
        return 1.into();
    }
    if ex6::child::run(strategy, &job) {
        0.into()
    } else {
        1.into()
    }
}
