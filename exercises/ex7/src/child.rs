//! One run of one workload in this process, and what it measured: the child
//! side, shared by the six binaries (three allocators, each timed and
//! counted). The parent reads the JSON it prints.

use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use ex1::Stats;
use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::view::{self, View};
use crate::workload::{self, Params, Probe, Sharing};

/// A job for a child process.
#[derive(clap::Args, Debug, Clone)]
pub struct Job {
    /// What to run.
    #[command(flatten)]
    pub params: Params,
    /// After the work, wait this long before the last memory reading (what
    /// the allocator gives back by itself meanwhile).
    #[arg(long, default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub linger_ms: u32,
    /// Print the result as JSON (what the parent reads).
    #[arg(long)]
    pub json: bool,
}

/// Batch latency: the time of each [`workload::BATCH`] operations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Batches timed, all threads.
    pub batches: u64,
    /// Median.
    pub p50_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// The slowest batch.
    pub max_ns: u64,
}

// ANCHOR: sample
/// What one child measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// What ran.
    pub params: Params,
    /// The global allocator of this process.
    pub allocator: Allocator,
    /// True in a counted process (the tracker is the global allocator):
    /// `counts` are real and the timings are not to be used.
    pub counted: bool,
    /// Operations, all threads.
    pub ops: u64,
    /// From the start of the work until the last thread finished.
    pub wall_secs: f64,
    /// Batch times, all threads' batches together.
    pub latency: Latency,
    /// A sum over the blocks' lengths and first bytes: the same under every
    /// allocator, and it keeps the work from being optimised away.
    pub checksum: u64,
    /// Every thread's work, each counted on its own thread, summed.
    pub counts: Stats,
    /// Each worker's (or server chain's) own counts, in thread order.
    pub per_thread: Vec<Stats>,
    /// The main thread's share of the work.
    pub main: Stats,
    /// Anonymous RSS before the work.
    pub rss_anon_start: Option<u64>,
    /// At the work's end.
    pub rss_anon_end: Option<u64>,
    /// After `linger_ms` more.
    pub rss_anon_after: Option<u64>,
    /// `(ms since the process started, bytes)`, sampled by the parent from
    /// outside (`kit::child::run_json_sampled`); empty when not sampled.
    #[serde(default)]
    pub rss_series: Vec<(u32, u64)>,
    /// Minor page faults during the work.
    pub minor_faults: u64,
    /// The allocator's own view at the end.
    pub view: View,
    /// The view while every thread held its memory (arenas).
    pub alive: Option<Probe>,
    /// Objects on a cache line another thread writes (false-sharing).
    pub sharing: Option<Sharing>,
}
// ANCHOR_END: sample

impl Sample {
    /// Operations per second, all threads.
    pub fn throughput(&self) -> f64 {
        kit::timing::per_second(self.ops, self.wall_secs)
    }
}

// ANCHOR: measure_job
/// Runs the job in this process: memory and faults before, the work, memory
/// and faults after. (Memory during the work is sampled by the parent.)
/// (`counted`: whether the tracker is the global allocator, found out before
/// the process is measured.)
pub fn measure(allocator: Allocator, job: &Job, counted: bool) -> Sample {
    let p = job.params;
    let rss_anon_start = kit::rss::anon();
    let faults = kit::rss::minor_faults().unwrap_or(0);
    let t = Instant::now();
    let outcome = workload::run(&p, &|| workload::probe_now(allocator));
    let wall_secs = t.elapsed().as_secs_f64();
    let minor_faults = kit::rss::minor_faults().unwrap_or(0) - faults;
    let rss_anon_end = kit::rss::anon();
    std::thread::sleep(Duration::from_millis(job.linger_ms as u64));
    let rss_anon_after = kit::rss::anon();
    let t = workload::totals(&outcome);
    let hist = &t.hist;
    Sample {
        params: p,
        allocator,
        counted,
        ops: t.ops,
        wall_secs,
        latency: Latency {
            batches: hist.len(),
            p50_ns: hist.value_at_quantile(0.5),
            p99_ns: hist.value_at_quantile(0.99),
            max_ns: hist.max(),
        },
        checksum: t.checksum,
        counts: t.counts,
        per_thread: t.per_thread,
        main: outcome.main,
        rss_anon_start,
        rss_anon_end,
        rss_anon_after,
        rss_series: Vec::new(),
        minor_faults,
        view: view::read(allocator),
        alive: outcome.alive,
        sharing: outcome.sharing,
    }
}
// ANCHOR_END: measure_job

