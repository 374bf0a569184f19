//! The race of `versus`, counted: one global allocation per `Box`, one per
//! chunk for a new arena, none once a reused arena has grown to a round.
//! Expected values follow from bumpalo 3.20.4's chunk sizes (the pinned
//! version), each with its reasoning, never copied from output.

use std::alloc::System;

use bumpalo::Bump;
use ex3::versus;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

const N: usize = 10_000;

#[test]
fn the_heap_makes_one_global_call_per_box() {
    let mut boxes = Vec::new();
    let b = versus::box_round(&mut boxes, N);
    assert_eq!(b.global_allocs, N as u64, "one allocation per Box");
    assert!(boxes.is_empty(), "all freed");
}

#[test]
fn a_new_arena_makes_one_global_call_per_chunk() {
    // Room for every pointer up front: the round's `reserve` then allocates
    // nothing, and all the round allocates is the arena's.
    let mut pointers = Vec::with_capacity(N);
    let (a, global) = ex1::measure(|| versus::fresh_arena_round(&mut pointers, N));
    // 320,000 bytes in chunks that (about) double from 448 bytes: nine
    // chunks hold about 448 x (2^9 - 1) = 229,000 bytes (261,056 exactly, as
    // the `chunks` command shows for the first eight), too few; the tenth,
    // about 262,000 bytes on its own, brings room for the rest.
    assert_eq!(a.global_allocs, 10);
    assert!(pointers.is_empty(), "the pointers go with the arena");
    // The arena was dropped inside the round: every chunk went back.
    assert_eq!(global.allocs, global.deallocs, "{global:?}");
    assert_eq!(global.live_bytes, 0, "{global:?}");
}

#[test]
fn a_reused_arena_stops_calling_the_global_allocator() {
    let mut pointers = Vec::new();
    let mut reused = Bump::new();
    let first = versus::reused_arena_round(&mut reused, &mut pointers, N);
    assert_eq!(
        first.global_allocs, 10,
        "the first round fills chunks as a new arena does"
    );
    assert!(pointers.is_empty());
    // The reset kept the last chunk (about 262,000 bytes), too small for
    // 320,000: the second round takes one more. From the third on, none.
    let second = versus::reused_arena_round(&mut reused, &mut pointers, N);
    assert_eq!(second.global_allocs, 1);
    let third = versus::reused_arena_round(&mut reused, &mut pointers, N);
    assert_eq!(third.global_allocs, 0);
}

#[test]
fn the_report_counts_every_side_over_every_run() {
    let r = versus::run(1_000, 3, 2, || {});
    assert_eq!(r.heap.global_allocs, 1_000);
    assert_eq!(r.reused_arena.global_allocs, 0, "after the warm-up rounds");
    assert_eq!(
        (
            r.fresh_arena.alloc_ratio.runs,
            r.reused_arena.total_ratio.runs
        ),
        (3, 3)
    );
    assert_eq!(r.object_size, 32);
    let none = r.no_alloc.expect("the loop alone is timed too");
    assert_eq!(none.global_allocs, 0, "the loop alone allocates nothing");
    // The tracked binary's count of the same rounds the untracked one times.
    let [heap, fresh, reused, alone] = versus::count_calls(1_000);
    assert_eq!((heap, reused, alone), (1_000, 0, 0));
    assert_eq!(
        fresh, r.fresh_arena.global_allocs,
        "one call per chunk, every round"
    );
}
