//! The recommended tracking allocator: thread-owned counters.
//!
//! The naive tracker's cost is not the arithmetic, it is *sharing*: two cores
//! incrementing the same atomic fight over one cache line. So here each thread
//! gets a slot of its own, a cache-line-aligned block of counters that only
//! that thread ever writes. The hot path is a thread-local read (which slot is
//! mine?) and a handful of plain loads and stores into a line no other core
//! touches. A reader sums the slots, so process totals stay exact and readable
//! at any time, from any thread.
//!
//! ## Invariants
//!
//! - Slot `i < SLOTS` has exactly one writer: the thread that claimed index
//!   `i`. That is why its counters can be updated with a plain `load` + `store`
//!   (no locked instruction) and still never lose an update. Other threads only
//!   read them.
//! - Threads beyond the first `SLOTS` share the last slot, `slots[SLOTS]`, and
//!   update it with `fetch_add`: slower, still exact. (Slots are not recycled
//!   when a thread exits: its counts are history the totals must keep.)
//! - Counts are exact: allocations, deallocations, reallocations, bytes
//!   allocated and freed, and live bytes (the sum over slots).
//! - Peak live bytes is exact while one thread allocates. Across threads each
//!   slot publishes its live-bytes changes to a shared total in batches of
//!   [`FLUSH_BYTES`], and the peak is checked whenever the shared total moves
//!   and whenever a thread reaches a new high of its own. The shared total is
//!   never further than the threads' unpublished bytes from the true total,
//!   so the recorded peak is within `(threads that allocated) * FLUSH_BYTES`
//!   of the true peak.
//! - Nothing here allocates, locks or panics: it runs *inside* the allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::Stats;

/// Threads that get a slot of their own; later threads share one more slot.
pub const SLOTS: usize = 256;

/// A slot publishes its live-bytes change to the shared total once it exceeds
/// this many bytes either way. This bounds the cross-thread peak error.
pub const FLUSH_BYTES: i64 = 64 * 1024;

// ANCHOR: slot
/// One thread's counters, alone on its cache line (128 bytes: two 64-byte
/// lines, because x86's adjacent-line prefetcher pairs them).
///
/// Each counter is changed by at most one of `alloc` and `dealloc`, never by
/// both: a counter that an allocation raises and the matching free lowers
/// (a "live bytes" field) would chain every call to the previous one through
/// memory. Live bytes are derived instead: `bytes_allocated - bytes_freed`.
#[repr(align(128))]
struct Slot {
    allocs: AtomicU64,
    deallocs: AtomicU64,
    reallocs: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_freed: AtomicU64,
    /// Highest live bytes of this slot since [`measure`] last reset it.
    peak: AtomicI64,
    /// Publish when live bytes reach this (last published + FLUSH_BYTES)...
    publish_above: AtomicI64,
    /// ...or fall to this (last published - FLUSH_BYTES). Kept as two bounds
    /// so that each hot-path check is a single comparison.
    publish_below: AtomicI64,
}

impl Slot {
    /// This slot's live bytes (negative for a thread that frees more than it
    /// allocates, such as a consumer of another thread's data).
    #[inline]
    fn live(&self) -> i64 {
        self.bytes_allocated.load(Relaxed) as i64 - self.bytes_freed.load(Relaxed) as i64
    }
}

thread_local! {
    /// This thread's slot index; `UNASSIGNED` until its first allocation.
    /// `const`-initialised and without `Drop`, so reading it never allocates
    /// and works even while the thread is being torn down.
    static SLOT: Cell<usize> = const { Cell::new(UNASSIGNED) };
}

/// Above every real index, so one comparison (`i < SLOTS`) picks the fast path.
const UNASSIGNED: usize = usize::MAX;

/// Hands out slot indices, once per thread, for all `Counters` alike.
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

/// The index of the calling thread's slot: its own (`< SLOTS`) or the shared
/// one (`SLOTS`).
#[inline]
fn my_slot() -> usize {
    let i = SLOT.get();
    if i < SLOTS { i } else { assign_slot() }
}

