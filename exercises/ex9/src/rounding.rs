//! What rounding a request up to its size class costs (internal
//! fragmentation), for this allocator's classes and for jemalloc's
//! (chapter 2's table, `ex2::jemalloc::geometric_class`), over the same
//! requests: every size from 1 to 4096 bytes once, chapter 7's server
//! objects (16 to 1024 bytes, uniform), and chapter 2's request workload
//! (every size it asks for, as it asks for them, recorded).

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use ex9_alloc::classes::{MAX_CLASS, rounded};
use serde::{Deserialize, Serialize};

/// One distribution of request sizes, rounded both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waste {
    /// What the sizes are, as a reader would say it.
    pub requests: String,
    /// Requests in the distribution.
    pub count: u64,
    /// Bytes they ask for.
    pub requested_bytes: u64,
    /// Bytes the blocks of ex9's classes take.
    pub ex9_bytes: u64,
    /// Bytes the blocks of jemalloc's classes take.
    pub jemalloc_bytes: u64,
    /// The largest share of one block left unused, with ex9's classes.
    pub ex9_worst: f64,
    /// The same for jemalloc.
    pub jemalloc_worst: f64,
}

impl Waste {
    fn new(requests: &str) -> Waste {
        Waste {
            requests: requests.to_string(),
            count: 0,
            requested_bytes: 0,
            ex9_bytes: 0,
            jemalloc_bytes: 0,
            ex9_worst: 0.0,
            jemalloc_worst: 0.0,
        }
    }

    // ANCHOR: add
    /// One request of `size` bytes (at most 4096: both serve larger ones
    /// differently).
    pub fn add(&mut self, size: usize, times: u64) {
        let ours = rounded(size) as u64;
        let theirs = ex2::jemalloc::geometric_class(size as u64);
        self.count += times;
        self.requested_bytes += size as u64 * times;
        self.ex9_bytes += ours * times;
        self.jemalloc_bytes += theirs * times;
        let unused = |block: u64| 1.0 - size as f64 / block as f64;
        self.ex9_worst = self.ex9_worst.max(unused(ours));
        self.jemalloc_worst = self.jemalloc_worst.max(unused(theirs));
    }
    // ANCHOR_END: add

    /// Share of the blocks' bytes no request uses.
    pub fn ex9_share(&self) -> f64 {
        1.0 - self.requested_bytes as f64 / self.ex9_bytes as f64
    }

    /// Share of the blocks' bytes no request uses, with jemalloc's classes.
    pub fn jemalloc_share(&self) -> f64 {
        1.0 - self.requested_bytes as f64 / self.jemalloc_bytes as f64
    }
}

/// Every size from 1 to 4096 once.
pub fn every_size() -> Waste {
    let mut w = Waste::new("every size from 1 to 4096 B once");
    for s in 1..=MAX_CLASS {
        w.add(s, 1);
    }
    w
}

/// Chapter 7's server objects: 16 to 1024 bytes, each size equally likely.
pub fn server_sizes() -> Waste {
    let mut w = Waste::new("chapter 7's server objects (16 to 1024 B, uniform)");
    for s in 16..=1024 {
        w.add(s, 1);
    }
    w
}

/// Chapter 2's request workload, from a histogram of the sizes it asked
/// for (requests above 4096 bytes left out, and counted in `skipped`).
pub fn recorded(what: &str, sizes: &[(usize, u64)]) -> (Waste, u64) {
    let mut w = Waste::new(what);
    let mut skipped = 0;
    for &(s, n) in sizes {
        if s <= MAX_CLASS {
            w.add(s, n);
        } else {
            skipped += n;
        }
    }
    (w, skipped)
}

/// The `classes` command's rows: every size once, the server's sizes, and
/// chapter 2's requests as recorded; and how many of those requests were
/// above the largest class (not rounded by either table).
pub fn classes_rows() -> (Vec<Waste>, u64) {
    // Chapter 2's requests, every size they ask for recorded.
    let (_, sizes) = record(|| ex2::workload::run(42, 2_000));
    let (recorded, skipped) = recorded("chapter 2's requests (2,000, recorded)", &sizes);
    (vec![every_size(), server_sizes(), recorded], skipped)
}

/// What a person or the book sees of [`classes_rows`]: the table and the line
/// under it.
pub fn classes_page(rows: &[Waste], skipped: u64) -> kit::report::Page {
    kit::report::Page::new([table(rows)]).line(format!(
        "Requests above 4096 bytes (not rounded by either table here): {skipped} of chapter 2's."
    ))
}

