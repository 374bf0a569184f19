//! Arenas per thread: every thread holds its memory at once while the main
//! thread reads the allocator's view, then churns its objects.

use std::sync::Barrier;

use ex1::Stats;
use rand::RngExt;

use super::{Clock, HOLD_BYTES, Outcome, Params, Probe, ThreadOut, join, object, rng};

/// Runs the arenas workload; `probe` reads memory while every thread holds
/// its share.
pub(super) fn arenas(p: &Params, probe: &dyn Fn() -> Probe) -> Outcome {
    let n = p.threads as usize;
    let loaded = Barrier::new(n + 1);
    let release = Barrier::new(n + 1);
    let (threads, alive) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (loaded, release) = (&loaded, &release);
                s.spawn(move || arena_thread(p, i, loaded, release))
            })
            .collect();
        // Every thread holds its memory now: what does the allocator show?
        loaded.wait();
        // The threads wait for `release` whatever the probe does: a probe
        // that panics must not leave them (and the scope) waiting forever.
        let alive = std::panic::catch_unwind(std::panic::AssertUnwindSafe(probe));
        release.wait();
        let threads = handles.into_iter().map(join).collect();
        let alive = alive.unwrap_or_else(|e| std::panic::resume_unwind(e));
        (threads, alive)
    });
    Outcome {
        threads,
        main: Stats::default(),
        alive: Some(alive),
        sharing: None,
    }
}

// ANCHOR: arena_thread
/// A thread that holds [`HOLD_BYTES`] while the main thread reads the
/// allocator's view, then replaces `p.ops` of its objects and frees them all.
fn arena_thread(p: &Params, i: usize, loaded: &Barrier, release: &Barrier) -> ThreadOut {
    let mut rng = rng(p.seed, i as u64);
    let mut clock = Clock::new();
    let (checksum, stats) = ex1::measure(|| {
        let mut held = Vec::new();
        let mut bytes = 0;
        while bytes < HOLD_BYTES {
            let o = object(&mut rng, p.max_size);
            bytes += o.len() as u64;
            held.push(o);
        }
        loaded.wait();
        release.wait();
        clock.restart();
        let mut sum = 0u64;
        for _ in 0..p.ops {
            let j = rng.random_range(0..held.len());
            sum = sum.wrapping_add(held[j].len() as u64);
            held[j] = object(&mut rng, p.max_size);
            clock.tick();
        }
        sum
    });
    ThreadOut {
        stats,
        hist: clock.hist,
        ops: p.ops,
        checksum,
    }
}
// ANCHOR_END: arena_thread