#[cold]
fn assign_slot() -> usize {
    let i = SLOT.get();
    if i != UNASSIGNED {
        return i; // already assigned: the shared slot
    }
    let i = NEXT_SLOT.fetch_add(1, Relaxed).min(SLOTS);
    SLOT.set(i);
    i
}
// ANCHOR_END: slot

/// Adds to a counter only this thread writes: a plain load and store, which
/// compile to ordinary `mov`s instead of a locked read-modify-write.
#[inline]
fn add_owned(c: &AtomicU64, n: u64) -> u64 {
    let v = c.load(Relaxed).wrapping_add(n);
    c.store(v, Relaxed);
    v
}

/// The counters of one tracking allocator: a slot per thread plus the shared
/// totals the peak is computed from.
pub struct Counters {
    slots: [Slot; SLOTS + 1],
    /// Sum of what the slots have published of their live bytes.
    published: AtomicI64,
    /// Highest live-bytes total seen (see the module docs for its bound).
    peak: AtomicI64,
}

impl Default for Counters {
    fn default() -> Self {
        Self::new()
    }
}

impl Counters {
    pub const fn new() -> Self {
        Counters {
            slots: [const {
                Slot {
                    allocs: AtomicU64::new(0),
                    deallocs: AtomicU64::new(0),
                    reallocs: AtomicU64::new(0),
                    bytes_allocated: AtomicU64::new(0),
                    bytes_freed: AtomicU64::new(0),
                    peak: AtomicI64::new(0),
                    publish_above: AtomicI64::new(FLUSH_BYTES),
                    publish_below: AtomicI64::new(-FLUSH_BYTES),
                }
            }; SLOTS + 1],
            published: AtomicI64::new(0),
            peak: AtomicI64::new(0),
        }
    }

    // ANCHOR: hot_path
    /// Records an allocation of `size` bytes (`realloc_from`: the old size,
    /// when the allocation replaces a block through `realloc`).
    #[inline]
    fn on_alloc(&self, size: u64, realloc_from: Option<u64>) {
        let i = my_slot();
        if i >= SLOTS {
            return self.on_shared_slot(1, size, realloc_from.unwrap_or(0), realloc_from.is_some());
        }
        let s = &self.slots[i];
        // We are the only writer of this slot: plain loads and stores.
        match realloc_from {
            None => {
                add_owned(&s.allocs, 1);
            }
            Some(old) => {
                add_owned(&s.reallocs, 1);
                add_owned(&s.bytes_freed, old);
            }
        }
        let live = add_owned(&s.bytes_allocated, size) as i64 - s.bytes_freed.load(Relaxed) as i64;
        if live > s.peak.load(Relaxed) {
            // A new high for this thread (rare once a program reaches its
            // working set): the only time, besides publishing, that the
            // process-wide peak is checked.
            s.peak.store(live, Relaxed);
            let unpublished = live - (s.publish_above.load(Relaxed) - FLUSH_BYTES);
            self.raise_peak(self.published.load(Relaxed) + unpublished);
        }
        // An allocation only raises live bytes, so only the upper bound can be
        // crossed; a realloc that shrinks may cross the lower one.
        if live >= s.publish_above.load(Relaxed)
            || (realloc_from.is_some() && live <= s.publish_below.load(Relaxed))
        {
            self.publish(s, live);
        }
    }

    /// Records a deallocation of `size` bytes.
    #[inline]
    fn on_dealloc(&self, size: u64) {
        let i = my_slot();
        if i >= SLOTS {
            return self.on_shared_slot(0, 0, size, false);
        }
        let s = &self.slots[i];
        add_owned(&s.deallocs, 1);
        let live = s.bytes_allocated.load(Relaxed) as i64 - add_owned(&s.bytes_freed, size) as i64;
        if live <= s.publish_below.load(Relaxed) {
            self.publish(s, live);
        }
    }

