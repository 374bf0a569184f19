//! The job each child process runs: the [`pipeline`](crate::pipeline) over
//! the whole input, one batch of records at a time, with every batch timed.
//!
//! The pieces of a record are exercise 5's (its line reader, parser, tallies
//! and report writer); what this module adds is the stopwatch, and the
//! measurements a child reports: wall time, per-batch latency, global
//! allocations and peak live heap (exercise 1's tracker), and peak RSS
//! (`VmHWM`).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use allocator_api2::alloc::Global;
use ex5::access_log::{Lines, Options};
use ex5::meter::{Meter, Outcome};
use ex5::{
    access_log::Error,
    phase_arena::{Phase, PhaseArena},
};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::Strategy;
use crate::pipeline::{BatchIo, Borrowed, Copied, batches};
use crate::strategy::Pipeline;

/// Most records a run may read (it streams them: memory is bounded by the
/// batch, not by this).
pub const MAX_RECORDS: u64 = 20_000_000;
/// Most records per batch (a batch is held in memory at once).
pub const MAX_BATCH: u64 = 100_000;

/// One run of the batch job, as a command line (`ex6 run ...`; the parent
/// starts each child with `run ... --json`).
#[derive(clap::Args, Debug, Clone)]
pub struct Job {
    /// The strategy; each binary runs only its own (`ex6`: system, arena;
    /// `ex6-jemalloc`: jemalloc; `ex6-mimalloc`: mimalloc).
    #[arg(long, value_enum)]
    pub strategy: Option<Strategy>,
    /// Records to generate (or, with --input, how many the file holds: used
    /// only to size each batch's vector).
    #[arg(long, default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_RECORDS))]
    pub records: u64,
    /// Records per batch.
    #[arg(long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH))]
    pub batch: u64,
    /// Seed of the generated input.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Read access-log lines from FILE instead of generating them (the
    /// parent writes the generated input to a file once, so no child spends
    /// its time generating).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Print the measurements as JSON.
    #[arg(long)]
    pub json: bool,
    /// Read the process's anonymous resident memory (`RssAnon`) after every
    /// batch, for its peak (the counting runs do; the timed runs do not).
    #[arg(long)]
    pub sample_memory: bool,
}

/// Per-batch latency percentiles, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// The slowest batch.
    pub max: u64,
    /// Arithmetic mean.
    pub mean: f64,
}

/// What one child measured: one strategy, one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// The strategy this child ran.
    pub strategy: Strategy,
    /// Which run of the comparison (set by the parent).
    #[serde(default)]
    pub run: usize,
    /// Lines of input handled.
    pub records: u64,
    /// Lines per batch.
    pub batch: u64,
    /// Batches handled.
    pub batches: u64,
    /// The whole job: every batch, the end of the transform, the report, and
    /// freeing everything.
    pub wall_secs: f64,
    /// One batch: parse its records, then count them into the aggregates.
    pub batch_latency: Latency,
    /// Global allocations over the whole job, from the tracker.
    pub counts: ex1::Stats,
    /// The process's highest resident memory (`VmHWM`, file-backed pages
    /// such as the binary and libc included) when the job ended.
    pub peak_rss: Option<u64>,
    /// Anonymous resident memory (`RssAnon`) before the job started.
    #[serde(default)]
    pub baseline_anon: Option<u64>,
    /// The highest `RssAnon` read after each batch (`--sample-memory`).
    #[serde(default)]
    pub peak_anon: Option<u64>,
    /// Minor page faults during the job (`getrusage`).
    #[serde(default)]
    pub minor_faults: Option<u64>,
    /// Whether the process's global allocator was the tracker (a counting
    /// run) or untracked (a timed run, whose `counts` read zero).
    #[serde(default)]
    pub tracked: bool,
    /// Bytes of the report written.
    pub report_bytes: u64,
    /// FNV-1a hash of the report: the same report, the same hash.
    pub report_fnv: u64,
}

// ANCHOR: clock
/// Times batches into an HDR histogram (1 ns to 60 s, 3 significant
/// digits). The histogram is made before the job starts; recording into it
/// never allocates, so the clock does not change what it measures.
#[derive(Debug)]
pub struct BatchClock {
    histogram: Histogram<u64>,
    batches: u64,
    /// The highest `RssAnon` seen after a batch, when sampling.
    peak_anon: Option<u64>,
}

impl BatchClock {
    /// An empty clock; its histogram is allocated here, before the job.
    pub fn new() -> BatchClock {
        BatchClock {
            histogram: Histogram::new_with_bounds(1, 60_000_000_000, 3)
                .expect("constant bounds are valid"),
            batches: 0,
            peak_anon: None,
        }
    }

