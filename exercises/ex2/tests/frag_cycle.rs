//! The fragmentation pattern's cycles, counted exactly. The pattern is a
//! function of its seed: replaying the same draws from the same generator,
//! with sizes in place of blocks, says what every cycle must allocate and
//! free. The counts come from exercise 1's tracker, installed here; `measure`
//! counts the calling thread alone, so tests running alongside do not
//! disturb them.

use std::alloc::System;

use ex1::Stats;
use ex2::frag::{self, Lifetime, MAX_SPAN, OBJECTS_PER_CYCLE, SURVIVORS};
use ex2::{Allocator, workload};
use rand::RngExt;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

/// What `cycles` cycles must cost, replayed without allocating a block: the
/// same draws in the same order (size, lifetime, then the index of the
/// survivor a new one replaces), each block one allocation of exactly its
/// size (`u8`s), freed when its lifetime says.
fn expected(seed: u64, cycles: usize) -> Stats {
    let mut rng = workload::rng(seed, 0);
    let mut expiring: Vec<Vec<usize>> = vec![Vec::new(); MAX_SPAN + 1];
    let mut survivors: Vec<usize> = Vec::new();
    let mut total = Stats::default();
    for cycle in 0..cycles {
        // One cycle is one `measure`: its peak counts from the live bytes
        // at its start; the blocks held longer are not in it.
        let mut c = Stats::default();
        let alloc = |c: &mut Stats, size: usize| {
            c.allocs += 1;
            c.bytes_allocated += size as u64;
            c.live_bytes += size as i64;
            c.peak_live_bytes = c.peak_live_bytes.max(c.live_bytes);
        };
        let free = |c: &mut Stats, size: usize| {
            c.deallocs += 1;
            c.bytes_freed += size as u64;
            c.live_bytes -= size as i64;
        };
        let mut this_cycle = Vec::new();
        for _ in 0..OBJECTS_PER_CYCLE {
            let size = frag::size(&mut rng);
            alloc(&mut c, size);
            match frag::lifetime(&mut rng) {
                Lifetime::Cycle => this_cycle.push(size),
                Lifetime::Span(n) => expiring[(cycle + n) % (MAX_SPAN + 1)].push(size),
                Lifetime::Survivor if survivors.len() < SURVIVORS => survivors.push(size),
                Lifetime::Survivor => {
                    // The new block exists before the old one is freed.
                    let i = rng.random_range(0..SURVIVORS);
                    free(&mut c, std::mem::replace(&mut survivors[i], size));
                }
            }
        }
        for size in this_cycle.drain(..) {
            free(&mut c, size);
        }
        for size in std::mem::take(&mut expiring[cycle % (MAX_SPAN + 1)]) {
            free(&mut c, size);
        }
        total = total.merged(&c);
    }
    total
}

#[test]
fn every_cycle_allocates_its_blocks_and_frees_them_on_time() {
    // 200 cycles: past 64 (every span slot has been freed at least once)
    // and past 164 (at one survivor in twenty, 50 per cycle on average, the
    // set of 8192 is full and new survivors replace old ones).
    let (cycles, seed) = (200, 7);
    let run = frag::run(Allocator::System, cycles as u32, seed, 4);
    let want = expected(seed, cycles);
    // One allocation per block: 200 x 1000. No realloc: the containers
    // were sized up front and are only ever cleared, never grown.
    assert_eq!(run.counts.allocs, 200_000);
    assert_eq!(run.counts.reallocs, 0, "{:?}", run.counts);
    // The same blocks, freed at the same moments.
    assert_eq!(run.counts, want);
    // What stays is the span blocks of the last 64 cycles and the
    // survivors: a bounded set, far fewer than were allocated.
    let held = run.counts.allocs - run.counts.deallocs;
    assert!(held <= (MAX_SPAN * OBJECTS_PER_CYCLE + SURVIVORS) as u64);
    assert!(held >= SURVIVORS as u64, "the survivor set is full");
    assert_eq!(run.series.len(), 4);
    assert_eq!(run.series.last().map(|p| p.cycle), Some(200));
}
