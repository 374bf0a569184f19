//! The allocator API on stable Rust: `allocator-api2`.
//!
//! std's collections take an allocator parameter only on nightly
//! (`#![feature(allocator_api)]`, `Vec::new_in`). The `allocator-api2` crate
//! is a copy of that API that compiles on stable: an `Allocator` trait and
//! collections generic over it. bumpalo implements it for `&Bump` behind its
//! `allocator-api2` feature, and hashbrown (the crate behind std's `HashMap`)
//! accepts any `allocator_api2::alloc::Allocator`. The versions must match:
//! bumpalo 3.20 and hashbrown 0.17 both implement the `0.2` line of
//! `allocator-api2`, so one `&Bump` serves both.
//!
//! A hash map grows by allocating a table twice as big, moving the entries
//! and freeing the old table. In an arena that free is a no-op unless the old
//! table happens to be the most recent allocation, so the old tables stay
//! behind, as a growing bumpalo `Vec`'s old buffers do. Reserving the final
//! size up front leaves nothing behind.

use std::collections::HashMap as StdHashMap;

use bumpalo::Bump;
use ex1::Stats;
use hashbrown::{DefaultHashBuilder, HashMap};
use serde::Serialize;

use crate::used_in_single_chunk;

// ANCHOR: arena_map
/// A hashbrown map whose table lives in `bump`.
pub type ArenaMap<'b, K, V> = HashMap<K, V, DefaultHashBuilder, &'b Bump>;

/// Counts `keys` into a map in the arena.
pub fn count_in_arena<'b>(
    bump: &'b Bump,
    keys: impl Iterator<Item = u64>,
) -> ArenaMap<'b, u64, u32> {
    let mut counts = HashMap::new_in(bump);
    for key in keys {
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}
// ANCHOR_END: arena_map

// ANCHOR: api2_vec
/// `allocator_api2::vec::Vec`: std's `Vec` API with an allocator parameter,
/// on stable. The same type on nightly is `std::vec::Vec<u64, &Bump>`.
pub fn squares_in_arena(bump: &Bump, n: u64) -> allocator_api2::vec::Vec<u64, &Bump> {
    let mut v = allocator_api2::vec::Vec::new_in(bump);
    v.extend((0..n).map(|i| i * i));
    v
}
// ANCHOR_END: api2_vec

/// The keys every case counts: `n` draws from `distinct` values, each value
/// drawn `n / distinct` times (once more for the first `n % distinct`),
/// scattered by an odd multiplier (a bijection on `u64`).
pub fn keys(n: usize, distinct: usize) -> impl Iterator<Item = u64> {
    (0..n as u64).map(move |i| (i % distinct as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// One way of counting, and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct MapCase {
    /// What the code does, as a reader would say it.
    pub pattern: &'static str,
    /// Distinct keys counted.
    pub distinct: usize,
    /// The global allocator's view, map (and arena) created and dropped
    /// inside the measurement.
    pub global: Stats,
    /// Arena bytes in use with the map alive (single-chunk arena).
    pub arena_used: Option<usize>,
}

/// std's `HashMap`, hashbrown in the arena growing, and reserved up front.
pub fn cases(n: usize, distinct: usize) -> Vec<MapCase> {
    let (_, global) = ex1::measure(|| {
        let mut counts = StdHashMap::new();
        for key in keys(n, distinct) {
            *counts.entry(key).or_insert(0u32) += 1;
        }
        counts.len()
    });
    let heap = MapCase {
        pattern: "std `HashMap::new()`",
        distinct,
        global,
        arena_used: None,
    };

    let (_, global) = ex1::measure(|| count_in_arena(&Bump::new(), keys(n, distinct)).len());
    let roomy = Bump::with_capacity(distinct * 64 + 4096);
    let map = count_in_arena(&roomy, keys(n, distinct));
    let growing = MapCase {
        pattern: "hashbrown `HashMap::new_in(&bump)`",
        distinct,
        global,
        arena_used: Some(used_in_single_chunk(&roomy)),
    };
    drop(map);

    fn reserve(bump: &Bump, n: usize, distinct: usize) -> ArenaMap<'_, u64, u32> {
        let mut counts = HashMap::with_capacity_in(distinct, bump);
        for key in keys(n, distinct) {
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    }
    let (_, global) = ex1::measure(|| reserve(&Bump::new(), n, distinct).len());
    let roomy = Bump::with_capacity(distinct * 64 + 4096);
    let map = reserve(&roomy, n, distinct);
    let reserved = MapCase {
        pattern: "hashbrown `HashMap::with_capacity_in(distinct, &bump)`",
        distinct,
        global,
        arena_used: Some(used_in_single_chunk(&roomy)),
    };
    drop(map);
    vec![heap, growing, reserved]
}

/// One row per map of [`cases`].
pub fn table(cases: &[MapCase], keys: usize, distinct: usize) -> kit::Table {
    let mut t = kit::Table::new(
        format!("Counting {keys} keys, {distinct} distinct: global allocator and arena"),
        &[
            "map",
            "global allocs",
            "global deallocs",
            "arena bytes used",
        ],
    );
    for c in cases {
        t.row([
            c.pattern.to_string(),
            c.global.allocs.to_string(),
            c.global.deallocs.to_string(),
            kit::format::or_dash(c.arena_used),
        ]);
    }
    t
}
