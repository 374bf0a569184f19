//! What tracking costs: hot churn (allocate a small block, free it) through
//! the system allocator alone, through the naive tracker and through the
//! thread-owned tracker, at one thread and at several.
//!
//! All three are measured side by side in one process: the allocators are
//! called directly (not installed as the global allocator), each run times
//! the three in turn, and a ratio is taken within each run before the median
//! of the runs is reported, so drift on a shared machine cancels out.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use kit::Summary;
use kit::callgrind::Scope;
use kit::machine::Machine;
use serde::{Deserialize, Serialize};

use crate::{Counters, NaiveTracker, Tracker};

static SYSTEM: System = System;
static NAIVE: NaiveTracker<System> = NaiveTracker::new(System);
static BENCH_COUNTERS: Counters = Counters::new();
static TRACKED: Tracker<System> = Tracker::with_counters(System, &BENCH_COUNTERS);

/// The block every iteration allocates: 32 bytes, like `Box::new([u64; 4])`.
const BLOCK: Layout = Layout::new::<[u64; 4]>();

// ANCHOR: churn
/// One thread's share of hot churn: allocate and free one block `iters`
/// times through `alloc`. Returns the time taken, or `None` if an allocation
/// failed (report it, don't crash).
fn churn<A: GlobalAlloc>(alloc: &A, iters: u64) -> Option<Duration> {
    let t = Instant::now();
    // ANCHOR: churn_loop
    for i in 0..iters {
        // SAFETY: BLOCK has a non-zero size.
        let p = unsafe { alloc.alloc(BLOCK) };
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` is a fresh, aligned 32-byte block; we write its first
        // word so the allocation is used.
        unsafe { p.cast::<u64>().write(black_box(i)) };
        // SAFETY: `p` came from `alloc` with BLOCK and is freed once.
        unsafe { alloc.dealloc(black_box(p), BLOCK) };
    }
    // ANCHOR_END: churn_loop
    Some(t.elapsed())
}

/// The benchmark's threads, started once and reused by every run, so that
/// each run measures the same threads (and the tracker the same slots)
/// rather than threads born for it.
#[derive(Debug)]
pub struct Workers {
    jobs: Vec<mpsc::Sender<Job>>,
    done: mpsc::Receiver<Option<Duration>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

struct Job {
    which: Which,
    iters: u64,
    start_line: Arc<Barrier>,
}

impl Workers {
    /// Starts `n` idle worker threads.
    pub fn new(n: usize) -> Self {
        let (done_tx, done) = mpsc::channel();
        let (jobs, threads) = (0..n)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Job>();
                let done_tx = done_tx.clone();
                let thread = std::thread::spawn(move || {
                    for job in rx {
                        job.start_line.wait();
                        let took = match job.which {
                            Which::System => churn(&SYSTEM, job.iters),
                            Which::Naive => churn(&NAIVE, job.iters),
                            Which::Tracked => churn(&TRACKED, job.iters),
                        };
                        if done_tx.send(took).is_err() {
                            return;
                        }
                    }
                });
                (tx, thread)
            })
            .unzip();
        Workers {
            jobs,
            done,
            threads,
        }
    }

    /// The first `threads` workers each run hot churn through `which`,
    /// starting together. Returns nanoseconds per alloc+free pair (the
    /// slowest thread's time, since a benchmark is done when its last thread
    /// is), or NaN if an allocation failed.
    pub fn churn(&self, which: Which, threads: usize, iters: u64) -> f64 {
        let threads = threads.min(self.jobs.len());
        let start_line = Arc::new(Barrier::new(threads));
        for tx in &self.jobs[..threads] {
            let job = Job {
                which,
                iters,
                start_line: Arc::clone(&start_line),
            };
            if tx.send(job).is_err() {
                return f64::NAN;
            }
        }
        let mut slowest = Some(Duration::ZERO);
        for _ in 0..threads {
            let took = self.done.recv().ok().flatten();
            slowest = slowest.zip(took).map(|(a, b)| a.max(b));
        }
        match slowest {
            Some(d) => d.as_nanos() as f64 / iters as f64,
            None => f64::NAN,
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.jobs.clear(); // each worker's loop ends when its channel closes
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
// ANCHOR_END: churn

/// One thread count's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThreadResult {
    /// Threads churning at once, each on its own allocations.
    pub threads: usize,
    /// ns per alloc+free pair, system allocator alone.
    pub system_ns: Summary,
    /// ns per alloc+free pair, naive tracker over the system allocator.
    pub naive_ns: Summary,
    /// ns per alloc+free pair, thread-owned tracker over the system allocator.
    pub tracking_ns: Summary,
    /// Median of the per-run ratios naive / system.
    pub naive_ratio: f64,
    /// Median of the per-run ratios thread-owned tracker / system.
    pub tracking_ratio: f64,
    /// Spread of the per-run ratios naive / system.
    pub naive_ratio_spread: Summary,
    /// Spread of the per-run ratios thread-owned tracker / system.
    pub tracking_ratio_spread: Summary,
}

/// A full overhead run, labelled with where and how it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the run was made (the label of a reference run).
    pub machine: Machine,
    /// Timed runs per allocator and thread count.
    pub runs: usize,
    /// Alloc+free pairs per thread per run.
    pub iters: u64,
    /// The thread-owned tracker's own count of the allocations it saw, which
    /// must equal runs x iters x threads summed (a check that it counted all).
    pub tracked_allocs: u64,
    /// What `tracked_allocs` must be: runs x iters x threads, summed.
    pub expected_allocs: u64,
    /// One result per thread count, in increasing order.
    pub threads: Vec<ThreadResult>,
    /// Instructions per alloc+free pair counted by callgrind (one thread),
    /// if the run was made with `--callgrind`.
    #[serde(default)]
    pub instructions: Option<Instructions>,
}

/// The three allocators the benchmark compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    /// The system allocator alone.
    System,
    /// The naive tracker over the system allocator.
    Naive,
    /// The thread-owned tracker over the system allocator.
    Tracked,
}

/// Times one allocator alone: no warm-up, one run. Used under callgrind,
/// where only instruction counts matter.
pub fn churn_one(which: Which, threads: usize, iters: u64) -> f64 {
    Workers::new(threads).churn(which, threads, iters)
}

/// Instructions per alloc+free pair, counted by valgrind's callgrind: unlike
/// a timing, the same on every run whatever else the machine is doing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    /// `valgrind --version` of the run.
    pub valgrind: String,
    /// The system allocator alone.
    pub system: f64,
    /// The naive tracker over the system allocator.
    pub naive: f64,
    /// The thread-owned tracker over the system allocator.
    pub tracked: f64,
}

/// Runs `exe overhead --only WHICH --iters N` under callgrind at two values of
/// N; the difference of the two instruction totals divided by the difference
/// of N cancels start-up and leaves the cost of one loop iteration.
pub fn count_instructions(exe: &std::path::Path) -> Result<Instructions, String> {
    let per_pair = |which: Which| {
        let name = format!("{which:?}").to_lowercase();
        kit::callgrind::per_iteration(exe, Scope::Program, 100_000, 300_000, |iters| {
            ["overhead", "--only", &name, "--iters", &iters.to_string()]
                .map(String::from)
                .to_vec()
        })
    };
    Ok(Instructions {
        valgrind: kit::callgrind::valgrind_version()?,
        system: per_pair(Which::System)?,
        naive: per_pair(Which::Naive)?,
        tracked: per_pair(Which::Tracked)?,
    })
}

/// Runs the benchmark. `progress` is called after each run.
pub fn run(thread_counts: &[usize], runs: usize, iters: u64, progress: impl Fn()) -> Report {
    let workers = Workers::new(thread_counts.iter().copied().max().unwrap_or(1));
    let before = BENCH_COUNTERS.totals().allocs;
    // One untimed round first: page in code, warm the allocator's caches.
    for &t in thread_counts {
        workers.churn(Which::System, t, iters / 10 + 1);
        workers.churn(Which::Tracked, t, iters / 10 + 1);
    }
    let warmup_allocs = BENCH_COUNTERS.totals().allocs - before;

    let mut samples: Vec<[Vec<f64>; 3]> =
        thread_counts.iter().map(|_| Default::default()).collect();
    for run in 0..runs {
        for (k, &t) in thread_counts.iter().enumerate() {
            // Rotate the order so no allocator always runs first.
            for j in 0..3 {
                let which = (j + run) % 3;
                let allocator = [Which::System, Which::Naive, Which::Tracked][which];
                samples[k][which].push(workers.churn(allocator, t, iters));
            }
        }
        progress();
    }
    let tracked_allocs = BENCH_COUNTERS.totals().allocs - before - warmup_allocs;
    let expected_allocs = runs as u64 * iters * thread_counts.iter().sum::<usize>() as u64;

    let threads = thread_counts
        .iter()
        .zip(samples)
        .map(|(&t, [sys, naive, tracked])| {
            let ratios =
                |xs: &[f64]| -> Vec<f64> { xs.iter().zip(&sys).map(|(x, s)| x / s).collect() };
            let nr = Summary::of_or_nan(&ratios(&naive));
            let tr = Summary::of_or_nan(&ratios(&tracked));
            ThreadResult {
                threads: t,
                system_ns: Summary::of_or_nan(&sys),
                naive_ns: Summary::of_or_nan(&naive),
                tracking_ns: Summary::of_or_nan(&tracked),
                naive_ratio: nr.median,
                tracking_ratio: tr.median,
                naive_ratio_spread: nr,
                tracking_ratio_spread: tr,
            }
        })
        .collect();
    Report {
        machine: Machine::describe(),
        runs,
        iters,
        tracked_allocs,
        expected_allocs,
        threads,
        instructions: None,
    }
}

/// The report as a table (for a terminal or, with `Format::Markdown`, the book).
pub fn table(r: &Report) -> kit::Table {
    // The cells' ± is what `Summary::display` shows: half the IQR (or the
    // half-range, for a run recorded before quartiles were kept).
    let spread = r
        .threads
        .first()
        .map_or(kit::timing::SPREAD_NOTE, |x| x.system_ns.spread_note());
    let mut t = kit::Table::new(
        format!(
            "Hot churn, ns per alloc+free of 32 bytes: {spread} of {} runs x {} pairs per thread",
            r.runs, r.iters
        ),
        &[
            "threads",
            "System",
            "naive tracker",
            "thread-owned tracker",
            "naive / System",
            "thread-owned / System",
        ],
    );
    for x in &r.threads {
        t.row([
            x.threads.to_string(),
            x.system_ns.display(1),
            x.naive_ns.display(1),
            x.tracking_ns.display(1),
            format!("{:.2}x", x.naive_ratio),
            format!("{:.2}x", x.tracking_ratio),
        ]);
    }
    t
}

/// The callgrind counts as a table, when the report has them.
pub fn instructions_table(r: &Report) -> Option<kit::Table> {
    let i = r.instructions.as_ref()?;
    let mut t = kit::Table::new(
        format!(
            "Instructions per alloc+free of 32 bytes, one thread, counted by callgrind ({})",
            i.valgrind
        ),
        &["allocator", "instructions", "added by tracking"],
    );
    t.row([
        "System".to_string(),
        format!("{:.0}", i.system),
        "-".to_string(),
    ]);
    t.row([
        "naive tracker".to_string(),
        format!("{:.0}", i.naive),
        format!("{:+.0}", i.naive - i.system),
    ]);
    t.row([
        "thread-owned tracker".to_string(),
        format!("{:.0}", i.tracked),
        format!("{:+.0}", i.tracked - i.system),
    ]);
    Some(t)
}

/// The line the book prints under a timing table.
pub fn label(r: &Report) -> String {
    format!(
        "{}; ratios are medians of per-run ratios.",
        r.machine.measured_on()
    )
}

/// What a person or the book sees of a report: its tables and its label.
pub fn page(r: &Report) -> kit::report::Page {
    kit::report::Page::new([table(r)])
        .tables(instructions_table(r))
        .line(label(r))
}
