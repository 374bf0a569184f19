//! Exercise 4's timed process, `ex4-untracked`: the heap-vs-arena steps with
//! the system allocator as it is and no tracker in front of it. `ex4 bench`
//! starts it; callgrind counts it too.

use clap::Parser;
use kit::sibling::{Child, Global, Process, Siblings};

use crate::bench;

/// Exercise 4's binaries, named by kit's rule: `ex4` counts, `ex4-untracked`
/// is timed.
pub const SIBLINGS: Siblings = kit::siblings!(Some(Global::System));

/// The whole command line of `ex4-untracked`.
#[derive(Parser, Debug)]
#[command(version, about)]
pub enum ChildCli {
    /// Heap vs arena, step by step: one timed run's times as JSON.
    Bench(bench::Size),
}

impl Child for ChildCli {
    fn run(self, _: &Process) -> bool {
        let ChildCli::Bench(size) = self;
        match bench::only_line(&size) {
            Some(line) => println!("{line}"),
            None => kit::output::print_json(&size.one_run()),
        }
        true
    }
}
