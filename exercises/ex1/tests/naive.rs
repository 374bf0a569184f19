//! The naive tracker's four `GlobalAlloc` methods, one test each. Every test
//! gets its blocks from `System` directly where it needs one, so each method
//! is checked on its own: in the starter copy, writing `dealloc` turns its
//! test green even while `alloc` is still a `todo!()`.

use std::alloc::{GlobalAlloc, Layout, System};

use ex1::{NaiveTracker, Stats};

/// An allocator that always fails, to check that failure is not counted.
struct Refuses;

// SAFETY: returning null is always a valid answer from `alloc`; nothing is
// ever handed out, so `dealloc` is never called with a block of ours.
unsafe impl GlobalAlloc for Refuses {
    unsafe fn alloc(&self, _: Layout) -> *mut u8 {
        std::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 16).unwrap()
}

#[test]
fn alloc_counts_one_block_and_its_bytes() {
    let t = NaiveTracker::new(System);
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { t.alloc(layout(100)) };
    assert!(!p.is_null());
    assert_eq!(
        p as usize % 16,
        0,
        "the inner allocator's alignment is kept"
    );
    let s = t.stats();
    assert_eq!(
        (s.allocs, s.bytes_allocated),
        (1, 100),
        "one alloc of 100 B: (allocs, bytes) as your alloc counted them (left) and as the reference does (right)"
    );
    assert_eq!(
        (s.live_bytes, s.peak_live_bytes),
        (100, 100),
        "(live, peak) bytes after your alloc (left) and the reference's (right)"
    );
    // SAFETY: `p` came from System (the tracker's inner) with this layout.
    unsafe { System.dealloc(p, layout(100)) };

    let refused = NaiveTracker::new(Refuses);
    // SAFETY: as above.
    assert!(unsafe { refused.alloc(layout(100)) }.is_null());
    assert_eq!(
        refused.stats(),
        Stats::default(),
        "a failed alloc counts nothing"
    );
}

#[test]
fn alloc_zeroed_counts_like_alloc_and_zeroes() {
    let t = NaiveTracker::new(System);
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { t.alloc_zeroed(layout(4096)) };
    assert!(!p.is_null());
    // SAFETY: `p` points to 4096 bytes we own.
    let bytes = unsafe { std::slice::from_raw_parts(p, 4096) };
    assert!(bytes.iter().all(|&b| b == 0));
    let s = t.stats();
    assert_eq!(
        (s.allocs, s.bytes_allocated, s.live_bytes),
        (1, 4096, 4096),
        "one zeroed alloc of 4096 B: (allocs, bytes, live) as your alloc_zeroed counted them (left) and as the reference does (right)"
    );
    // SAFETY: `p` came from System with this layout.
    unsafe { System.dealloc(p, layout(4096)) };
}

#[test]
fn dealloc_counts_the_block_and_lowers_live_bytes() {
    let t = NaiveTracker::new(System);
    // SAFETY: the layout has a non-zero size; the block is the tracker's
    // inner allocator's, so the tracker may free it.
    unsafe {
        let p = System.alloc(layout(64));
        assert!(!p.is_null());
        t.dealloc(p, layout(64));
    }
    let s = t.stats();
    assert_eq!(
        (s.deallocs, s.bytes_freed),
        (1, 64),
        "one free of 64 B: (deallocs, bytes freed) as your dealloc counted them (left) and as the reference does (right)"
    );
    assert_eq!(
        s.live_bytes, -64,
        "freed without being counted in: below zero"
    );
    assert_eq!(s.allocs, 0);
}

#[test]
fn realloc_counts_new_size_in_and_old_size_out() {
    let t = NaiveTracker::new(System);
    // SAFETY: blocks come from the tracker's inner allocator with the layouts
    // given back; new sizes are non-zero and valid for the alignment.
    unsafe {
        let p = System.alloc(layout(100));
        assert!(!p.is_null());
        p.write_bytes(7, 100);
        let q = t.realloc(p, layout(100), 1000);
        assert!(!q.is_null());
        assert!(
            std::slice::from_raw_parts(q, 100).iter().all(|&b| b == 7),
            "contents kept"
        );
        let s = t.stats();
        assert_eq!(
            (s.reallocs, s.bytes_allocated, s.bytes_freed),
            (1, 1000, 100)
        );
        assert_eq!((s.live_bytes, s.peak_live_bytes), (900, 900), "grew by 900");

        let r = t.realloc(q, layout(1000), 10);
        assert!(!r.is_null());
        let s = t.stats();
        assert_eq!(
            (s.reallocs, s.bytes_allocated, s.bytes_freed),
            (2, 1010, 1100)
        );
        assert_eq!(
            (s.live_bytes, s.peak_live_bytes),
            (-90, 900),
            "shrank by 990"
        );
        System.dealloc(r, layout(10));

        // A failed realloc leaves the old block alone and counts nothing.
        let refused = NaiveTracker::new(Refuses);
        let p = System.alloc(layout(100));
        assert!(refused.realloc(p, layout(100), 1000).is_null());
        assert_eq!(refused.stats(), Stats::default());
        System.dealloc(p, layout(100));
    }
    assert_eq!(t.stats().allocs, 0, "a realloc is not an allocation");
}
