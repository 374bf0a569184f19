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
//! - Slot `i < SLOTS` has at most one writer at a time: the live thread that
//!   claimed index `i`. That is why its counters can be updated with a plain
//!   `load` + `store` (no locked instruction) and still never lose an update.
//!   Other threads only read them.
//! - A thread claims an index on its first allocation and gives it back when
//!   it exits, so any number of threads over the process's life get a slot of
//!   their own as long as at most `SLOTS` are alive at once. The index is
//!   handed over through a bitmap, released with `Release` and claimed with
//!   `Acquire`, so the next owner's plain loads see the last owner's stores.
//! - A reused slot keeps its counts: they are history that the totals must
//!   keep, and [`measure`] works on differences, so nothing is ever reset or
//!   folded elsewhere (indices are shared by every [`Counters`], so a fold at
//!   exit would have to visit them all).
//! - A thread that finds no free index (more than `SLOTS` alive at once), and
//!   a thread that allocates after its slot was released (late in its
//!   teardown), count into one shared slot, `slots[SLOTS]`, with `fetch_add`:
//!   slower, and the process totals stay exact, but such a thread's own
//!   counts are mixed with others'. [`measure`] then says so
//!   ([`Stats::inexact`]) rather than return them as exact. A thread that
//!   found every index taken tries again when it next calls [`measure`],
//!   not on every allocation (that would put a bitmap scan in its path).
//! - Counts are exact: allocations, deallocations, reallocations, bytes
//!   allocated and freed, and live bytes (the sum over slots).
//! - Peak live bytes is exact while one thread allocates. Across threads each
//!   slot publishes its live-bytes changes to a shared total in batches of
//!   [`FLUSH_BYTES`], and the peak is checked whenever the shared total moves
//!   and whenever a thread reaches a new high of its own. The shared total is
//!   never further than the slots' unpublished bytes from the true total,
//!   so the recorded peak is within `(slots in use) * FLUSH_BYTES` of the
//!   true peak.
//! - Nothing on the counting path allocates, locks or panics: it runs
//!   *inside* the allocator.
//!
//! How a thread gets a slot of its own and gives it back when it exits, and
//! why that neither allocates nor recurses into this allocator, is in
//! `tracker/slots.rs`, the slot registry. This file holds the counters, the
//! hot path and the `GlobalAlloc` impl.

mod slots;

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use crate::Stats;
pub use slots::{RECYCLES_SLOTS, on_thread_exit};
use slots::{SHARED, claim_slot, slot_offset};

/// Threads that can hold a slot of their own at once; more threads alive at
/// the same time share one more slot.
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
// ANCHOR: slot_struct
#[repr(align(128))]
struct Slot {
    allocs: AtomicU64,
    deallocs: AtomicU64,
    reallocs: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_freed: AtomicU64,
    /// Highest live bytes this slot has reached since [`measure`] last
    /// restarted it (for a reused slot, earlier owners' history included:
    /// `measure` restarts it before it reads it).
    peak: AtomicI64,
    /// The live bytes this slot last published to the shared total.
    published: AtomicI64,
    /// An allocation leaves the hot path when live bytes reach this: a new
    /// high (`peak + 1`) or `published + FLUSH_BYTES`, whichever comes first.
    alloc_limit: AtomicI64,
    /// A free leaves the hot path when `bytes_freed` reaches this. Live bytes
    /// fall to `published - FLUSH_BYTES` when `bytes_freed` reaches
    /// `bytes_allocated - published + FLUSH_BYTES`; computed with the
    /// `bytes_allocated` of the last check, which only grows, so the limit is
    /// reached no later than the bound (sometimes earlier: then the slow path
    /// finds nothing to do and moves the limit).
    free_limit: AtomicI64,
}
// ANCHOR_END: slot_struct
// ANCHOR_END: slot

impl Slot {
    /// A slot that has seen nothing: its first allocation takes the slow path.
    const fn owned() -> Self {
        Self::with_limits(1, FLUSH_BYTES)
    }

    /// The shared slot: its limits send every call to the slow path, which
    /// counts with locked instructions. The hot path only ever *reads* it.
    const fn shared() -> Self {
        Self::with_limits(i64::MIN, i64::MIN)
    }

    const fn with_limits(alloc_limit: i64, free_limit: i64) -> Self {
        Slot {
            allocs: AtomicU64::new(0),
            deallocs: AtomicU64::new(0),
            reallocs: AtomicU64::new(0),
            bytes_allocated: AtomicU64::new(0),
            bytes_freed: AtomicU64::new(0),
            peak: AtomicI64::new(0),
            published: AtomicI64::new(0),
            alloc_limit: AtomicI64::new(alloc_limit),
            free_limit: AtomicI64::new(free_limit),
        }
    }

