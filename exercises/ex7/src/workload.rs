//! The five workloads, after the standard multi-threaded allocator
//! benchmarks (mimalloc-bench's xmalloc-test, larson, mstress and
//! cache-scratch), written in Rust.
//!
//! Every workload is seeded: the same parameters give the same requests, in
//! the same threads, under every allocator. Each thread counts its own work
//! with [`ex1::measure`] (exact whatever the other threads do), so a counted
//! run's counts are the same under System, jemalloc and mimalloc; what
//! depends on scheduling is kept out of them: the channels are rings of
//! slots made before the work starts (a full ring makes the sender wait, it
//! never allocates), histograms have fixed bounds, and the sampler that
//! reads `/proc` allocates nothing.
//!
//! This file holds what the workloads share: their parameters and limits,
//! the seeded generators, the latency clock and the results; each workload
//! is in `workload/`, with the ring the remote-free threads send through.

mod arenas;
mod churn;
mod false_sharing;
mod remote_free;
mod ring;
mod server;

use std::time::Instant;

use ex1::Stats;
use hdrhistogram::Histogram;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::view::{self, View};
use arenas::arenas;
use churn::churn;
use false_sharing::false_sharing;
use remote_free::remote_free;
use server::server;

// ANCHOR: workload
/// One of the five workloads.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// Producer/consumer (xmalloc-test): each thread allocates blocks and
    /// sends them to the next thread, which frees them: remote frees.
    RemoteFree,
    /// Server simulation (larson): each thread replaces random objects of
    /// random sizes in its set, then hands the set to a thread it spawns and
    /// exits.
    Server,
    /// Thread churn (mstress): rounds of short-lived threads; a quarter of
    /// each thread's objects outlive it in a pool the main thread keeps.
    Churn,
    /// Arenas per thread: every thread holds memory at once; the allocator's
    /// view (glibc's arena count, jemalloc's arenas) is read while they do.
    Arenas,
    /// Passive false sharing (cache-scratch): the main thread allocates one
    /// small object per thread; each thread writes its object, frees it and
    /// allocates its own, again and again.
    FalseSharing,
}
// ANCHOR_END: workload

impl Workload {
    /// The five, in the order tables and charts show them.
    pub const ALL: [Workload; 5] = [
        Workload::RemoteFree,
        Workload::Server,
        Workload::Churn,
        Workload::Arenas,
        Workload::FalseSharing,
    ];

    /// The name `--workloads` takes and tables show.
    pub fn name(self) -> &'static str {
        match self {
            Workload::RemoteFree => "remote-free",
            Workload::Server => "server",
            Workload::Churn => "churn",
            Workload::Arenas => "arenas",
            Workload::FalseSharing => "false-sharing",
        }
    }

    /// What one operation is, for tables.
    pub fn op(self) -> &'static str {
        match self {
            Workload::RemoteFree => "block sent and freed remotely",
            Workload::Server => "object replaced",
            Workload::Churn => "object allocated",
            Workload::Arenas => "object replaced",
            Workload::FalseSharing => "round of 100 writes, free, allocate",
        }
    }

    /// Operations per thread in the default run: about the same time each.
    pub fn default_ops(self) -> u64 {
        match self {
            Workload::RemoteFree => 160_000,
            Workload::Server => 160_000,
            Workload::Churn => 64_000,
            Workload::Arenas => 80_000,
            Workload::FalseSharing => 16_000,
        }
    }
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Most threads a run may ask for.
pub const MAX_THREADS: u32 = 64;
/// Most operations per thread.
pub const MAX_OPS: u64 = 10_000_000;
/// Largest object size a run may ask for (1 MiB).
pub const MAX_OBJECT: u32 = 1 << 20;
/// Most memory a run may hold at once, as [`Params::max_live_bytes`]
/// estimates it: no option can exhaust the machine (1 GiB).
pub const MEMORY_CAP: u64 = 1 << 30;

