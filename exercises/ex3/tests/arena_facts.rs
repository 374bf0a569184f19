//! Every fact chapter 3 states about bumpalo's arena, checked. Expected
//! values are derived from bumpalo 3.20.4's documented behaviour and source
//! (the pinned version), each with its reasoning, never copied from output.

use std::alloc::System;
use std::cell::Cell;

use bumpalo::Bump;
use ex3::{chunks, drops, layout, report};

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

#[test]
fn bump_new_allocates_nothing_until_first_use() {
    let (bump, s) = ex1::measure(Bump::new);
    assert_eq!(s.allocs, 0);
    assert_eq!(bump.allocated_bytes(), 0);
    let (_, s) = ex1::measure(|| {
        bump.alloc(1u8);
    });
    assert_eq!(s.allocs, 1, "the first value takes the first chunk");
}

#[test]
fn values_are_adjacent_and_bumped_downward() {
    let tour = layout::tour();
    let p = &tour.placements;
    assert_eq!(p.len(), 8);
    assert_eq!(p[0].offset, 0, "offsets are relative to the first value");
    for w in p.windows(2) {
        assert!(
            w[1].offset < w[0].offset,
            "each value below the previous one: {w:?}"
        );
        // The gap is padding only, and less than the alignment needed.
        assert_eq!(
            w[1].offset + (w[1].size + w[1].padding) as isize,
            w[0].offset,
            "{w:?}"
        );
        assert!(w[1].padding < w[1].align, "{w:?}");
    }
    assert!(p.iter().all(|x| x.aligned), "every value is aligned");
    // Same or weaker alignment than the byte below the previous value offers:
    // back to back. u64 after u64 (-8), Point (align 4) after u64 (-16), u8
    // (-17), str after u64 (align 1), [u16] after str: offset -44 is even.
    for (i, want) in [(1, -8), (2, -16), (3, -17)] {
        assert_eq!((p[i].offset, p[i].padding), (want, 0), "{:?}", p[i]);
    }
    // A u64 below the u8 at -17: -17 - 8 = -25 is rounded down to -32, since
    // the first value (offset 0) is 8-aligned; 7 bytes of padding.
    assert_eq!((p[4].offset, p[4].padding), (-32, 7));
    // "hello, arena" is 12 bytes at align 1: -44; three u16s: 6 bytes at -50.
    assert_eq!((p[5].size, p[5].offset, p[5].padding), (12, -44, 0));
    assert_eq!((p[6].size, p[6].offset, p[6].padding), (6, -50, 0));
    // Aligned16 needs 16: padding below -50 is whatever reaches the next
    // multiple of 16, so less than 16 (checked above) and the value aligned.
    assert_eq!((p[7].size, p[7].align), (16, 16));
}

#[test]
fn allocated_bytes_is_chunk_capacity_not_bytes_in_use() {
    let tour = layout::tour();
    assert!(tour.bytes_used < 100);
    assert!(tour.allocated_bytes > tour.bytes_used);
    assert_eq!(tour.global.allocs, 1, "everything fits in the first chunk");
    assert_eq!(tour.global.deallocs, 1, "dropping the arena frees it");
}

#[test]
fn chunks_roughly_double_and_the_global_allocator_sees_one_call_each() {
    let g = chunks::growth(10_000);
    let n = g.steps.len();
    assert!(n >= 5, "80,000 bytes of values need several chunks");
    assert_eq!(
        g.global.allocs as usize, n,
        "one global allocation per chunk"
    );
    assert_eq!(
        g.global.deallocs as usize, n,
        "all freed when the arena drops"
    );
    assert_eq!(g.global.live_bytes, 0);
    assert_eq!(
        g.steps[0].values_before, 0,
        "the first chunk comes with the first value"
    );
    for w in g.steps.windows(2) {
        // bumpalo asks for twice the previous capacity, then rounds so that
        // the chunk plus overhead is a power of two (or whole pages): between
        // 2x and 2x plus one page.
        let (a, b) = (w[0].capacity, w[1].capacity);
        assert!(b >= 2 * a && b <= 2 * a + 4096, "{a} -> {b}");
        assert_eq!(w[1].allocated_bytes, w[0].allocated_bytes + b);
        // A new chunk is needed only when the previous is full: it held at
        // least its capacity minus one value's worth of bytes.
        let held = (w[1].values_before - w[0].values_before) * 8;
        assert!(held <= a && held + 8 > a, "chunk of {a} held {held}");
    }
    let sum: usize = g.steps.iter().map(|s| s.capacity).sum();
    assert_eq!(
        sum, g.allocated_bytes,
        "allocated_bytes is the sum of capacities"
    );
    // Each global request is the capacity plus a fixed-size footer, and
    // `allocated_bytes_including_metadata` counts exactly those requests.
    let footer = g.steps[0].requested as usize - g.steps[0].capacity;
    assert!(
        footer > 0
            && g.steps
                .iter()
                .all(|s| s.requested as usize - s.capacity == footer)
    );
    assert_eq!(g.global.bytes_allocated as usize, g.including_metadata);
    assert!(g.allocated_bytes >= g.values * g.value_size);
}

