//! Exercise 3's timed process, `ex3-untracked`: the same rounds as `ex3
//! versus`, with the system allocator as it is and no tracker in front of
//! it. `ex3 versus` starts it and counts the same rounds itself.

use clap::Parser;
use kit::sibling::{Child, Global, Process, Siblings};

use crate::versus;

/// Exercise 3's binaries, named by kit's rule: `ex3` counts, `ex3-untracked`
/// is timed.
pub const SIBLINGS: Siblings = kit::siblings!(Some(Global::System));

/// The whole command line of `ex3-untracked`.
#[derive(Parser, Debug)]
#[command(version, about)]
pub enum ChildCli {
    /// Arena vs heap for many small objects: a timed report as JSON.
    Versus {
        /// How many objects, rounds and runs.
        #[command(flatten)]
        size: versus::Size,
        /// Run only this side, `--runs` rounds after a warm-up (for callgrind).
        #[arg(long, value_enum)]
        only: Option<versus::Which>,
    },
}

impl Child for ChildCli {
    fn run(self, _: &Process) -> bool {
        let ChildCli::Versus { size, only } = self;
        match only {
            Some(which) => println!("{}", versus::only_line(which, &size)),
            None => kit::output::print_json(&size.run()),
        }
        true
    }
}