    /// Adds this slot's live bytes not yet published to the shared total,
    /// moves its bounds, and checks the process-wide peak against the new
    /// total. Runs once per FLUSH_BYTES of change, not per call.
    #[cold]
    fn publish(&self, s: &Slot, live: i64) {
        let unpublished = live - (s.publish_above.load(Relaxed) - FLUSH_BYTES);
        s.publish_above.store(live + FLUSH_BYTES, Relaxed);
        s.publish_below.store(live - FLUSH_BYTES, Relaxed);
        let total = self.published.fetch_add(unpublished, Relaxed) + unpublished;
        self.raise_peak(total);
    }

    #[inline]
    fn raise_peak(&self, total: i64) {
        if total > self.peak.load(Relaxed) {
            self.peak.fetch_max(total, Relaxed);
        }
    }

    /// The slot shared by threads beyond the first `SLOTS`: several writers,
    /// so locked adds, and every change is published at once.
    #[cold]
    fn on_shared_slot(&self, allocs: u64, allocated: u64, freed: u64, realloc: bool) {
        let s = &self.slots[SLOTS];
        if realloc {
            s.reallocs.fetch_add(1, Relaxed);
        } else if allocs == 1 {
            s.allocs.fetch_add(1, Relaxed);
        } else {
            s.deallocs.fetch_add(1, Relaxed);
        }
        s.bytes_allocated.fetch_add(allocated, Relaxed);
        s.bytes_freed.fetch_add(freed, Relaxed);
        let delta = allocated as i64 - freed as i64;
        let total = self.published.fetch_add(delta, Relaxed) + delta;
        self.peak.fetch_max(total, Relaxed);
    }
    // ANCHOR_END: hot_path

    /// Process totals: every slot summed. Exact for counts and live bytes
    /// (once the threads being counted are quiet); the peak within the bound
    /// in the module docs.
    pub fn totals(&self) -> Stats {
        let mut t = Stats::default();
        for s in &self.slots {
            t.allocs += s.allocs.load(Relaxed);
            t.deallocs += s.deallocs.load(Relaxed);
            t.reallocs += s.reallocs.load(Relaxed);
            t.bytes_allocated += s.bytes_allocated.load(Relaxed);
            t.bytes_freed += s.bytes_freed.load(Relaxed);
            t.live_bytes += s.live();
        }
        // The recorded peak may lag the exact live total by the batching bound.
        t.peak_live_bytes = self.peak.load(Relaxed).max(t.live_bytes);
        t
    }

    /// The calling thread's own counters: exact whatever other threads do
    /// (unless it is past the first `SLOTS` threads and shares a slot).
    pub fn this_thread(&self) -> Stats {
        let s = &self.slots[my_slot()];
        Stats {
            allocs: s.allocs.load(Relaxed),
            deallocs: s.deallocs.load(Relaxed),
            reallocs: s.reallocs.load(Relaxed),
            bytes_allocated: s.bytes_allocated.load(Relaxed),
            bytes_freed: s.bytes_freed.load(Relaxed),
            live_bytes: s.live(),
            peak_live_bytes: s.peak.load(Relaxed),
        }
    }

    /// True if the calling thread has a slot of its own.
    pub fn thread_is_exact(&self) -> bool {
        my_slot() < SLOTS
    }

    /// Restarts the calling thread's peak at its current live bytes and
    /// returns the peak it had.
    fn restart_thread_peak(&self) -> i64 {
        let s = &self.slots[my_slot()];
        let old = s.peak.load(Relaxed);
        // Only this thread writes its slot, so this store races with no one.
        s.peak.store(s.live(), Relaxed);
        old
    }

    fn restore_thread_peak(&self, old: i64) {
        let s = &self.slots[my_slot()];
        if old > s.peak.load(Relaxed) {
            s.peak.store(old, Relaxed);
        }
    }

    /// Restarts the process-wide peak at the current live total.
    fn restart_process_peak(&self) -> i64 {
        let live = self.totals().live_bytes;
        self.peak.swap(live, Relaxed)
    }
}

/// The counters the process's global [`Tracker`] writes to, which [`measure`]
/// reads.
pub static COUNTERS: Counters = Counters::new();

