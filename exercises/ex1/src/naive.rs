//! The classic tracking allocator: every counter is one global atomic.
//!
//! It is correct, short, and exact at any moment. It is also a trap for
//! multi-threaded programs: every allocation on every core does several
//! read-modify-write operations on the *same* cache lines, which then bounce
//! between cores (cache-line ping-pong). Chapter 1 measures what that costs.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use crate::Stats;

// ANCHOR: naive
/// A tracking allocator whose counters are shared atomics.
#[derive(Debug)]
pub struct NaiveTracker<A> {
    inner: A,
    allocs: AtomicU64,
    deallocs: AtomicU64,
    reallocs: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_freed: AtomicU64,
    live: AtomicI64,
    peak: AtomicI64,
}

impl<A> NaiveTracker<A> {
    /// Wraps `inner` with every counter at zero; `const`, so it can be a `static`.
    pub const fn new(inner: A) -> Self {
        NaiveTracker {
            inner,
            allocs: AtomicU64::new(0),
            deallocs: AtomicU64::new(0),
            reallocs: AtomicU64::new(0),
            bytes_allocated: AtomicU64::new(0),
            bytes_freed: AtomicU64::new(0),
            live: AtomicI64::new(0),
            peak: AtomicI64::new(0),
        }
    }

    fn grew(&self, bytes: u64) {
        let live = self.live.fetch_add(bytes as i64, Relaxed) + bytes as i64;
        self.peak.fetch_max(live, Relaxed);
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments
// unchanged and returns its result unchanged; the counting only touches
// atomics, never allocates and cannot panic.
unsafe impl<A: GlobalAlloc> GlobalAlloc for NaiveTracker<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // ANCHOR: task_naive_alloc
        // SAFETY: our caller guarantees `layout` has a non-zero size, which is
        // all `inner.alloc` requires.
        let p = unsafe { self.inner.alloc(layout) };
        if !p.is_null() {
            self.allocs.fetch_add(1, Relaxed);
            self.bytes_allocated
                .fetch_add(layout.size() as u64, Relaxed);
            self.grew(layout.size() as u64);
        }
        p
        // ANCHOR_END: task_naive_alloc
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        if !p.is_null() {
            self.allocs.fetch_add(1, Relaxed);
            self.bytes_allocated
                .fetch_add(layout.size() as u64, Relaxed);
            self.grew(layout.size() as u64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: our caller guarantees `ptr` came from this allocator (hence
        // from `inner`) with this `layout`.
        unsafe { self.inner.dealloc(ptr, layout) };
        self.deallocs.fetch_add(1, Relaxed);
        self.bytes_freed.fetch_add(layout.size() as u64, Relaxed);
        self.live.fetch_sub(layout.size() as i64, Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: our caller guarantees `ptr`/`layout` describe a live block of
        // ours and that `new_size` is valid for `layout.align()`.
        let p = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            self.reallocs.fetch_add(1, Relaxed);
            self.bytes_allocated.fetch_add(new_size as u64, Relaxed);
            self.bytes_freed.fetch_add(layout.size() as u64, Relaxed);
            if new_size >= layout.size() {
                self.grew((new_size - layout.size()) as u64);
            } else {
                self.live
                    .fetch_sub((layout.size() - new_size) as i64, Relaxed);
            }
        }
        p
    }
}
// ANCHOR_END: naive

impl<A> NaiveTracker<A> {
    /// The counters now, read one by one (exact once other threads are quiet).
    pub fn stats(&self) -> Stats {
        Stats {
            allocs: self.allocs.load(Relaxed),
            deallocs: self.deallocs.load(Relaxed),
            reallocs: self.reallocs.load(Relaxed),
            bytes_allocated: self.bytes_allocated.load(Relaxed),
            bytes_freed: self.bytes_freed.load(Relaxed),
            live_bytes: self.live.load(Relaxed),
            peak_live_bytes: self.peak.load(Relaxed),
            inexact: false,
        }
    }
}
