//! The child side shared by the timed binaries: one job (or one churn loop)
//! in this process, printed as JSON for the parent.

use clap::{Parser, Subcommand};

use crate::Allocator;
use crate::churn::Pattern;
use crate::workload::Job;

/// A workload run in a child process.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// What to run.
    #[command(flatten)]
    pub job: Job,
    /// Print JSON (what the parent reads).
    #[arg(long)]
    pub json: bool,
}

/// The churn loop in a child process.
#[derive(clap::Args, Debug, Clone)]
pub struct ChurnArgs {
    /// Which allocator the loop calls (directly, whatever this process's
    /// global allocator is).
    #[arg(long, value_enum)]
    pub allocator: Allocator,
    /// Which allocation+free pattern.
    #[arg(long, value_enum, default_value_t = Pattern::Same)]
    pub pattern: Pattern,
    /// Allocation+free pairs.
    #[arg(long, default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub iters: u64,
    /// Print JSON (what the parent reads).
    #[arg(long)]
    pub json: bool,
}

#[derive(Parser, Debug)]
#[command(
    about = "One allocator's timed process of exercise 9. Run `ex9`, which starts this binary itself."
)]
/// The whole command line of the sibling binaries.
pub struct ChildCli {
    /// What this run does.
    #[command(subcommand)]
    pub command: SiblingCommand,
}

/// What the sibling binaries can be asked to do.
#[derive(Subcommand, Debug)]
pub enum SiblingCommand {
    /// Run one workload once in this process.
    Run(RunArgs),
    /// Run the allocation+free loop with one allocator, called directly.
    Churn(ChurnArgs),
}

/// Runs the churn loop and prints its time (JSON or one line).
pub fn churn(a: &ChurnArgs) -> bool {
    if !a.allocator.is_available() {
        let what = a.allocator.name();
        eprintln!(
            "error: {}",
            kit::sibling::not_built_in(what, "this program")
        );
        return false;
    }
    match crate::compare::churn_here(a.allocator, a.pattern, a.iters) {
        Some(s) if a.json => kit::output::print_json(&s),
        Some(s) => println!(
            "{} pairs ({}) with {}: {:.1} ns per allocation+free",
            s.iters,
            s.pattern,
            s.allocator.label(),
            s.ns_per_pair
        ),
        None => return false,
    }
    true
}

impl kit::sibling::Child for ChildCli {
    fn run(self, me: &kit::sibling::Process) -> bool {
        match self.command {
            SiblingCommand::Run(r) => {
                let allocator = Allocator::of_process(me.allocator);
                crate::workload::run_and_print(allocator, &r.job, r.json)
            }
            SiblingCommand::Churn(c) => churn(&c),
        }
    }
}
