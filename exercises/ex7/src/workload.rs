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

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Barrier, Mutex};
use std::time::Instant;

use ex1::Stats;
use hdrhistogram::Histogram;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::view::{self, View};

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
/// summing's few allocations to this file, with the rest of the run's).
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

// ANCHOR: ring
/// A bounded single-producer, single-consumer channel of blocks: slots made
/// before the work, so sending and receiving never allocate. The producer
/// fills slots in order, the consumer empties them in the same order; each
/// side keeps its own position.
struct Ring {
    slots: Vec<Mutex<Option<Box<[u8]>>>>,
    /// The next slot the producer fills (only the producer moves it).
    tail: AtomicUsize,
    /// The next slot the consumer empties (only the consumer moves it).
    head: AtomicUsize,
}

impl Ring {
    /// `capacity` empty slots.
    fn new(capacity: usize) -> Ring {
        Ring {
            slots: (0..capacity).map(|_| Mutex::new(None)).collect(),
            tail: AtomicUsize::new(0),
            head: AtomicUsize::new(0),
        }
    }

    /// Puts `block` in the next slot, or gives it back if that slot is still
    /// full (the ring is full).
    fn try_push(&self, block: Box<[u8]>) -> Result<(), Box<[u8]>> {
        let t = self.tail.load(Relaxed);
        let mut slot = self.slots[t % self.slots.len()]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return Err(block);
        }
        *slot = Some(block);
        self.tail.store(t + 1, Relaxed);
        Ok(())
    }

    /// Takes the block from the next slot, if the producer has filled it.
    fn try_pop(&self) -> Option<Box<[u8]>> {
        let h = self.head.load(Relaxed);
        let block = self.slots[h % self.slots.len()]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        self.head.store(h + 1, Relaxed);
        Some(block)
    }
}
// ANCHOR_END: ring

fn remote_free(p: &Params) -> Outcome {
    let n = p.threads as usize;
    // Ring i carries thread i's blocks to thread i + 1 (thread 0's to
    // itself when it is alone: a baseline with no remote frees).
    let rings: Vec<Ring> = (0..n).map(|_| Ring::new(RING)).collect();
    let start = Barrier::new(n);
    let threads = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (rings, start) = (&rings, &start);
                s.spawn(move || remote_free_thread(p, i, &rings[i], &rings[(i + n - 1) % n], start))
            })
            .collect();
        handles.into_iter().map(join).collect()
    });
    Outcome {
        threads,
        main: Stats::default(),
        alive: None,
        sharing: None,
    }
}

// ANCHOR: remote_free_thread
/// Thread `i` of the remote-free workload: sends `p.ops` new blocks into
/// `outbox` and frees the `p.ops` blocks that arrive in `inbox` (allocated
/// by the thread before it).
fn remote_free_thread(
    p: &Params,
    i: usize,
    outbox: &Ring,
    inbox: &Ring,
    start: &Barrier,
) -> ThreadOut {
    let mut rng = rng(p.seed, i as u64);
    let mut clock = Clock::new();
    start.wait();
    clock.restart();
    let (checksum, stats) = ex1::measure(|| {
        // ANCHOR: task_remote_free
        let (mut sent, mut received, mut sum) = (0u64, 0u64, 0u64);
        let mut unsent: Option<Box<[u8]>> = None;
        while sent < p.ops || received < p.ops {
            let mut progressed = false;
            if sent < p.ops {
                let block = unsent
                    .take()
                    .unwrap_or_else(|| object(&mut rng, p.max_size));
                match outbox.try_push(block) {
                    Ok(()) => {
                        sent += 1;
                        progressed = true;
                    }
                    Err(block) => unsent = Some(block),
                }
            }
            if let Some(block) = inbox.try_pop() {
                sum = sum.wrapping_add(block.len() as u64 + block[0] as u64);
                drop(block);
                received += 1;
                clock.tick();
                progressed = true;
            }
            if !progressed {
                std::thread::yield_now();
            }
        }
        sum
        // ANCHOR_END: task_remote_free
    });
    ThreadOut {
        stats,
        hist: clock.hist,
        ops: p.ops,
        checksum,
    }
}
// ANCHOR_END: remote_free_thread

/// A server thread's state, handed from each generation to the next.
struct Seat {
    set: Vec<Box<[u8]>>,
    rng: ChaCha8Rng,
    clock: Clock,
    stats: Stats,
    checksum: u64,
}

/// What a server thread leaves behind: its successor, or the last state.
enum Step {
    Next(std::thread::JoinHandle<Step>),
    Done(Box<Seat>),
}

