//! The child's side: the jobs a parent can hand to `ex2 child …` (jemalloc) or
//! `ex2-system child …` (System). Each prints one JSON document on stdout.
//! Both binaries parse the same [`Job`], so the parent builds one command line
//! and only picks the executable.

use clap::{Args, Parser, Subcommand};

use crate::Allocator;

/// A job for a child process (hidden: the parent writes these command lines).
#[derive(Subcommand, Debug, Clone)]
pub enum Job {
    /// One benchmark sample: `threads` threads handling requests.
    Bench(BenchJob),
    /// One fragmentation-stress run.
    Frag(FragJob),
    /// Allocate a burst, free it, watch resident memory, purge.
    Probe(ProbeJob),
    /// Which allocator serves this process.
    Detect,
}

/// Requests handled by `threads` threads, `units` each, from a seeded generator.
#[derive(Args, Debug, Clone)]
pub struct BenchJob {
    /// Threads handling requests at once.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
    /// Timed requests per thread.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub units: u64,
    /// Seed of the request generator.
    #[arg(long)]
    pub seed: u64,
}

/// The long-running-server pattern, `cycles` rounds of it.
#[derive(Args, Debug, Clone)]
pub struct FragJob {
    /// Rounds of allocate-and-free.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub cycles: u32,
    /// Seed of the sizes and lifetimes.
    #[arg(long)]
    pub seed: u64,
    /// About how many memory readings to take over the run.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub samples: u32,
}

/// A burst of memory, freed, then watched until purged.
#[derive(Args, Debug, Clone)]
pub struct ProbeJob {
    /// Size of the burst, in MiB.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub burst_mib: u64,
    #[arg(long, value_delimiter = ',',
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    /// When to read resident memory after the free, in ms since it (comma-separated).
    pub waits_ms: Vec<u64>,
}

/// The whole command line of ex2's sibling binaries: only child jobs.
#[derive(Parser, Debug)]
#[command(
    about = "The System-allocator half of exercise 2. Run `ex2`, which starts this binary itself."
)]
pub struct ChildCli {
    /// The one thing a child does.
    #[command(subcommand)]
    pub command: ChildCommand,
}

/// What the sibling binaries can be asked to do.
#[derive(Subcommand, Debug)]
pub enum ChildCommand {
    /// Run one job and print its result as JSON.
    Child {
        /// The job to run.
        #[command(subcommand)]
        job: Job,
    },
}

impl kit::sibling::Child for ChildCli {
    fn run(self, me: &kit::sibling::Process) -> bool {
        let ChildCommand::Child { job } = self.command;
        let allocator = match me.allocator {
            Some(kit::sibling::Global::Jemalloc) => Allocator::Jemalloc,
            _ => Allocator::System,
        };
        run(allocator, &job)
    }
}

/// Runs `job` in this process, whose global allocator is `allocator`, and
/// prints the result. Returns false if the job could not run.
pub fn run(allocator: Allocator, job: &Job) -> bool {
    use kit::output::print_json;
    match job {
        Job::Bench(j) => print_json(&crate::bench::sample(
            allocator,
            j.threads as usize,
            j.units,
            j.seed,
        )),
        Job::Frag(j) => print_json(&crate::frag::run(allocator, j.cycles, j.seed, j.samples)),
        Job::Probe(j) => print_json(&crate::conf::probe(allocator, j.burst_mib, &j.waits_ms)),
        Job::Detect => print_json(&crate::allocator::detect()),
    }
    true
}
