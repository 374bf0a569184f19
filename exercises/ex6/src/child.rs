//! The child's side, shared by the three binaries: `run` executes one
//! strategy's job in this process and prints what it measured (JSON for the
//! parent, a table for a person).

use clap::{Parser, Subcommand};

use crate::Strategy;
use crate::batch::{self, Job};

/// The whole command line of `ex6-jemalloc` and `ex6-mimalloc`.
#[derive(Parser, Debug)]
#[command(
    about = "One allocator's half of exercise 6. Run `ex6`, which starts this binary itself."
)]
pub struct SiblingCli {
    #[command(subcommand)]
    pub command: SiblingCommand,
}

#[derive(Subcommand, Debug)]
pub enum SiblingCommand {
    /// Run the batch job once in this process and print what it measured.
    Run(Job),
}

/// The strategy `job` asks for, if this binary (whose global allocator is
/// that of `served[0]`) can run it; otherwise exits like clap: one line on
/// stderr, status 2.
pub fn strategy_or_exit(job: &Job, served: &[Strategy], binary: &str) -> Strategy {
    let strategy = job.strategy.unwrap_or(served[0]);
    if !served.contains(&strategy) {
        clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!(
                "strategy '{strategy}' runs in {}, not in {binary}\n",
                strategy.binary()
            ),
        )
        .exit();
    }
    strategy
}

/// Runs the job and prints the result; false (after one error line) if it
/// could not run.
pub fn run(strategy: Strategy, job: &Job) -> bool {
    // Everything the job allocated, its reader and clock included: what a
    // dhat profile of this command attributes to `batch.rs`.
    let (result, all) = ex1::measure(|| batch::run_job(strategy, job));
    match result {
        Ok(sample) => {
            if job.json {
                kit::output::print_json(&ex1::with_dhat_totals(&sample, &all));
            } else {
                kit::output::print_tables(&[batch::sample_table(&sample)], kit::Format::Human);
            }
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