/// Runs the job and prints the result (JSON, or a table for a person).
pub fn run(allocator: Allocator, job: &Job) -> bool {
    // What the job allocated, its threads included: what a dhat profile of
    // this command attributes to src/workload.rs and src/workload/.
    let counted = ex1::tracking_is_active();
    let (sample, all) = ex1::measure_process(|| measure(allocator, job, counted));
    if job.json {
        kit::output::print_json(&ex1::with_dhat_totals(&sample, &all));
    } else {
        kit::output::print_tables(&[sample_table(&sample)], kit::Format::Human);
    }
    true
}

fn sample_table(s: &Sample) -> kit::Table {
    let p = &s.params;
    let mut t = kit::Table::new(
        format!(
            "{} under {}, {} threads, {} ops per thread ({}), one run{}",
            p.workload,
            s.allocator,
            p.threads,
            p.ops,
            p.workload.op(),
            if s.counted {
                " (counted: timings include the tracker)"
            } else {
                ""
            }
        ),
        &["measure", "value"],
    );
    let mib = kit::format::mib_or_na;
    let opt = |v: Option<u32>| v.map_or("n/a".into(), |v| v.to_string());
    t.row(["wall time (s)".to_string(), format!("{:.3}", s.wall_secs)]);
    t.row([
        "throughput (ops/s)".to_string(),
        format!("{:.0}", s.throughput()),
    ]);
    t.row([
        "batch p99 (µs)".to_string(),
        format!("{:.1}", s.latency.p99_ns as f64 / 1e3),
    ]);
    t.row([
        "allocations".to_string(),
        (s.counts.allocs + s.counts.reallocs).to_string(),
    ]);
    t.row(["frees".to_string(), s.counts.deallocs.to_string()]);
    t.row([
        "anonymous RSS at the end (MiB)".to_string(),
        mib(s.rss_anon_end),
    ]);
    t.row(["minor page faults".to_string(), s.minor_faults.to_string()]);
    t.row([
        "glibc arenas created (they outlive their threads)".to_string(),
        opt(s.view.glibc_arenas),
    ]);
    t.row([
        "jemalloc arenas.narenas".to_string(),
        opt(s.view.jemalloc_narenas),
    ]);
    if let Some(a) = s.alive {
        t.row([
            "glibc arenas, all threads alive".to_string(),
            opt(a.view.glibc_arenas),
        ]);
        t.row([
            "jemalloc arenas in use, all threads alive".to_string(),
            opt(a.view.jemalloc_arenas_in_use),
        ]);
        t.row([
            "anonymous RSS, all threads alive (MiB)".to_string(),
            mib(a.rss_anon),
        ]);
    }
    if let Some(sh) = s.sharing {
        t.row([
            "objects sharing a cache line (own)".to_string(),
            sh.own.to_string(),
        ]);
        t.row([
            "threads handed back the block they freed".to_string(),
            sh.reused.to_string(),
        ]);
    }
    t
}

/// The whole command line of the five sibling binaries.
#[derive(Parser, Debug)]
#[command(
    about = "One allocator's process of exercise 7. Run `ex7`, which starts this binary itself."
)]
pub struct ChildCli {
    /// The one thing this run does.
    #[command(subcommand)]
    pub command: SiblingCommand,
}

/// What the sibling binaries can be asked to do.
#[derive(Subcommand, Debug)]
pub enum SiblingCommand {
    /// Run one workload once in this process and print what it measured.
    Run(Job),
}

impl kit::sibling::Child for ChildCli {
    fn check(&self, _: &kit::sibling::Process) -> Result<(), String> {
        let SiblingCommand::Run(job) = &self.command;
        job.params.check()
    }

    fn run(self, me: &kit::sibling::Process) -> bool {
        let SiblingCommand::Run(job) = self.command;
        run(me.allocator.unwrap_or(Allocator::System), &job)
    }
}
