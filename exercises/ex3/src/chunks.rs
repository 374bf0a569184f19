//! Where an arena's memory comes from, and what `reset()` keeps.
//!
//! A `Bump` gets its memory from the global allocator in *chunks*. `Bump::new()`
//! asks for nothing; the first allocation takes a small chunk, and each time
//! the current chunk is full the next one is about twice as big (rounded so
//! that chunk plus bookkeeping fits a power of two, or whole pages once large).
//! The global allocator sees one call per chunk, however many values go in.
//!
//! `reset()` frees every chunk but the current (largest) one and moves the
//! pointer back to its top: the next round of allocations reuses that memory.
//! Once a round fits in the kept chunk, a reset loop stops calling the global
//! allocator at all.

use bumpalo::Bump;
use ex1::{COUNTERS, Stats};
use serde::Serialize;

use crate::addr_of;

/// One new chunk, as the arena and the global allocator saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ChunkStep {
    /// 1 for the first chunk.
    pub chunk: usize,
    /// How many values were already in the arena when it was needed.
    pub values_before: usize,
    /// Its usable capacity (the rise in `allocated_bytes()`).
    pub capacity: usize,
    /// Bytes the global allocator was asked for: the capacity plus bumpalo's
    /// chunk footer (its bookkeeping, stored at the chunk's end).
    pub requested: u64,
    /// `allocated_bytes()` after it: the sum of the capacities so far.
    pub allocated_bytes: usize,
}

/// The whole growth run.
#[derive(Debug, Clone, Serialize)]
pub struct Growth {
    /// Values allocated, one after another.
    pub values: usize,
    /// Size of each value in bytes.
    pub value_size: usize,
    /// One step per new chunk, in order.
    pub steps: Vec<ChunkStep>,
    /// `allocated_bytes()` at the end: the sum of the chunk capacities.
    pub allocated_bytes: usize,
    /// `allocated_bytes_including_metadata()`: capacities plus footers.
    pub including_metadata: usize,
    /// Everything the global allocator saw, creating to dropping the arena.
    pub global: Stats,
}

// ANCHOR: growth
/// Allocates `values` `u64`s one at a time into a fresh arena and records
/// every chunk it takes from the global allocator.
pub fn growth(values: usize) -> Growth {
    let mut steps = Vec::with_capacity(64); // allocated before counting starts
    let ((allocated_bytes, including_metadata), global) = ex1::measure(|| {
        let bump = Bump::new();
        for i in 0..values {
            let (capacity_before, requested_before) = (
                bump.allocated_bytes(),
                COUNTERS.this_thread().bytes_allocated,
            );
            bump.alloc(i as u64);
            let capacity_after = bump.allocated_bytes();
            if capacity_after != capacity_before && steps.len() < steps.capacity() {
                steps.push(ChunkStep {
                    chunk: steps.len() + 1,
                    values_before: i,
                    capacity: capacity_after - capacity_before,
                    requested: COUNTERS.this_thread().bytes_allocated - requested_before,
                    allocated_bytes: capacity_after,
                });
            }
        }
        (
            bump.allocated_bytes(),
            bump.allocated_bytes_including_metadata(),
        )
    }); // the arena is dropped here: every chunk goes back at once
    Growth {
        values,
        value_size: size_of::<u64>(),
        steps,
        allocated_bytes,
        including_metadata,
        global,
    }
}
// ANCHOR_END: growth

/// One round of a reset loop.
#[derive(Debug, Clone, Serialize)]
pub struct ResetRound {
    /// The round's number, from 0.
    pub round: usize,
    /// Global allocator calls during the round (the reset included).
    pub global_allocs: u64,
    /// Global deallocations during the round.
    pub global_deallocs: u64,
    /// `allocated_bytes()` at the end of the round.
    pub allocated_bytes: usize,
    /// The round's first value sits where the previous round's first value sat.
    pub same_address_as_previous: bool,
}

// ANCHOR: reset
/// Runs `rounds` rounds of "reset, then allocate `values` `u64`s" on one arena.
pub fn reset_rounds(rounds: usize, values: usize) -> Vec<ResetRound> {
    let mut bump = Bump::new();
    let mut report = Vec::with_capacity(rounds);
    let mut previous_first = None;
    for round in 1..=rounds {
        let (first, global): (usize, _) = ex1::measure(|| {
            // ANCHOR: task_reset_round
            bump.reset(); // frees all chunks but the current one
            let first = addr_of(bump.alloc(0u64));
            for i in 1..values {
                bump.alloc(i as u64);
            }
            first
            // ANCHOR_END: task_reset_round
        });
        report.push(ResetRound {
            round,
            global_allocs: global.allocs,
            global_deallocs: global.deallocs,
            allocated_bytes: bump.allocated_bytes(),
            same_address_as_previous: previous_first == Some(first),
        });
        previous_first = Some(first);
    }
    report
}
// ANCHOR_END: reset

/// The chunks taken, then the global allocator's view of the whole run.
pub fn growth_tables(g: &Growth) -> Vec<kit::Table> {
    let mut t = kit::Table::new(
        format!(
            "Chunks taken while allocating {} u64 values one at a time",
            g.values
        ),
        &[
            "chunk",
            "values already in the arena",
            "capacity",
            "bytes asked of the global allocator",
            "`allocated_bytes()` after",
        ],
    );
    for s in &g.steps {
        t.row([
            s.chunk.to_string(),
            s.values_before.to_string(),
            s.capacity.to_string(),
            s.requested.to_string(),
            s.allocated_bytes.to_string(),
        ]);
    }
    let mut s = kit::Table::new(
        "The global allocator's view of the whole run",
        &["counter", "value"],
    );
    s.row(["allocs".to_string(), g.global.allocs.to_string()]);
    s.row([
        "deallocs (dropping the arena)".to_string(),
        g.global.deallocs.to_string(),
    ]);
    s.row([
        "bytes requested".to_string(),
        g.global.bytes_allocated.to_string(),
    ]);
    s.row([
        "`allocated_bytes_including_metadata()`".to_string(),
        g.including_metadata.to_string(),
    ]);
    s.row([
        "bytes of values".to_string(),
        (g.values * g.value_size).to_string(),
    ]);
    vec![t, s]
}

/// One row per round of [`reset_rounds`].
pub fn reset_table(r: &[ResetRound], values: usize) -> kit::Table {
    let mut t = kit::Table::new(
        format!("reset() then {values} u64 values, round after round, on one arena"),
        &[
            "round",
            "global allocs",
            "global deallocs",
            "`allocated_bytes()`",
            "first value at the previous round's address",
        ],
    );
    for x in r {
        t.row([
            x.round.to_string(),
            x.global_allocs.to_string(),
            x.global_deallocs.to_string(),
            x.allocated_bytes.to_string(),
            if x.same_address_as_previous {
                "yes"
            } else {
                "no"
            }
            .to_string(),
        ]);
    }
    t
}
