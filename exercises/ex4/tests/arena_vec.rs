//! A bumpalo `Vec` pushed alone in its arena (`vecs::bump_push`), counted
//! exactly. bumpalo 3.20.4 (the pinned version) grows a `Vec` to
//! max(2 x capacity, needed), starting from 1; a buffer that is the arena's
//! most recent allocation grows in place.

use std::alloc::System;

use ex4::vecs;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

#[test]
fn pushes_double_the_capacity_from_one_and_note_every_step() {
    // 100 pushes: 1, 2, 4, ..., 128, the first power of two that holds 100.
    let c = vecs::bump_push(100);
    assert_eq!(c.len, 100);
    assert_eq!(c.capacities, vec![1, 2, 4, 8, 16, 32, 64, 128]);
    // The live buffer: 128 u64s.
    assert_eq!(c.live_buffers, 128 * 8);
    // Five pushes: the capacity went 1, 2, 4, 8.
    assert_eq!(vecs::bump_push(5).capacities, vec![1, 2, 4, 8]);
}

#[test]
fn growth_alone_stays_in_place_and_the_buffer_stays_in_the_arena() {
    let c = vecs::bump_push(100);
    // Alone in the arena, the buffer is always its most recent allocation,
    // so every growth extends it: the arena holds exactly the last buffer,
    // kept (into_bump_slice) rather than handed back.
    assert_eq!(c.arena_used, Some(128 * 8));
    assert_eq!(c.left_behind(), Some(0));
    // The global allocator saw chunks only: no realloc, fewer chunks than
    // the vector's 8 capacities (chunks grow by doubling too, and a chunk
    // holds several steps of growth), all freed with the arena.
    assert_eq!(c.global.reallocs, 0, "{:?}", c.global);
    assert_eq!(c.global.allocs, c.global.deallocs, "{:?}", c.global);
    assert!(
        (1..c.capacities.len() as u64).contains(&c.global.allocs),
        "{:?}",
        c.global
    );
    assert_eq!(c.global.live_bytes, 0);
}
