//! Exercise 8's timed process, `ex8-untracked`: the find-and-fix's tally
//! and the job, with the system allocator as it is and no tracker in front
//! of it. `ex8` starts it for timings, and the shoot-out runs every
//! profiler on it.

use clap::{Parser, Subcommand};
use kit::sibling::{Child, Global, Process, Siblings};

use crate::fix::Version;

/// Exercise 8's binaries, named by kit's rule: `ex8` counts, `ex8-untracked`
/// is timed.
pub const SIBLINGS: Siblings = kit::siblings!(Some(Global::System));

/// The whole command line of `ex8-untracked`.
#[derive(Parser, Debug)]
#[command(about = "Exercise 8's untracked process (started by `ex8`)")]
pub struct ChildCli {
    #[command(subcommand)]
    command: ChildCommand,
}

#[derive(Subcommand, Debug)]
enum ChildCommand {
    /// Time the find-and-fix's tally; prints JSON.
    TimeFix {
        #[arg(value_enum)]
        version: Version,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1001))]
        runs: u32,
    },
    /// Run the job (exercise 5's std pipeline) once.
    Job {
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
    },
    /// One tally of one version.
    Tally {
        #[arg(value_enum)]
        version: Version,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
    },
}

impl Child for ChildCli {
    fn run(self, _: &Process) -> bool {
        // Exercise 5's meter reads exercise 1's counters, and the first read
        // claims a slot and registers its thread-exit hook, which glibc
        // allocates with C's malloc. In the tracked binary that happens at the
        // first allocation, long before the job; do it before the job here too,
        // so the profilers see the same job as the tracker.
        let _ = ex1::COUNTERS.this_thread();
        match self.command {
            ChildCommand::TimeFix {
                version,
                records,
                runs,
            } => kit::output::print_json(&crate::compare::time(version, records, runs)),
            ChildCommand::Job { records } => match crate::job::std_pipeline(records) {
                Ok((bytes, hash)) => println!("report: {bytes} bytes, hash {hash:016x}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return false;
                }
            },
            ChildCommand::Tally { version, records } => {
                let text = crate::fix::lines(crate::job::SEED, records);
                let requests = crate::fix::requests(&text);
                let (rows, total) = crate::fix::count_once(version, &requests);
                println!("{rows} rows, {total} requests");
            }
        }
        true
    }
}
