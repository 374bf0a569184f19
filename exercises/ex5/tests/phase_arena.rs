//! `PhaseArena` on its own, with exercise 1's tracker installed: a limit is
//! an error rather than an abort, and the arena's report of itself (chunks,
//! bytes, resets, global allocations) matches what it did.

use std::alloc::System;

use bumpalo::collections::Vec as BumpVec;
use ex5::phase_arena::{ArenaFull, Phase, PhaseArena};

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

#[test]
fn a_limit_is_an_error_not_an_abort() {
    let arena = PhaseArena::new(Phase::Parse, Some(64 * 1024));
    let mut v = BumpVec::new_in(arena.bump());
    let mut failed = None;
    let mut pushed = 0u64;
    for i in 0..1_000_000u64 {
        if let Err(e) = arena.push(&mut v, i) {
            failed = Some(e);
            break;
        }
        pushed += 1;
    }
    assert_eq!(
        failed,
        Some(ArenaFull {
            phase: Phase::Parse,
            limit: 64 * 1024
        })
    );
    // Every push before the failure landed; the failed one changed nothing.
    assert_eq!(v.len() as u64, pushed);
    assert!(pushed > 0);
    assert!(arena.bump().allocated_bytes() <= 64 * 1024);
    assert!(arena.alloc_str(&"x".repeat(100_000)).is_err());
}

#[test]
fn usage_counts_chunks_and_reset_keeps_one() {
    let mut arena = PhaseArena::new(Phase::Transform, None);
    for i in 0..10_000u64 {
        arena.alloc(i).unwrap();
    }
    let before = arena.usage();
    assert_eq!(before.phase, Phase::Transform);
    assert!(before.chunks > 1);
    assert!(before.used_bytes >= 10_000 * 8);
    assert!(before.used_bytes <= before.capacity_bytes);
    // Nothing else on this thread allocated while the arena lived: each of
    // its global allocations is one of its chunks.
    assert_eq!(before.global_allocs, before.chunks as u64, "{before:?}");
    arena.reset();
    let after = arena.usage();
    assert_eq!((after.chunks, after.used_bytes, after.resets), (1, 0, 1));
    assert_eq!(after.peak_capacity_bytes, before.capacity_bytes);
    assert!(after.capacity_bytes < before.capacity_bytes);
    // A reset frees; it allocates nothing.
    assert_eq!(after.global_allocs, before.global_allocs);
}