/// The distributions side by side: bytes and waste under both sets of
/// classes.
pub fn table(rows: &[Waste]) -> kit::Table {
    let mut t = kit::Table::new(
        "Internal fragmentation: bytes of the blocks that no request uses",
        &[
            "requests",
            "requests (n)",
            "ex9 classes: unused",
            "jemalloc classes: unused",
            "ex9: worst block",
            "jemalloc: worst block",
        ],
    );
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    for w in rows {
        t.row([
            w.requests.clone(),
            w.count.to_string(),
            pct(w.ex9_share()),
            pct(w.jemalloc_share()),
            pct(w.ex9_worst),
            pct(w.jemalloc_worst),
        ]);
    }
    t
}

// ANCHOR: recording
/// A global allocator wrapper that, while [`record`] runs, counts the
/// requests of each size from 1 to 4096 bytes (larger ones in one count),
/// in a fixed table: it never allocates.
#[derive(Debug)]
pub struct Recording<A>(pub A);

const BUCKETS: usize = MAX_CLASS + 2;
static HIST: [AtomicU64; BUCKETS] = [const { AtomicU64::new(0) }; BUCKETS];
static ON: AtomicBool = AtomicBool::new(false);

#[inline]
fn note(size: usize) {
    if ON.load(Relaxed) {
        HIST[size.min(BUCKETS - 1)].fetch_add(1, Relaxed);
    }
}

// SAFETY: every call goes to the inner allocator unchanged; the wrapper
// only counts, with atomics, without allocating.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Recording<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: our caller's contract, passed on.
        unsafe { self.0.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as above.
        unsafe { self.0.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { self.0.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as above.
        unsafe { self.0.realloc(p, layout, new_size) }
    }
}
// ANCHOR_END: recording

/// Runs `f` with the recording on (the process's global allocator must be
/// a [`Recording`]) and returns `(size, requests)` for every size seen;
/// sizes above 4096 bytes are reported as 4097.
pub fn record<R>(f: impl FnOnce() -> R) -> (R, Vec<(usize, u64)>) {
    for h in &HIST {
        h.store(0, Relaxed);
    }
    ON.store(true, Relaxed);
    let r = f();
    ON.store(false, Relaxed);
    let sizes = HIST
        .iter()
        .enumerate()
        .filter_map(|(s, n)| {
            let n = n.load(Relaxed);
            (n > 0).then_some((s, n))
        })
        .collect();
    (r, sizes)
}

// ANCHOR: choose_classes
/// Size classes from 16 bytes to `max` (a power of two): 16, then
/// `per_doubling` classes evenly spaced in each doubling above it
/// (`per_doubling` a power of two up to 16, so every class is a whole
/// number of bytes). Two per doubling is this allocator's table.
pub fn classes(per_doubling: usize, max: usize) -> Vec<usize> {
    let mut out = vec![16];
    let mut base = 16;
    while base < max {
        let step = base / per_doubling;
        out.extend((1..=per_doubling).map(|i| base + i * step));
        base *= 2;
    }
    out
}

/// The largest share of one block a request over 16 bytes leaves unused,
/// every size up to the largest class asked for once.
pub fn worst_unused(classes: &[usize]) -> f64 {
    let max = classes.last().copied().unwrap_or(16);
    (17..=max)
        .map(|size| {
            let block = classes.iter().copied().find(|&c| c >= size).unwrap_or(size);
            1.0 - size as f64 / block as f64
        })
        .fold(0.0, f64::max)
}

/// The decision a size-class table makes: the fewest classes per doubling
/// (1, 2, 4, 8 or 16) whose worst rounding leaves less than `bound` of a
/// block unused; `None` if even 16 per doubling cannot. Fewer classes mean
/// fewer pools to keep warm; more mean less memory held and unused.
pub fn per_doubling_within(bound: f64) -> Option<usize> {
    // ANCHOR: task_per_doubling_within
    // Just above a class at the start of a doubling, a request takes the
    // next class up, one step of 1/k of the doubling away: at most
    // 1 / (k + 1) of that block is unused, approached but never reached.
    [1, 2, 4, 8, 16]
        .into_iter()
        .find(|&k| 1.0 / (k + 1) as f64 <= bound)
    // ANCHOR_END: task_per_doubling_within
}
// ANCHOR_END: choose_classes