// ANCHOR: tracker
/// A `GlobalAlloc` that forwards to `inner` and counts into thread-owned slots.
///
/// ```
/// use ex1::Tracker;
/// use std::alloc::System;
///
/// #[global_allocator]
/// static GLOBAL: Tracker<System> = Tracker::new(System);
///
/// fn main() {
///     let (_v, stats) = ex1::measure(|| vec![0u8; 100]);
///     assert_eq!((stats.allocs, stats.bytes_allocated), (1, 100));
/// }
/// ```
pub struct Tracker<A> {
    inner: A,
    counters: &'static Counters,
}

impl<A> Tracker<A> {
    /// A tracker counting into the process-wide [`COUNTERS`]; this is the one
    /// to install with `#[global_allocator]`.
    pub const fn new(inner: A) -> Self {
        Tracker {
            inner,
            counters: &COUNTERS,
        }
    }

    /// A tracker with counters of its own, for benchmarks and tests that call
    /// it directly rather than as the global allocator.
    pub const fn with_counters(inner: A, counters: &'static Counters) -> Self {
        Tracker { inner, counters }
    }

    pub fn counters(&self) -> &'static Counters {
        self.counters
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments
// unchanged and returns its result unchanged, so `inner`'s guarantees are ours.
// Counting happens only after `inner` succeeded, touches only atomics and a
// `const` thread-local, never allocates and cannot panic.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Tracker<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: our caller guarantees `layout` has a non-zero size, which is
        // all `inner.alloc` requires.
        let p = unsafe { self.inner.alloc(layout) };
        if !p.is_null() {
            self.counters.on_alloc(layout.size() as u64, None);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`; `inner` does the zeroing (often for free,
        // with memory fresh from the OS).
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        if !p.is_null() {
            self.counters.on_alloc(layout.size() as u64, None);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: our caller guarantees `ptr` is a live block from this
        // allocator (hence from `inner`) allocated with `layout`.
        unsafe { self.inner.dealloc(ptr, layout) };
        self.counters.on_dealloc(layout.size() as u64);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: our caller guarantees `ptr`/`layout` describe a live block of
        // ours and that `new_size` is non-zero and valid for `layout.align()`.
        // On failure `inner` leaves the old block untouched, and so do we.
        let p = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted like dhat counts it: a new block of `new_size` bytes
            // replacing the old one.
            self.counters
                .on_alloc(new_size as u64, Some(layout.size() as u64));
        }
        p
    }
}
// ANCHOR_END: tracker

// ANCHOR: measure
/// Runs `f` and returns what it allocated **on the calling thread**, exactly,
/// whatever other threads do meanwhile. `peak_live_bytes` is the highest the
/// thread's live bytes rose above where they started.
///
/// Reads [`COUNTERS`], so it needs `Tracker` installed as the global
/// allocator; otherwise every count is zero (see [`tracking_is_active`]).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Stats) {
    let old_peak = COUNTERS.restart_thread_peak();
    let before = COUNTERS.this_thread();
    let result = f();
    let after = COUNTERS.this_thread();
    COUNTERS.restore_thread_peak(old_peak);
    (result, after.since(&before))
}
// ANCHOR_END: measure

/// Like [`measure`] but counts every thread of the process, for closures that
/// spawn threads. Exact counts only if nothing else runs meanwhile; the peak
/// within the bound in the module docs.
pub fn measure_process<R>(f: impl FnOnce() -> R) -> (R, Stats) {
    let old_peak = COUNTERS.restart_process_peak();
    let before = COUNTERS.totals();
    let result = f();
    let after = COUNTERS.totals();
    COUNTERS.peak.fetch_max(old_peak, Relaxed);
    (result, after.since(&before))
}

/// True when the process's global allocator is a [`Tracker`] on [`COUNTERS`]
/// (false under `dhat-heap`, for example).
pub fn tracking_is_active() -> bool {
    let (_, s) = measure(|| std::hint::black_box(Box::new(0u8)));
    s.allocs == 1
}

/// Says on stderr when counts will read zero because the tracker is not the
/// global allocator (a `dhat-heap` build, for example).
pub fn warn_if_untracked() {
    if !tracking_is_active() {
        eprintln!(
            "note: the tracker is not the global allocator in this build (dhat-heap?); counts read 0"
        );
    }
}
