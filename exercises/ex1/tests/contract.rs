//! The `GlobalAlloc` contract, checked for both trackers with
//! [`ex1::contract::check`] (sizes from 1 byte to 1 MiB, alignments from 1 to
//! 4096, many threads: blocks are non-null, aligned and writable; `realloc`
//! keeps contents; `alloc_zeroed` zeroes), and what is the trackers' own:
//! they count every block, and failure (null) passes through uncounted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;

use ex1::{Counters, NaiveTracker, Tracker};

static COUNTERS: Counters = Counters::new();
static TRACKED: Tracker<System> = Tracker::with_counters(System, &COUNTERS);
static NAIVE: NaiveTracker<System> = NaiveTracker::new(System);

#[test]
fn thread_owned_tracker_keeps_the_contract() {
    let n = ex1::contract::check(&TRACKED);
    let s = COUNTERS.totals();
    assert!(n > 1000, "many blocks ({n})");
    assert_eq!(s.allocs, n, "every block counted");
    assert_eq!(s.allocs, s.deallocs, "every block freed");
    assert_eq!(s.live_bytes, 0);
    assert_eq!(s.bytes_allocated, s.bytes_freed);
}

#[test]
fn naive_tracker_keeps_the_contract() {
    let n = ex1::contract::check(&NAIVE);
    let s = NAIVE.stats();
    assert_eq!(s.allocs, n, "every block counted");
    assert_eq!(s.allocs, s.deallocs);
    assert_eq!(s.live_bytes, 0);
}

/// An allocator that always fails, to check null passes through uncounted.
struct Refuses;

// SAFETY: returning null is always a valid failure; dealloc is never reached
// because no block is ever handed out.
unsafe impl GlobalAlloc for Refuses {
    unsafe fn alloc(&self, _: Layout) -> *mut u8 {
        ptr::null_mut()
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
    unsafe fn realloc(&self, _: *mut u8, _: Layout, _: usize) -> *mut u8 {
        ptr::null_mut()
    }
}

static REFUSED: Counters = Counters::new();

#[test]
fn failure_passes_through_as_null_and_is_not_counted() {
    let t = Tracker::with_counters(Refuses, &REFUSED);
    let n = NaiveTracker::new(Refuses);
    let layout = Layout::from_size_align(64, 8).unwrap();
    let mut block = [0u8; 64];
    // SAFETY: valid layouts; the realloc'd "block" is never touched by Refuses.
    unsafe {
        assert!(t.alloc(layout).is_null());
        assert!(t.alloc_zeroed(layout).is_null());
        assert!(t.realloc(block.as_mut_ptr(), layout, 128).is_null());
        assert!(n.alloc(layout).is_null());
        assert!(n.alloc_zeroed(layout).is_null());
        assert!(n.realloc(block.as_mut_ptr(), layout, 128).is_null());
    }
    assert_eq!(REFUSED.totals(), ex1::Stats::default());
    assert_eq!(n.stats(), ex1::Stats::default());
}

#[test]
fn threads_beyond_the_slots_share_one_and_stay_exact() {
    static MANY: Counters = Counters::new();
    static T: Tracker<System> = Tracker::with_counters(System, &MANY);
    // More threads than slots, so the later ones use the shared slot.
    let threads = ex1::SLOTS + 20;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let layout = Layout::from_size_align(100, 8).unwrap();
                for _ in 0..50 {
                    // SAFETY: non-zero size; the block is freed once.
                    unsafe {
                        let p = T.alloc(layout);
                        assert!(!p.is_null());
                        T.dealloc(p, layout);
                    }
                }
            });
        }
    });
    let s = MANY.totals();
    assert_eq!(s.allocs, threads as u64 * 50);
    assert_eq!(s.bytes_freed, threads as u64 * 50 * 100);
    assert_eq!(s.live_bytes, 0);
}
