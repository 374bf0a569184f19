//! Every fact chapter 4 states, checked. Expected counts are derived from
//! the growth policies of std and of bumpalo 3.20.4 (the pinned version),
//! with the reasoning next to each, never copied from the program's output.

use std::alloc::System;

use bumpalo::Bump;
use ex4::{maps, strings, tree, vecs};

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

/// Capacities of a vector doubling from `first` until it holds `len`.
fn doubling(first: usize, len: usize) -> Vec<usize> {
    let mut caps = vec![first];
    while *caps.last().unwrap() < len {
        caps.push(caps.last().unwrap() * 2);
    }
    caps
}

#[test]
fn std_vec_reallocs_and_bumpalo_vec_never_calls_realloc() {
    let std = vecs::std_push(1000);
    assert_eq!(std.capacities, doubling(4, 1000));
    // First buffer an alloc, each of the 8 growths (4 -> ... -> 1024) a realloc.
    assert_eq!((std.global.allocs, std.global.reallocs), (1, 8));

    let bump = vecs::bump_push(1000);
    // bumpalo's RawVec grows to max(2 x cap, needed), starting from 1.
    assert_eq!(bump.capacities, doubling(1, 1000));
    assert_eq!(bump.global.reallocs, 0, "growth happens inside the arena");
    assert_eq!(
        bump.global.allocs, bump.global.deallocs,
        "chunks, all freed"
    );
    assert!(
        bump.global.allocs < bump.capacities.len() as u64,
        "fewer chunks than growths"
    );
}

#[test]
fn a_vector_growing_alone_leaves_nothing_behind() {
    // Its buffer is always the arena's most recent allocation, so bumpalo
    // extends it in place (downward) instead of abandoning it.
    let c = vecs::bump_push(1000);
    assert_eq!(c.live_buffers, 1024 * 8);
    assert_eq!(c.left_behind(), Some(0));
}

#[test]
fn two_vectors_growing_in_turn_abandon_every_old_buffer() {
    // When a grows, b's buffer was allocated after a's: a is not the last
    // allocation, so a gets a new buffer and the old one stays behind (and
    // the same for b). Each leaves (1 + 2 + ... + 512) x 8 = 1023 x 8 bytes.
    let c = vecs::bump_push_two(1000);
    assert_eq!(c.live_buffers, 2 * 1024 * 8);
    assert_eq!(c.left_behind(), Some(2 * 1023 * 8));
}

#[test]
fn exact_size_extends_allocate_once_and_exactly() {
    let source: Vec<u64> = (0..1000).collect();
    for c in [
        vecs::bump_extend(1000),
        vecs::bump_extend_from_slice_copy(&source),
    ] {
        assert_eq!(c.capacities, vec![1000], "{}", c.pattern);
        assert_eq!(c.arena_used, Some(8000), "{}", c.pattern);
        assert_eq!(c.left_behind(), Some(0));
        // 8,000 bytes are more than a default first chunk: bumpalo sizes the
        // first chunk for the request, one global allocation.
        assert_eq!(c.global.allocs, 1, "{}", c.pattern);
    }
}

#[test]
fn format_allocates_per_string_and_the_arena_per_chunk() {
    let n = 1000;
    let cases = strings::cases(n);
    let heap = &cases[0];
    // One String per label plus the Vec holding them (with_capacity: one).
    assert_eq!(heap.global.allocs, n as u64 + 1);
    assert_eq!(heap.global.deallocs, n as u64 + 1);
    // The arena: a handful of chunks for ~32 KB (the Vec and the text),
    // nothing per label, no realloc.
    let arena = &cases[1];
    assert_eq!(arena.text_bytes, heap.text_bytes, "same text");
    assert!(arena.global.allocs <= 3, "{:?}", arena.global);
    assert_eq!(arena.global.reallocs, 0);
    // One growing bumpalo String: its buffer is the last allocation, so it
    // grows in place; only new chunks reach the global allocator.
    let report = &cases[3];
    assert_eq!(report.global.reallocs, 0);
    assert!(report.global.allocs < 10);
}

