//! The `GlobalAlloc` contract, checked for both trackers over sizes from 1 byte
//! to 1 MiB and alignments from 1 to 4096: blocks are non-null, aligned and
//! writable; `realloc` keeps contents; `alloc_zeroed` zeroes; failure (null)
//! passes through uncounted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;

use ex1::{Counters, NaiveTracker, Tracker};

static COUNTERS: Counters = Counters::new();
static TRACKED: Tracker<System> = Tracker::with_counters(System, &COUNTERS);
static NAIVE: NaiveTracker<System> = NaiveTracker::new(System);

fn sizes() -> Vec<usize> {
    let mut v = Vec::new();
    let mut s = 1;
    while s <= 1 << 20 {
        v.extend([s, s + 1, s + s / 2 + 3]);
        s *= 2;
    }
    v.retain(|&s| s <= 1 << 20);
    v
}

fn aligns() -> impl Iterator<Item = usize> {
    (0..=12).map(|k| 1usize << k)
}

fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 8)) as u8
}

fn check_alloc_write_free<A: GlobalAlloc>(a: &A) -> u64 {
    let mut n = 0;
    for size in sizes() {
        for align in aligns() {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: size >= 1.
            let p = unsafe { a.alloc(layout) };
            assert!(!p.is_null(), "alloc({size}, {align}) returned null");
            assert_eq!(p as usize % align, 0, "alloc({size}, {align}) misaligned");
            // SAFETY: p is a fresh block of `size` bytes.
            unsafe {
                ptr::write_bytes(p, 0xA5, size);
                assert_eq!(*p.add(size - 1), 0xA5);
                a.dealloc(p, layout);
            }
            n += 1;
        }
    }
    n
}

fn check_zeroed<A: GlobalAlloc>(a: &A) {
    for size in sizes() {
        for align in [1, 16, 4096] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: size >= 1.
            let p = unsafe { a.alloc_zeroed(layout) };
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0);
            // SAFETY: p points to `size` initialised (zeroed) bytes.
            let bytes = unsafe { std::slice::from_raw_parts(p, size) };
            assert!(
                bytes.iter().all(|&b| b == 0),
                "alloc_zeroed({size}, {align}) not zeroed"
            );
            // SAFETY: p was allocated with `layout`.
            unsafe { a.dealloc(p, layout) };
        }
    }
}

fn check_realloc_keeps_contents<A: GlobalAlloc>(a: &A) {
    for size in sizes() {
        for align in [1, 8, 64, 4096] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: size >= 1; every access below stays inside the block.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                for i in 0..size {
                    *p.add(i) = pattern(i);
                }
                // Grow: the old contents must survive.
                let grown = size * 2 + 5;
                let q = a.realloc(p, layout, grown);
                assert!(!q.is_null());
                assert_eq!(q as usize % align, 0, "realloc kept alignment");
                for i in 0..size {
                    assert_eq!(*q.add(i), pattern(i), "realloc up lost byte {i} of {size}");
                }
                // Shrink: the prefix must survive.
                let small = size.div_ceil(2);
                let grown_layout = Layout::from_size_align(grown, align).unwrap();
                let r = a.realloc(q, grown_layout, small);
                assert!(!r.is_null());
                for i in 0..small {
                    assert_eq!(*r.add(i), pattern(i), "realloc down lost byte {i}");
                }
                a.dealloc(r, Layout::from_size_align(small, align).unwrap());
            }
        }
    }
}

#[test]
fn thread_owned_tracker_keeps_the_contract() {
    let before = COUNTERS.this_thread();
    let n = check_alloc_write_free(&TRACKED);
    check_zeroed(&TRACKED);
    check_realloc_keeps_contents(&TRACKED);
    let s = COUNTERS.this_thread().since(&before);
    assert!(n > 600, "many size x alignment pairs ({n})");
    assert_eq!(s.allocs, s.deallocs, "every block freed");
    assert_eq!(s.live_bytes, 0);
    assert_eq!(s.bytes_allocated, s.bytes_freed);
}

#[test]
fn naive_tracker_keeps_the_contract() {
    check_alloc_write_free(&NAIVE);
    check_zeroed(&NAIVE);
    check_realloc_keeps_contents(&NAIVE);
    let s = NAIVE.stats();
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