/// Slots in each thread's outgoing ring (remote-free).
pub const RING: usize = 64;
/// Objects in each server thread's set (server).
pub const OBJECTS: usize = 1000;
/// Threads in a row that carry each set (server): each spawns the next.
pub const GENERATIONS: u64 = 8;
/// Rounds of short-lived threads (churn).
pub const ROUNDS: u64 = 16;
/// Objects the main thread keeps from dead threads (churn).
pub const POOL: usize = 4096;
/// Bytes each thread holds while the allocator's view is read (arenas).
pub const HOLD_BYTES: u64 = 4 << 20;
/// Writes per round (false-sharing).
pub const WRITES: u64 = 100;
/// Operations per latency sample: the p99 is over batches of this many.
pub const BATCH: u64 = 256;

// ANCHOR: params
/// What to run: the same parameters give the same work under every
/// allocator.
#[derive(clap::Args, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The workload.
    #[arg(long, value_enum)]
    pub workload: Workload,
    /// Threads working at once.
    #[arg(long, default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    pub threads: u32,
    /// Operations per thread (what one is depends on the workload).
    #[arg(long, default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_OPS))]
    pub ops: u64,
    /// Largest object in bytes; sizes are drawn uniformly from 16 to this.
    #[arg(long, default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(16..=MAX_OBJECT as i64))]
    pub max_size: u32,
    /// Seed of every thread's generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}
// ANCHOR_END: params

impl Params {
    /// The most bytes the run can hold at once (object sizes at their
    /// largest), which must stay under [`MEMORY_CAP`].
    pub fn max_live_bytes(&self) -> u64 {
        let (n, size) = (self.threads as u64, self.max_size as u64);
        match self.workload {
            Workload::RemoteFree => n * (RING as u64 + 1) * size,
            Workload::Server => n * OBJECTS as u64 * size,
            Workload::Churn => {
                POOL as u64 * size + n * ((self.ops / ROUNDS).max(1) / 4 + 1 + 64) * size
            }
            Workload::Arenas => n * (HOLD_BYTES + size),
            Workload::FalseSharing => n * 16,
        }
    }

    /// Refuses a run that could hold more than [`MEMORY_CAP`].
    pub fn check(&self) -> Result<(), String> {
        let need = self.max_live_bytes();
        if need > MEMORY_CAP {
            return Err(format!(
                "{} with {} threads and objects up to {} bytes could hold {} MiB at once; the cap is {} MiB",
                self.workload,
                self.threads,
                self.max_size,
                need >> 20,
                MEMORY_CAP >> 20
            ));
        }
        Ok(())
    }
}

/// The generator of one thread (or one generation of a thread): seeded,
/// portable, a distinct stream per `stream`.
pub fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// A new object of a random size in `16..=max_size`, every byte written (so
/// its pages are really touched).
pub fn object(rng: &mut ChaCha8Rng, max_size: u32) -> Box<[u8]> {
    let size = rng.random_range(16..=max_size as usize);
    vec![(size as u8) | 1; size].into_boxed_slice()
}

/// One thread's latency record: the time of every [`BATCH`] operations, in
/// a histogram with fixed bounds (made before the work, it never grows).
struct Clock {
    /// Batch times, in ns.
    hist: Histogram<u64>,
    last: Instant,
    n: u64,
}

impl Clock {
    /// A clock whose first batch starts now.
    fn new() -> Clock {
        Clock {
            hist: new_histogram(),
            last: Instant::now(),
            n: 0,
        }
    }

    /// Starts a new batch now, dropping a partial one.
    fn restart(&mut self) {
        self.last = Instant::now();
        self.n = 0;
    }

    /// One operation done; every BATCH-th records the batch's time.
    #[inline]
    fn tick(&mut self) {
        self.n += 1;
        if self.n == BATCH {
            let now = Instant::now();
            self.hist
                .saturating_record((now - self.last).as_nanos() as u64);
            self.last = now;
            self.n = 0;
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// 1 ns to 60 s at 2 significant digits.
fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 2).expect("constant, valid bounds")
}

/// What one thread (or one chain of threads) did.
#[derive(Debug)]
pub struct ThreadOut {
    /// Its allocations, counted on its own thread(s).
    pub stats: Stats,
    /// Its batch times.
    pub hist: Histogram<u64>,
    /// Operations done.
    pub ops: u64,
    /// Sum over the blocks' contents, as in [`crate::child::Sample`].
    pub checksum: u64,
}

/// What the allocator and the kernel showed while every thread held its
/// memory (arenas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// The allocator's own view of its arenas.
    pub view: View,
    /// Anonymous resident memory (`RssAnon`).
    pub rss_anon: Option<u64>,
}