    /// This slot's live bytes (negative for a thread that frees more than it
    /// allocates, such as a consumer of another thread's data).
    #[inline]
    fn live(&self) -> i64 {
        self.bytes_allocated.load(Relaxed) as i64 - self.bytes_freed.load(Relaxed) as i64
    }

    /// Recomputes the two limits the hot path compares with. Owner only.
    fn set_limits(&self) {
        let published = self.published.load(Relaxed);
        let next_high = self.peak.load(Relaxed).saturating_add(1);
        self.alloc_limit
            .store(next_high.min(published + FLUSH_BYTES), Relaxed);
        self.free_limit.store(
            self.bytes_allocated.load(Relaxed) as i64 - published + FLUSH_BYTES,
            Relaxed,
        );
    }
}

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

/// The process-wide totals; not every slot.
impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counters")
            .field("totals", &self.totals())
            .finish_non_exhaustive()
    }
}

impl Counters {
    /// Counters at zero with every slot free; `const`, so they can be a `static`.
    pub const fn new() -> Self {
        let mut slots = [const { Slot::owned() }; SLOTS + 1];
        slots[SHARED] = Slot::shared();
        Counters {
            slots,
            published: AtomicI64::new(0),
            peak: AtomicI64::new(0),
        }
    }

    // ANCHOR: hot_path
    /// The calling thread's slot as the hot path sees it: its own, or the
    /// shared one (whose limits send every call to the slow path).
    #[inline]
    fn slot(&self) -> &Slot {
        let offset = slot_offset();
        // SAFETY: `slot_offset` returns SLOT_OFFSET, which only the registry's
        // `set_slot_index` sets, to an index from `TAKEN` (< SLOTS) or SHARED
        // (= SLOTS) times the size of a slot, and `slots` has SLOTS + 1 of
        // them: the result is a whole `Slot` inside `self.slots`.
        unsafe { &*self.slots.as_ptr().byte_add(offset) }
    }

    // ANCHOR: on_alloc
    /// Records an allocation of `size` bytes.
    #[inline]
    fn on_alloc(&self, size: u64) {
        let s = self.slot();
        // We are the only writer of this slot: plain loads and stores. One
        // comparison catches both a new high and a publish bound.
        let allocated = s.bytes_allocated.load(Relaxed).wrapping_add(size);
        let live = allocated as i64 - s.bytes_freed.load(Relaxed) as i64;
        if live >= s.alloc_limit.load(Relaxed) {
            return self.slow(1, 0, size, 0);
        }
        s.bytes_allocated.store(allocated, Relaxed);
        add_owned(&s.allocs, 1);
    }
    // ANCHOR_END: on_alloc

    /// Records a deallocation of `size` bytes.
    #[inline]
    fn on_dealloc(&self, size: u64) {
        let s = self.slot();
        let freed = s.bytes_freed.load(Relaxed).wrapping_add(size);
        if freed as i64 >= s.free_limit.load(Relaxed) {
            return self.slow(0, 1, 0, size);
        }
        s.bytes_freed.store(freed, Relaxed);
        add_owned(&s.deallocs, 1);
    }

    /// Records a realloc from `old` to `new` bytes: a new block replacing the
    /// old one (dhat counts it the same way). Not on the hot path: a realloc
    /// may copy the block, so it goes through the slow path every time.
    #[inline]
    fn on_realloc(&self, old: u64, new: u64) {
        self.slow(0, 0, new, old);
    }

    /// Everything the hot path does not do: claiming a slot, the shared slot,
    /// reallocs, and settling a slot that reached one of its limits. `allocs`
    /// and `deallocs` are 0 or 1; neither means a realloc.
    #[cold]
    fn slow(&self, allocs: u64, deallocs: u64, allocated: u64, freed: u64) {
        let realloc = allocs + deallocs == 0;
        let i = claim_slot(false);
        if i >= SLOTS {
            return self.on_shared_slot(allocs, deallocs, realloc, allocated, freed);
        }
        let s = &self.slots[i];
        add_owned(&s.allocs, allocs);
        add_owned(&s.deallocs, deallocs);
        add_owned(&s.reallocs, realloc as u64);
        add_owned(&s.bytes_allocated, allocated);
        add_owned(&s.bytes_freed, freed);
        let live = s.live();
        if live > s.peak.load(Relaxed) {
            // A new high for this thread (rare once a program reaches its
            // working set): the only time, besides publishing, that the
            // process-wide peak is checked.
            s.peak.store(live, Relaxed);
            let unpublished = live - s.published.load(Relaxed);
            self.raise_peak(self.published.load(Relaxed) + unpublished);
        }
        if (live - s.published.load(Relaxed)).abs() >= FLUSH_BYTES {
            self.publish(s, live);
        }
        s.set_limits();
    }