#[test]
fn arena_values_are_never_dropped_but_bumpalo_box_is() {
    let cases = drops::drop_cases(3);
    let by = |how: &str| cases.iter().find(|c| c.how.starts_with(how)).unwrap();
    assert_eq!(by("bump.alloc(Counted)").drops_ran, Some(0));
    assert_eq!(
        by("bump.alloc(Counted)").leaked_bytes,
        0,
        "Counted owns no heap memory"
    );
    assert_eq!(by("bumpalo::boxed::Box").drops_ran, Some(3));
    // Neither the tuple's Counted nor its String is dropped, so each
    // String's 100-byte heap buffer is never freed: 3 x 100 bytes.
    assert_eq!(by("bump.alloc((Counted, String").drops_ran, Some(0));
    assert_eq!(by("bump.alloc((Counted, String").leaked_bytes, 300);
    assert_eq!(
        by("bump.alloc_str").leaked_bytes,
        0,
        "the bytes were copied in"
    );
}

#[test]
fn dropping_a_bump_runs_no_destructor_directly() {
    let drops = Cell::new(0);
    {
        let bump = Bump::new();
        bump.alloc(drops::Counted(&drops));
        let _boxed = bumpalo::boxed::Box::new_in(drops::Counted(&drops), &bump);
    } // _boxed drops first (runs Drop), then the arena (runs nothing)
    assert_eq!(drops.get(), 1);
}

#[test]
fn the_limit_is_a_graceful_error_never_exceeded() {
    let r = drops::limit_run(4096);
    assert_eq!(r.error, "memory allocation failed");
    assert!(r.allocated_bytes <= r.limit);
    assert!(r.succeeded > 0 && r.succeeded * r.value_size <= r.allocated_bytes);
    assert!(r.chunks >= 1);
    // And a limit below the first chunk's size: the first try_alloc already
    // fails, without any chunk being taken.
    let r = drops::limit_run(1);
    assert_eq!((r.succeeded, r.chunks, r.allocated_bytes), (0, 0, 0));
}

#[test]
fn plain_alloc_past_the_limit_panics_and_try_alloc_does_not() {
    let bump = Bump::new();
    bump.set_allocation_limit(Some(0));
    assert!(bump.try_alloc(5u32).is_err());
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // keep the expected panic quiet
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        bump.alloc(5u32);
    }));
    std::panic::set_hook(hook);
    assert!(
        panicked.is_err(),
        "alloc past the limit panics with 'out of memory'"
    );
}

#[test]
fn the_verdict_follows_the_interval_of_the_median_ratio() {
    use kit::Verdict;
    let of = |samples: &[f64]| kit::Summary::of(samples).unwrap();
    assert_eq!(report::verdict(&of(&[3.0; 9])), Verdict::Below);
    assert_eq!(report::verdict(&of(&[5.0; 9])), Verdict::Holds);
    assert_eq!(report::verdict(&of(&[20.0; 9])), Verdict::Holds);
    assert_eq!(report::verdict(&of(&[25.0; 9])), Verdict::Above);
    // Runs from 2.1x to 6.2x: the median alone says "holds", the interval
    // of the median straddles 5x, so the data cannot decide.
    let wide = of(&[2.1, 3.0, 4.0, 4.8, 5.2, 5.5, 6.0, 6.2, 2.5]);
    assert!(wide.ci_low < 5.0 && wide.ci_high > 5.0, "{wide:?}");
    assert_eq!(report::verdict(&wide), Verdict::Inconclusive);
}
