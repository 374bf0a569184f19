//! The child's side, shared by the six binaries (three global allocators,
//! each tracked for counting and untracked for timing): `run` executes one
//! strategy's job in this process and prints what it measured (JSON for the
//! parent, a table for a person).

use clap::{Parser, Subcommand};

use crate::Strategy;
use crate::batch::{self, Job, Sample};
use kit::sibling::{Global, Process};

/// The whole command line of the five sibling binaries.
#[derive(Parser, Debug)]
#[command(
    about = "One allocator's half of exercise 6. Run `ex6`, which starts this binary itself."
)]
pub struct ChildCli {
    /// The one thing this run does.
    #[command(subcommand)]
    pub command: SiblingCommand,
}

/// What the sibling binaries can be asked to do.
#[derive(Subcommand, Debug)]
pub enum SiblingCommand {
    /// Run the batch job once in this process and print what it measured.
    Run(Job),
}

/// The strategy `job` asks for, if a binary linked with `global` (named
/// `binary`) runs it: its first strategy when the job names none.
pub fn strategy_of(job: &Job, global: Global, binary: &str) -> Result<Strategy, String> {
    let served = Strategy::served_by(global);
    let strategy = job.strategy.unwrap_or(served[0]);
    if served.contains(&strategy) {
        Ok(strategy)
    } else {
        Err(format!(
            "strategy '{strategy}' runs in {}, not in {binary}",
            strategy.binary(true)
        ))
    }
}

impl kit::sibling::Child for ChildCli {
    fn check(&self, me: &Process) -> Result<(), String> {
        let SiblingCommand::Run(job) = &self.command;
        strategy_of(job, me.allocator.unwrap_or(Global::System), me.name).map(|_| ())
    }

    fn run(self, me: &Process) -> bool {
        let SiblingCommand::Run(job) = self.command;
        match strategy_of(&job, me.allocator.unwrap_or(Global::System), me.name) {
            Ok(strategy) => run(strategy, &job),
            Err(e) => {
                eprintln!("error: {e}");
                false
            }
        }
    }
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
                kit::output::print_tables(&[sample_table(&sample)], kit::Format::Human);
            }
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

/// The table `ex6 run` prints for a person. (Here, not in [`batch`]: a dhat
/// profile of `ex6 run` attributes to `batch.rs` only what the job allocated.)
fn sample_table(s: &Sample) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "{} records in batches of {}, strategy {} ({}), one run",
            s.records,
            s.batch,
            s.strategy,
            s.strategy.allocator()
        ),
        &["measure", "value"],
    );
    let us = |ns: u64| format!("{:.1}", ns as f64 / 1000.0);
    t.row(["wall time (s)".to_string(), format!("{:.3}", s.wall_secs)]);
    t.row(["batches".to_string(), s.batches.to_string()]);
    t.row(["batch p50 (µs)".to_string(), us(s.batch_latency.p50)]);
    t.row(["batch p99 (µs)".to_string(), us(s.batch_latency.p99)]);
    t.row(["batch max (µs)".to_string(), us(s.batch_latency.max)]);
    t.row([
        "global allocations".to_string(),
        (s.counts.allocs + s.counts.reallocs).to_string(),
    ]);
    t.row([
        "peak live heap (MiB)".to_string(),
        kit::format::mib(s.counts.peak_live_bytes as f64),
    ]);
    t.row([
        "peak RSS, file pages included (MiB)".to_string(),
        s.peak_rss
            .map_or("n/a".to_string(), |b| kit::format::mib(b as f64)),
    ]);
    t.row([
        "RssAnon at start (MiB)".to_string(),
        kit::format::mib_or_na(s.baseline_anon),
    ]);
    t.row([
        "peak RssAnon, sampled per batch (MiB)".to_string(),
        kit::format::mib_or_na(s.peak_anon),
    ]);
    t.row([
        "report".to_string(),
        format!("{} bytes, FNV-1a {:016x}", s.report_bytes, s.report_fnv),
    ]);
    t
}