#[test]
fn bumpalo_format_gives_the_same_text_as_format() {
    let bump = Bump::new();
    let arena = strings::arena_labels(&bump, 50);
    let heap = strings::heap_labels(50);
    assert!(arena.iter().zip(&heap).all(|(a, h)| *a == h.as_str()));
    assert_eq!(
        strings::arena_report(&bump, 20).as_str(),
        strings::heap_report(20)
    );
}

#[test]
fn the_arena_tree_takes_chunks_and_the_rc_tree_one_block_per_node_and_list() {
    let (n, k) = (10_000, 4);
    let cases = tree::cases(n, k);
    let (arena, rc) = (&cases[0], &cases[1]);
    let expected = tree::expected_walk(n, k);
    assert_eq!(arena.walk, expected, "down and up links all correct");
    assert_eq!(rc.walk, expected);
    // Rc tree: the index Vec, one Rc per node, and one child Vec per node
    // that has children: nodes 0..=(n - 2) / k, that is ceil((n - 1) / k)
    // of them (with 4 children each, each list allocates once at capacity 4).
    let with_children = (n - 1).div_ceil(k) as u64;
    assert_eq!(rc.global.allocs, 1 + n as u64 + with_children);
    assert_eq!(rc.global.reallocs, 0);
    assert_eq!(
        rc.global.deallocs, rc.global.allocs,
        "no cycle, nothing leaked"
    );
    // Arena: 32-byte nodes plus an 8-byte index slot each, in a few chunks.
    assert_eq!(arena.node_size, 32);
    assert!(arena.global.allocs <= 5, "{:?}", arena.global);
    assert_eq!(arena.global.deallocs, arena.global.allocs);
    assert_eq!(arena.global.live_bytes, 0);
}

#[test]
fn parent_links_lead_to_the_root() {
    let bump = Bump::new();
    let t = tree::build_arena(&bump, 100, 3);
    assert!(t.root.parent.is_none());
    let mut child = t.root.first_child.get();
    let mut count = 0;
    while let Some(c) = child {
        assert_eq!(c.parent.map(|p| p.id), Some(0));
        count += 1;
        child = c.next_sibling.get();
    }
    assert_eq!(count, 3);
}

#[test]
fn hashbrown_in_the_arena_counts_like_std_and_reserving_leaves_less_behind() {
    let (n, distinct) = (100_000, 1000);
    let bump = Bump::new();
    let counts = maps::count_in_arena(&bump, maps::keys(n, distinct));
    assert_eq!(counts.len(), distinct);
    // 100,000 draws over 1,000 values, each value n / distinct times.
    assert!(counts.values().all(|&c| c == 100));

    let cases = maps::cases(n, distinct);
    let (heap, growing, reserved) = (&cases[0], &cases[1], &cases[2]);
    // std's table doubles from 4 buckets to 2,048 (1,000 entries fit in 7/8
    // of 2,048 but not of 1,024): 10 tables, each one alloc, each freed.
    assert_eq!((heap.global.allocs, heap.global.deallocs), (10, 10));
    // Reserved up front: one table, one chunk sized for it.
    assert_eq!(reserved.global.allocs, 1);
    // Growing in the arena leaves the nine smaller tables behind: more than
    // the final table again (each table about doubles), so over twice the
    // reserved case's bytes.
    let (g, r) = (growing.arena_used.unwrap(), reserved.arena_used.unwrap());
    assert!(g > 2 * r, "{g} vs {r}");
}

#[test]
fn allocator_api2_vec_lives_in_the_arena() {
    let bump = Bump::new();
    let (v, s) = ex1::measure(|| maps::squares_in_arena(&bump, 100));
    assert_eq!(v[9], 81);
    assert_eq!(s.allocs, 1, "one chunk, no heap buffer of its own");
    assert!(bump.allocated_bytes() >= 800);
}
