//! The mimalloc process of exercise 6: the same batch job as `ex6`, linked
//! with mimalloc. `ex6` starts it as a child; run on its own it takes `run`.

use clap::Parser;
use ex6::Strategy;
use ex6::child::{SiblingCli, SiblingCommand};

// ANCHOR: global
kit::global_allocator!(ex1::Tracker<mimalloc::MiMalloc> = ex1::Tracker::new(mimalloc::MiMalloc));
// ANCHOR_END: global

fn main() -> std::process::ExitCode {
    let cli = SiblingCli::parse();
    let SiblingCommand::Run(job) = cli.command;
    let strategy = ex6::child::strategy_or_exit(&job, &[Strategy::Mimalloc], "ex6-mimalloc");
    let _profile = kit::profile::start("ex6-mimalloc");
    if ex6::child::run(strategy, &job) {
        0.into()
    } else {
        1.into()
    }
}