    /// One batch has finished; it started at `started`.
    pub fn record(&mut self, started: Instant) {
        self.histogram
            .saturating_record(started.elapsed().as_nanos() as u64);
        self.batches += 1;
        if let Some(peak) = self.peak_anon.as_mut() {
            // After the clock: reading /proc costs microseconds.
            *peak = (*peak).max(kit::rss::anon().unwrap_or(0));
        }
    }
}
// ANCHOR_END: clock

impl BatchClock {
    /// Reads `RssAnon` after every batch from now on (no allocation).
    pub fn sample_memory(&mut self) {
        self.peak_anon = Some(kit::rss::anon().unwrap_or(0));
    }

    /// Batches recorded.
    pub fn batches(&self) -> u64 {
        self.batches
    }

    /// The percentiles of the batches recorded.
    pub fn latency(&self) -> Latency {
        let h = &self.histogram;
        Latency {
            p50: h.value_at_quantile(0.5),
            p99: h.value_at_quantile(0.99),
            max: h.max(),
            mean: h.mean(),
        }
    }
}

impl Default for BatchClock {
    fn default() -> Self {
        BatchClock::new()
    }
}

// ANCHOR: measure
/// Runs the job over `input` with `strategy`'s pipeline (the global
/// allocator is whatever this process was linked with) and measures it.
pub fn measure<R: BufRead>(
    strategy: Strategy,
    input: R,
    records: u64,
    batch: u64,
    sample_memory: bool,
) -> Result<Sample, Error> {
    let options = Options {
        batch: Some(batch),
        expected_records: Some(records),
        ..Options::default()
    };
    // Everything the measurement itself needs is made first. Exercise 5's
    // parsers report each line read to a `Meter`, which also samples a
    // memory timeline; this exercise times batches instead, so the meter is
    // told to expect so many records that it samples only once.
    let mut meter = Meter::new(u64::MAX, None);
    let mut clock = BatchClock::new();
    if sample_memory {
        clock.sample_memory();
    }
    let mut input = input;
    let baseline_anon = kit::rss::anon();
    let faults = kit::rss::minor_faults();

    let started = Instant::now();
    let (outcome, counts) = ex1::measure(|| {
        let mut lines = Lines::new(&mut input, &options);
        let io = BatchIo {
            lines: &mut lines,
            options: &options,
            meter: &mut meter,
            clock: &mut clock,
        };
        // ANCHOR: pipelines
        match strategy.pipeline() {
            Pipeline::Std => batches::<Copied, _, _, _>(&mut Global, Global, io),
            Pipeline::Borrowed => batches::<Borrowed, _, _, _>(&mut Global, Global, io),
            Pipeline::Arena => {
                let transform = PhaseArena::new(Phase::Transform, None);
                let mut parse = PhaseArena::new(Phase::Parse, None);
                batches::<Borrowed, _, _, _>(&mut parse, transform.bump(), io)
            }
        }
        // ANCHOR_END: pipelines
    });
    let wall = started.elapsed();
    let outcome = outcome?;
    let mut sample = sample(strategy, batch, wall, &clock, counts, &outcome);
    sample.baseline_anon = baseline_anon;
    sample.minor_faults = faults.and_then(|f| Some(kit::rss::minor_faults()? - f));
    Ok(sample)
}
// ANCHOR_END: measure

fn sample(
    strategy: Strategy,
    batch: u64,
    wall: Duration,
    clock: &BatchClock,
    counts: ex1::Stats,
    outcome: &Outcome,
) -> Sample {
    Sample {
        strategy,
        run: 0,
        records: outcome.records,
        batch,
        batches: clock.batches(),
        wall_secs: wall.as_secs_f64(),
        batch_latency: clock.latency(),
        counts,
        peak_rss: kit::rss::read().map(|r| r.peak),
        baseline_anon: None,
        peak_anon: clock.peak_anon,
        minor_faults: None,
        tracked: ex1::tracking_is_active(),
        report_bytes: outcome.report_bytes,
        report_fnv: outcome.report_fnv,
    }
}

/// Runs `job` in this process: from its `--input` file, or from input
/// generated as it is read.
pub fn run_job(strategy: Strategy, job: &Job) -> Result<Sample, String> {
    const BUFFER: usize = 64 * 1024;
    let result = match &job.input {
        Some(path) => {
            let file =
                File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            measure(
                strategy,
                BufReader::with_capacity(BUFFER, file),
                job.records,
                job.batch,
                job.sample_memory,
            )
        }
        None => measure(
            strategy,
            BufReader::with_capacity(
                BUFFER,
                ex5::generate::GeneratedInput::new(job.seed, job.records),
            ),
            job.records,
            job.batch,
            job.sample_memory,
        ),
    };
    result.map_err(|e| e.to_string())
}