    /// Adds this slot's live bytes not yet published to the shared total and
    /// checks the process-wide peak against the new total. Runs once per
    /// FLUSH_BYTES of change, not per call.
    fn publish(&self, s: &Slot, live: i64) {
        let unpublished = live - s.published.load(Relaxed);
        s.published.store(live, Relaxed);
        let total = self.published.fetch_add(unpublished, Relaxed) + unpublished;
        self.raise_peak(total);
    }

    #[inline]
    fn raise_peak(&self, total: i64) {
        if total > self.peak.load(Relaxed) {
            self.peak.fetch_max(total, Relaxed);
        }
    }

    /// The slot shared by threads without one of their own: several
    /// writers, so locked adds, and every change is published at once.
    fn on_shared_slot(
        &self,
        allocs: u64,
        deallocs: u64,
        realloc: bool,
        allocated: u64,
        freed: u64,
    ) {
        let s = &self.slots[SHARED];
        s.allocs.fetch_add(allocs, Relaxed);
        s.deallocs.fetch_add(deallocs, Relaxed);
        s.reallocs.fetch_add(realloc as u64, Relaxed);
        s.bytes_allocated.fetch_add(allocated, Relaxed);
        s.bytes_freed.fetch_add(freed, Relaxed);
        let delta = allocated as i64 - freed as i64;
        let total = self.published.fetch_add(delta, Relaxed) + delta;
        self.raise_peak(total);
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

    /// The counters of the calling thread's slot: exact whatever other
    /// threads do, unless the thread has no slot of its own (then
    /// `inexact` is set).
    pub fn this_thread(&self) -> Stats {
        let i = claim_slot(false);
        let s = &self.slots[i];
        Stats {
            allocs: s.allocs.load(Relaxed),
            deallocs: s.deallocs.load(Relaxed),
            reallocs: s.reallocs.load(Relaxed),
            bytes_allocated: s.bytes_allocated.load(Relaxed),
            bytes_freed: s.bytes_freed.load(Relaxed),
            live_bytes: s.live(),
            peak_live_bytes: s.peak.load(Relaxed),
            inexact: i >= SLOTS,
        }
    }

    /// True if the calling thread has a slot of its own.
    pub fn thread_is_exact(&self) -> bool {
        claim_slot(false) < SLOTS
    }

    /// Restarts the calling thread's peak at its current live bytes and
    /// returns the peak it had. A thread without a slot tries again to claim
    /// one first (one may have been freed since).
    fn restart_thread_peak(&self) -> i64 {
        let i = claim_slot(true);
        if i >= SLOTS {
            return 0; // shared: no peak of its own to restart
        }
        let s = &self.slots[i];
        let old = s.peak.load(Relaxed);
        // Only this thread writes its slot, so these stores race with no one.
        s.peak.store(s.live(), Relaxed);
        s.set_limits();
        old
    }

    fn restore_thread_peak(&self, old: i64) {
        let i = claim_slot(false);
        if i >= SLOTS {
            return;
        }
        let s = &self.slots[i];
        if old > s.peak.load(Relaxed) {
            s.peak.store(old, Relaxed);
            s.set_limits();
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

/// The allocator it wraps; the counters are read with [`Counters::this_thread`]
/// and [`Counters::totals`], not printed.
impl<A: std::fmt::Debug> std::fmt::Debug for Tracker<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
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

    /// The counters this tracker adds to: [`COUNTERS`], or its own.
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
            self.counters.on_alloc(layout.size() as u64);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`; `inner` does the zeroing (often for free,
        // with memory fresh from the OS).
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        if !p.is_null() {
            self.counters.on_alloc(layout.size() as u64);
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
                .on_realloc(layout.size() as u64, new_size as u64);
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
/// Exact as long as the thread has a slot of its own, that is while at most
/// [`SLOTS`] threads are alive at once (any number may have come and gone
/// before). A thread past that shares a slot with others: then the counts
/// mix in their work and the result says so with `inexact: true`.
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
    s.allocs >= 1 // more only if the thread shares a slot (`inexact`)
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
