//! A bumpalo `Vec` filled from a slice with `extend_from_slice_copy`
//! (`vecs::bump_extend_from_slice_copy`), counted exactly: it knows the final
//! length, so it reserves once and copies, and leaves nothing behind.

use std::alloc::System;

use ex4::vecs;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

#[test]
fn extend_from_slice_copy_reserves_once_and_leaves_nothing_behind() {
    let source: Vec<u64> = (0..1000).collect();
    let c = vecs::bump_extend_from_slice_copy(&source);
    assert_eq!(c.len, 1000);
    assert_eq!(
        c.capacities,
        vec![1000],
        "the capacities your vector took (left); the reference reserves the slice's length once (right)"
    );
    assert_eq!(
        c.live_buffers,
        1000 * 8,
        "bytes of the live buffer: yours (left), the reference's (right)"
    );
    assert_eq!(
        c.arena_used,
        Some(1000 * 8),
        "arena bytes used: by your code (left), by the reference (right)"
    );
    assert_eq!(
        c.left_behind(),
        Some(0),
        "bytes your vector left behind in the arena (left); the reference leaves none (right)"
    );
    // The global allocator saw the arena's chunk only, freed with the arena.
    assert_eq!(
        c.global.reallocs, 0,
        "your code made {} global reallocs; the reference makes none: {:?}",
        c.global.reallocs, c.global
    );
    assert_eq!(c.global.allocs, c.global.deallocs, "{:?}", c.global);
    assert_eq!(c.global.live_bytes, 0, "{:?}", c.global);
}
