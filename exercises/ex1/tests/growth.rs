//! Exact allocation counts for Vec and String growth. Each expectation is
//! derived from the standard library's documented-in-source growth policy,
//! not copied from the program's output.

use std::alloc::System;
use std::hint::black_box;

use ex1::{Tracker, growth};

#[global_allocator]
static GLOBAL: Tracker<System> = Tracker::new(System);

// ANCHOR: policy
/// `RawVec`'s policy: the first buffer holds at least 8 elements of 1 byte,
/// 4 of up to 1 KiB, else 1; each growth takes max(2 x capacity, needed).
fn expected_capacities(elem_size: usize, len: usize) -> Vec<usize> {
    let min = match elem_size {
        1 => 8,
        ..=1024 => 4,
        _ => 1,
    };
    let mut caps = Vec::new();
    let mut cap = 0;
    for needed in 1..=len {
        if needed > cap {
            cap = (cap * 2).max(needed).max(min);
            caps.push(cap);
        }
    }
    caps
}
// ANCHOR_END: policy

fn check_push<T: Default>(len: usize) {
    let size = std::mem::size_of::<T>();
    let (caps, s) = growth::push_growth::<T>(len);
    let want = expected_capacities(size, len);
    assert_eq!(caps, want, "capacities for {len} x {size} B");
    assert_eq!(
        s.allocs, 1,
        "pushing {len} x {size} B: your code made {} allocations; the reference makes 1 (the first buffer)",
        s.allocs
    );
    assert_eq!(
        s.reallocs,
        want.len() as u64 - 1,
        "pushing {len} x {size} B: your code made {} reallocs; the reference makes {} (one per growth after the first buffer)",
        s.reallocs,
        want.len() - 1
    );
    assert_eq!(
        s.deallocs, 1,
        "your code freed {} buffers inside measure; the reference drops its one vector there",
        s.deallocs
    );
    let bytes: usize = want.iter().map(|c| c * size).sum();
    assert_eq!(
        s.bytes_allocated, bytes as u64,
        "bytes requested: your code (left), the reference (right)"
    );
    assert_eq!(s.peak_live_bytes, (want.last().unwrap() * size) as i64);
    assert_eq!(s.live_bytes, 0);
}

#[test]
fn push_grows_by_doubling_from_a_size_dependent_minimum() {
    for len in [1, 10, 100, 1000] {
        check_push::<u8>(len);
        check_push::<u64>(len);
        check_push::<[u64; 4]>(len);
        check_push::<growth::Big>(len);
    }
    // Spelled out once: 1000 u64 pushes go 4, 8, ..., 1024: 1 alloc, 8 reallocs.
    assert_eq!(expected_capacities(8, 1000).len(), 9);
}

#[test]
fn with_capacity_allocates_once() {
    let (caps, s) = growth::with_capacity::<u64>(1000);
    assert_eq!(caps, vec![1000]);
    assert_eq!((s.allocs, s.reallocs, s.bytes_allocated), (1, 0, 8000));
}

#[test]
fn collect_from_exact_size_allocates_once_and_filter_grows() {
    let (cap, s) = growth::collect_exact(1000);
    assert_eq!(
        (cap, s.allocs, s.reallocs, s.bytes_allocated),
        (1000, 1, 0, 8000)
    );
    // A filter's lower size bound is 0: the first buffer takes max(4, 0 + 1)
    // and then grows like push.
    let (cap, s) = growth::collect_filtered(1000);
    assert_eq!(cap, 1024);
    assert_eq!((s.allocs, s.reallocs), (1, 8));
}

#[test]
fn shrink_to_fit_is_one_realloc_down() {
    let (before, after, s) = growth::shrink_to_fit(600);
    assert_eq!((before, after), (1200, 600));
    assert_eq!((s.allocs, s.reallocs, s.deallocs), (0, 1, 0));
    assert_eq!((s.bytes_allocated, s.bytes_freed), (4800, 9600));
    assert_eq!(s.live_bytes, -4800);
}

#[test]
fn given_string_patterns() {
    let name = black_box("ferris-the-crab"); // 15 bytes
    // to_string: one exact allocation of 15 bytes.
    let (len, s) = growth::to_string_once(name);
    assert_eq!(len, 15);
    assert_eq!((s.allocs, s.reallocs, s.bytes_allocated), (1, 0, 15));

    // "user " + ": " is 7 literal bytes, first piece non-empty: estimate 14.
    // The text is 23 bytes: one realloc to max(28, 23) = 28.
    let (len, s) = growth::format_user(black_box(7), name);
    assert_eq!(len, 23);
    assert_eq!((s.allocs, s.reallocs, s.bytes_allocated), (1, 1, 14 + 28));

    // format! in a loop: the same alloc + realloc, 1000 times, each freed.
    let (_, s) = growth::format_in_a_loop(name);
    assert_eq!((s.allocs, s.reallocs, s.deallocs), (1000, 1000, 1000));
}

#[test]
fn string_reuse_warms_up_then_allocates_nothing() {
    let name = black_box("ferris-the-crab");
    let mut buf = String::new();
    // "0: ferris-the-crab" needs 8 then 18; "10: ..." needs 19 > 18, so
    // max(36, 19) = 36, enough for everything after.
    let (total, s) = growth::write_reused(&mut buf, name);
    let want: usize = (0..1000u32).map(|i| format!("{i}: {name}").len()).sum();
    assert_eq!(
        total, want,
        "total length of the thousand lines: yours (left), the reference's (right)"
    );
    assert_eq!(
        (s.allocs, s.reallocs, s.deallocs),
        (1, 2, 0),
        "your loop made (allocs, reallocs, deallocs) on the left; the reference warms one \
         buffer up with 1 alloc and 2 reallocs and frees nothing"
    );
    let (_, s) = growth::write_reused(&mut buf, name);
    assert_eq!(
        s,
        ex1::Stats::default(),
        "a warm buffer allocates nothing; your loop did: {s:?}"
    );
}

#[test]
fn measure_is_exact_on_its_thread_and_reports_the_peak() {
    let (_, s) = ex1::measure(|| {
        // black_box: otherwise the optimiser may remove an unused allocation.
        let a = std::hint::black_box(vec![0u8; 1000]);
        let b = std::hint::black_box(vec![0u8; 500]);
        drop(a);
        let c = std::hint::black_box(vec![0u8; 200]);
        (b, c)
    });
    assert_eq!((s.allocs, s.deallocs), (3, 1));
    assert_eq!(s.peak_live_bytes, 1500);
    assert_eq!(s.live_bytes, 700);
    assert!(ex1::tracking_is_active());
}

#[test]
fn process_totals_see_other_threads() {
    let (_, s) = ex1::measure_process(|| {
        std::thread::spawn(|| std::hint::black_box(vec![0u8; 100_000]))
            .join()
            .unwrap()
    });
    assert!(s.bytes_allocated >= 100_000);
}