fn server(p: &Params) -> Outcome {
    let p = *p;
    let handles: Vec<_> = (0..p.threads as u64)
        .map(|i| {
            let seat = Seat {
                set: Vec::new(),
                rng: rng(p.seed, i),
                clock: Clock::new(),
                stats: Stats::default(),
                checksum: 0,
            };
            std::thread::spawn(move || generation(p, seat, 0))
        })
        .collect();
    let mut threads = Vec::with_capacity(handles.len());
    let mut main = Stats::default();
    for h in handles {
        let mut step = join(h);
        let seat = loop {
            match step {
                Step::Next(h) => step = join(h),
                Step::Done(seat) => break *seat,
            }
        };
        let (set, out) = (
            seat.set,
            ThreadOut {
                stats: seat.stats,
                hist: seat.clock.hist,
                ops: p.ops,
                checksum: seat.checksum,
            },
        );
        // The last generation's objects, freed here: part of the work.
        main = main.merged(&ex1::measure(|| drop(set)).1);
        threads.push(out);
    }
    Outcome {
        threads,
        main,
        alive: None,
        sharing: None,
    }
}

// ANCHOR: generation
/// One generation of a server thread: fills the set if it is the first, does
/// its share of the replacements (each frees an object some earlier
/// generation, on another thread, may have allocated), then hands the set to
/// a new thread and exits.
fn generation(p: Params, mut seat: Seat, g: u64) -> Step {
    let share = p.ops / GENERATIONS + u64::from(g < p.ops % GENERATIONS);
    seat.clock.restart();
    let (_, stats) = ex1::measure(|| {
        if seat.set.is_empty() {
            seat.set.reserve_exact(OBJECTS);
            for _ in 0..OBJECTS {
                seat.set.push(object(&mut seat.rng, p.max_size));
            }
        }
        for _ in 0..share {
            let j = seat.rng.random_range(0..OBJECTS);
            let new = object(&mut seat.rng, p.max_size);
            seat.checksum = seat.checksum.wrapping_add(seat.set[j].len() as u64);
            seat.set[j] = new; // frees the old object
            seat.clock.tick();
        }
    });
    seat.stats = seat.stats.merged(&stats);
    if g + 1 < GENERATIONS {
        Step::Next(std::thread::spawn(move || generation(p, seat, g + 1)))
    } else {
        Step::Done(Box::new(seat))
    }
}
// ANCHOR_END: generation

fn churn(p: &Params) -> Outcome {
    let p = *p;
    let n = p.threads as usize;
    let per_round = (p.ops / ROUNDS).max(1);
    let (mut pool, mut main) =
        ex1::measure(|| (0..POOL).map(|_| None).collect::<Vec<Option<Box<[u8]>>>>());
    let mut cursor = 0;
    let mut threads: Vec<ThreadOut> = (0..n)
        .map(|_| ThreadOut {
            stats: Stats::default(),
            hist: new_histogram(),
            ops: 0,
            checksum: 0,
        })
        .collect();
    for round in 0..ROUNDS {
        let handles: Vec<_> = (0..n as u64)
            .map(|i| std::thread::spawn(move || churn_thread(p, round * 1000 + i, per_round)))
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let (survivors, out) = join(h);
            let t = &mut threads[i];
            t.stats = t.stats.merged(&out.stats);
            let _ = t.hist.add(&out.hist);
            t.ops += out.ops;
            t.checksum = t.checksum.wrapping_add(out.checksum);
            // The survivors outlive their thread; each replaces (frees) the
            // oldest object in the pool once it is full.
            let (_, stats) = ex1::measure(|| {
                for s in survivors {
                    pool[cursor % POOL] = Some(s);
                    cursor += 1;
                }
            });
            main = main.merged(&stats);
        }
    }
    main = main.merged(&ex1::measure(|| drop(pool)).1);
    Outcome {
        threads,
        main,
        alive: None,
        sharing: None,
    }
}

// ANCHOR: churn_thread
/// A short-lived thread: allocates `count` objects into a window of 64 it
/// replaces at random; every fourth object is kept instead, to outlive it.
fn churn_thread(p: Params, stream: u64, count: u64) -> (Vec<Box<[u8]>>, ThreadOut) {
    let mut rng = rng(p.seed, stream);
    let mut clock = Clock::new();
    let ((kept, checksum), stats) = ex1::measure(|| {
        let mut kept = Vec::with_capacity((count / 4 + 1) as usize);
        let mut window: Vec<Option<Box<[u8]>>> = (0..64).map(|_| None).collect();
        let mut sum = 0u64;
        for k in 0..count {
            let o = object(&mut rng, p.max_size);
            sum = sum.wrapping_add(o.len() as u64);
            if k % 4 == 0 {
                kept.push(o);
            } else {
                window[rng.random_range(0..64)] = Some(o);
            }
            clock.tick();
        }
        drop(window);
        (kept, sum)
    });
    let out = ThreadOut {
        stats,
        hist: clock.hist,
        ops: count,
        checksum,
    };
    (kept, out)
}
// ANCHOR_END: churn_thread

