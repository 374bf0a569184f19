//! `bumpalo::collections::Vec`: a growable vector whose buffer is in an arena.
//!
//! It has `std::vec::Vec`'s API (plus `extend_from_slice_copy`, a `memcpy` for
//! `Copy` elements) and grows the same way, by doubling (from 1, where std
//! starts at 4 or 8). What differs is what growth costs. A std `Vec` asks the
//! global allocator to `realloc`; the old buffer is freed. A bumpalo `Vec`
//! asks the arena, and an arena cannot free: if the buffer is the arena's
//! most recent allocation it is extended in place, downward; otherwise a new
//! buffer is bumped and **the old one stays behind**, dead bytes in the arena
//! until it is reset or dropped (bumpalo issue #265). One vector growing
//! alone leaves nothing behind; two growing in turn leave almost all their
//! old buffers.

use std::hint::black_box;

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use ex1::Stats;
use serde::Serialize;

use crate::used_in_single_chunk;

/// An arena with room for every pattern of `len` elements in one chunk (two
/// vectors of up to `2 x len` u64s, plus as much again abandoned), so the
/// in-arena byte counts are exact.
fn roomy_arena(len: usize) -> Bump {
    Bump::with_capacity(len * 64 + 4096)
}

/// One pattern, measured twice: once for the global allocator's view (in a
/// `Bump::new()` arena, created and dropped inside the measurement), once for
/// the arena's view (in a roomy single-chunk arena).
#[derive(Debug, Clone, Serialize)]
pub struct VecCase {
    /// What the code does, as a reader would say it.
    pub pattern: &'static str,
    /// Elements pushed (per vector).
    pub len: usize,
    /// Every capacity the (first) vector had, in order.
    pub capacities: Vec<usize>,
    /// What the global allocator saw.
    pub global: Stats,
    /// Arena bytes in use at the end (`None` for std `Vec`).
    pub arena_used: Option<usize>,
    /// Bytes of the live buffers at the end (capacity x 8, all vectors).
    pub live_buffers: usize,
}

impl VecCase {
    /// Arena bytes that belong to no live buffer: abandoned by growth.
    pub fn left_behind(&self) -> Option<usize> {
        self.arena_used.map(|u| u - self.live_buffers)
    }
}

/// Records `v`'s capacity if it changed.
fn note(capacities: &mut Vec<usize>, cap: usize) {
    if capacities.last() != Some(&cap) && capacities.len() < capacities.capacity() {
        capacities.push(cap);
    }
}

// ANCHOR: std_push
/// `std::vec::Vec`: push `len` `u64`s.
pub fn std_push(len: usize) -> VecCase {
    let mut capacities = Vec::with_capacity(64);
    let (live, global) = ex1::measure(|| {
        let mut v: Vec<u64> = Vec::new();
        for i in 0..len as u64 {
            v.push(i);
            note(&mut capacities, v.capacity());
        }
        black_box(&v);
        v.capacity() * 8
    });
    VecCase {
        pattern: "std `Vec::new()` + push",
        len,
        capacities,
        global,
        arena_used: None,
        live_buffers: live,
    }
}
// ANCHOR_END: std_push

/// Runs `fill` in a fresh `Bump::new()` under the tracker (the global view),
/// then in a roomy single-chunk arena (the arena's view).
/// `fill` returns the bytes of the buffers it left alive.
fn in_arena(
    pattern: &'static str,
    len: usize,
    fill: impl Fn(&Bump, &mut Vec<usize>) -> usize,
) -> VecCase {
    let mut capacities = Vec::with_capacity(64);
    let (_, global) = ex1::measure(|| {
        let bump = Bump::new();
        fill(&bump, &mut capacities);
    });
    capacities.clear();
    let bump = roomy_arena(len);
    let live_buffers = fill(&bump, &mut capacities);
    VecCase {
        pattern,
        len,
        capacities,
        global,
        arena_used: Some(used_in_single_chunk(&bump)),
        live_buffers,
    }
}

// ANCHOR: bump_push
/// `bumpalo::collections::Vec`: push `len` `u64`s, alone in its arena.
pub fn bump_push(len: usize) -> VecCase {
    in_arena("bumpalo `Vec::new_in(&bump)` + push", len, |bump, caps| {
        // ANCHOR: task_arena_vec_push
        let mut v = BumpVec::new_in(bump);
        for i in 0..len as u64 {
            v.push(i);
            note(caps, v.capacity());
        }
        let bytes = v.capacity() * 8;
        // Keep the elements as a slice for the arena's lifetime. (Dropping a
        // bumpalo Vec hands its buffer back, which the arena can reuse only
        // when it is the most recent allocation.)
        v.into_bump_slice();
        bytes
        // ANCHOR_END: task_arena_vec_push
    })
}

/// Two bumpalo vectors pushed in turn: each one's buffer is never the last
/// allocation when it has to grow.
pub fn bump_push_two(len: usize) -> VecCase {
    in_arena("two bumpalo Vecs, pushed in turn", len, |bump, caps| {
        let mut a = BumpVec::new_in(bump);
        let mut b = BumpVec::new_in(bump);
        for i in 0..len as u64 {
            a.push(i);
            b.push(i);
            note(caps, a.capacity());
        }
        let bytes = (a.capacity() + b.capacity()) * 8;
        a.into_bump_slice();
        b.into_bump_slice();
        bytes
    })
}
// ANCHOR_END: bump_push

// ANCHOR: bump_extend
/// `extend` from an iterator that knows its length: one exact allocation.
pub fn bump_extend(len: usize) -> VecCase {
    in_arena("bumpalo `v.extend(0..len)`", len, |bump, caps| {
        let mut v = BumpVec::new_in(bump);
        v.extend(0..len as u64);
        note(caps, v.capacity());
        let bytes = v.capacity() * 8;
        v.into_bump_slice();
        bytes
    })
}

/// `extend_from_slice_copy`: one exact allocation and a `memcpy`.
pub fn bump_extend_from_slice_copy(source: &[u64]) -> VecCase {
    in_arena(
        "bumpalo `v.extend_from_slice_copy(&source)`",
        source.len(),
        |bump, caps| {
            // ANCHOR: task_arena_vec_extend_from_slice
            let mut v = BumpVec::new_in(bump);
            v.extend_from_slice_copy(source);
            note(caps, v.capacity());
            let bytes = v.capacity() * 8;
            v.into_bump_slice();
            bytes
            // ANCHOR_END: task_arena_vec_extend_from_slice
        },
    )
}
// ANCHOR_END: bump_extend

/// Every case of the chapter's table, with `len` elements each.
pub fn cases(len: usize) -> Vec<VecCase> {
    let source: Vec<u64> = (0..len as u64).collect();
    vec![
        std_push(len),
        bump_push(len),
        bump_push_two(len),
        bump_extend(len),
        bump_extend_from_slice_copy(&source),
    ]
}

/// One row per pattern of [`cases`].
pub fn table(cases: &[VecCase], len: usize) -> kit::Table {
    let mut t = kit::Table::new(
        format!("{len} u64s per vector: what the global allocator and the arena see"),
        &[
            "pattern",
            "capacities",
            "global allocs",
            "global reallocs",
            "arena bytes used",
            "live buffers",
            "left behind",
        ],
    );
    for c in cases {
        t.row([
            c.pattern.to_string(),
            kit::format::arrows_short(&c.capacities),
            c.global.allocs.to_string(),
            c.global.reallocs.to_string(),
            kit::format::or_dash(c.arena_used),
            c.live_buffers.to_string(),
            kit::format::or_dash(c.left_behind()),
        ]);
    }
    t
}