/// Where each thread's own small object landed (false-sharing): how many of
/// them share a 64-byte cache line with another thread's. Every address
/// compared is of a block live at that moment: the main thread holds the
/// given objects until the threads take them, and each thread holds its first
/// own object until every thread has allocated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    /// Of the objects the main thread allocated, one per thread.
    pub given: u32,
    /// Of the objects the threads allocated themselves after freeing those.
    pub own: u32,
    /// Threads whose first own object is the very block they were given and
    /// had just freed (the allocator handed it back): their writes stay on
    /// the main thread's line. Absent (0) in data recorded before it was kept.
    #[serde(default)]
    pub reused: u32,
}

/// A run's result.
#[derive(Debug)]
pub struct Outcome {
    /// One entry per thread (per chain of threads for server).
    pub threads: Vec<ThreadOut>,
    /// What the main thread allocated and freed as part of the work.
    pub main: Stats,
    /// Memory while every thread held its share (arenas only).
    pub alive: Option<Probe>,
    /// The cache lines shared (false-sharing only).
    pub sharing: Option<Sharing>,
}

/// A run's result summed over its threads.
#[derive(Debug)]
pub struct Totals {
    /// Every thread's work, plus the main thread's share.
    pub counts: Stats,
    /// Each thread's (or chain's) own counts, in thread order.
    pub per_thread: Vec<Stats>,
    /// Operations, all threads.
    pub ops: u64,
    /// Sum of the threads' checksums.
    pub checksum: u64,
    /// All threads' batch times.
    pub hist: Histogram<u64>,
}

/// Sums the threads' results (here, so that a heap profile attributes the
/// summing's few allocations to the workload's files, with the rest of the
/// run's).
pub fn totals(o: &Outcome) -> Totals {
    let mut t = Totals {
        counts: o.main,
        per_thread: Vec::with_capacity(o.threads.len()),
        ops: 0,
        checksum: 0,
        hist: new_histogram(),
    };
    for x in &o.threads {
        let _ = t.hist.add(&x.hist);
        t.counts = t.counts.merged(&x.stats);
        t.per_thread.push(x.stats);
        t.ops += x.ops;
        t.checksum = t.checksum.wrapping_add(x.checksum);
    }
    t
}

/// Runs the workload; `probe` reads memory while the threads hold theirs
/// (called by the arenas workload only).
pub fn run(p: &Params, probe: &dyn Fn() -> Probe) -> Outcome {
    match p.workload {
        Workload::RemoteFree => remote_free(p),
        Workload::Server => server(p),
        Workload::Churn => churn(p),
        Workload::Arenas => arenas(p, probe),
        Workload::FalseSharing => false_sharing(p),
    }
}

/// The counts that depend only on the work, not on how threads
/// interleaved: everything but the peak (a remote-free thread's peak depends
/// on how far ahead of its consumer it ran).
pub fn work_counts(s: &Stats) -> Stats {
    Stats {
        peak_live_bytes: 0,
        ..*s
    }
}

/// Whether two runs did the same work, as counted.
pub fn same_work(a: &Stats, b: &Stats) -> bool {
    work_counts(a) == work_counts(b)
}

/// Joins a worker; a worker that panicked takes the process down with its
/// message (a bug in the workload, not a result).
fn join<T>(h: impl Joinable<T>) -> T {
    h.join_or_resume()
}

trait Joinable<T> {
    fn join_or_resume(self) -> T;
}

impl<T> Joinable<T> for std::thread::JoinHandle<T> {
    fn join_or_resume(self) -> T {
        self.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
    }
}

impl<T> Joinable<T> for std::thread::ScopedJoinHandle<'_, T> {
    fn join_or_resume(self) -> T {
        self.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
    }
}

/// Reads the view and anonymous RSS now.
pub fn probe_now(allocator: crate::Allocator) -> Probe {
    Probe {
        view: view::read(allocator),
        rss_anon: kit::rss::anon(),
    }
}