fn arenas(p: &Params, probe: &dyn Fn() -> Probe) -> Outcome {
    let n = p.threads as usize;
    let loaded = Barrier::new(n + 1);
    let release = Barrier::new(n + 1);
    let (threads, alive) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (loaded, release) = (&loaded, &release);
                s.spawn(move || arena_thread(p, i, loaded, release))
            })
            .collect();
        // Every thread holds its memory now: what does the allocator show?
        loaded.wait();
        // The threads wait for `release` whatever the probe does: a probe
        // that panics must not leave them (and the scope) waiting forever.
        let alive = std::panic::catch_unwind(std::panic::AssertUnwindSafe(probe));
        release.wait();
        let threads = handles.into_iter().map(join).collect();
        let alive = alive.unwrap_or_else(|e| std::panic::resume_unwind(e));
        (threads, alive)
    });
    Outcome {
        threads,
        main: Stats::default(),
        alive: Some(alive),
        sharing: None,
    }
}

// ANCHOR: arena_thread
/// A thread that holds [`HOLD_BYTES`] while the main thread reads the
/// allocator's view, then replaces `p.ops` of its objects and frees them all.
fn arena_thread(p: &Params, i: usize, loaded: &Barrier, release: &Barrier) -> ThreadOut {
    let mut rng = rng(p.seed, i as u64);
    let mut clock = Clock::new();
    let (checksum, stats) = ex1::measure(|| {
        let mut held = Vec::new();
        let mut bytes = 0;
        while bytes < HOLD_BYTES {
            let o = object(&mut rng, p.max_size);
            bytes += o.len() as u64;
            held.push(o);
        }
        loaded.wait();
        release.wait();
        clock.restart();
        let mut sum = 0u64;
        for _ in 0..p.ops {
            let j = rng.random_range(0..held.len());
            sum = sum.wrapping_add(held[j].len() as u64);
            held[j] = object(&mut rng, p.max_size);
            clock.tick();
        }
        sum
    });
    ThreadOut {
        stats,
        hist: clock.hist,
        ops: p.ops,
        checksum,
    }
}
// ANCHOR_END: arena_thread

fn false_sharing(p: &Params) -> Outcome {
    let n = p.threads as usize;
    // One small object per thread, allocated back to back by one thread:
    // neighbours in memory, as a server's per-connection state often is.
    let (mut given, main) =
        ex1::measure(|| (0..n).map(|_| Some(Box::new(0u64))).collect::<Vec<_>>());
    let given_addrs: Vec<usize> = given
        .iter()
        .flatten()
        .map(|b| &**b as *const u64 as usize)
        .collect();
    let (start, placed) = (Barrier::new(n), Barrier::new(n));
    let results: Vec<(ThreadOut, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = given
            .iter_mut()
            .filter_map(Option::take)
            .map(|obj| {
                let (start, placed) = (&start, &placed);
                s.spawn(move || scratch_thread(p, obj, start, placed))
            })
            .collect();
        handles.into_iter().map(join).collect()
    });
    let main = main.merged(&ex1::measure(|| drop(given)).1);
    let own_addrs: Vec<usize> = results.iter().map(|r| r.1).collect();
    let reused = own_addrs
        .iter()
        .zip(&given_addrs)
        .filter(|(own, given)| own == given)
        .count() as u32;
    Outcome {
        threads: results.into_iter().map(|r| r.0).collect(),
        main,
        alive: None,
        sharing: Some(Sharing {
            given: shared_lines(&given_addrs),
            own: shared_lines(&own_addrs),
            reused,
        }),
    }
}

// ANCHOR: scratch_thread
/// Writes the object it was given [`WRITES`] times, frees it, allocates its
/// own and writes that, `p.ops` rounds. Returns where its first own object
/// landed: if the allocator hands back the block just freed (or one beside
/// it), every round writes to a cache line other threads write too. It holds
/// that first object until every thread has one (`placed`), so the addresses
/// compared are of blocks live at the same time.
fn scratch_thread(
    p: &Params,
    given: Box<u64>,
    start: &Barrier,
    placed: &Barrier,
) -> (ThreadOut, usize) {
    let mut clock = Clock::new();
    start.wait();
    clock.restart();
    let ((checksum, first_own), stats) = ex1::measure(|| {
        let mut obj = given;
        let mut first_own = 0;
        let mut sum = 0u64;
        for round in 0..p.ops {
            for _ in 0..WRITES {
                // Through black_box: every write really goes to memory.
                *std::hint::black_box(&mut *obj) += 1;
            }
            sum = sum.wrapping_add(*obj);
            // Free first, then allocate: the allocator may hand back the
            // block just freed, which is the point of the workload.
            drop(obj);
            obj = Box::new(round);
            clock.tick();
            if round == 0 {
                first_own = &*obj as *const u64 as usize;
                placed.wait();
                // The wait is not part of any round.
                clock.restart();
            }
        }
        (sum, first_own)
    });
    let out = ThreadOut {
        stats,
        hist: clock.hist,
        ops: p.ops,
        checksum,
    };
    (out, first_own)
}
// ANCHOR_END: scratch_thread

/// How many of `addrs` share their 64-byte cache line with another.
pub fn shared_lines(addrs: &[usize]) -> u32 {
    addrs
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            addrs
                .iter()
                .enumerate()
                .any(|(j, b)| j != *i && **a / 64 == *b / 64)
        })
        .count() as u32
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
