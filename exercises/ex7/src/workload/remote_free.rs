//! Remote frees (after xmalloc-test): each thread allocates blocks and
//! sends them through a [`Ring`] to the next thread, which frees them.

use std::sync::Barrier;

use ex1::Stats;

use super::ring::Ring;
use super::{Clock, Outcome, Params, RING, ThreadOut, join, object, rng};

/// Runs the remote-free workload: thread *i* sends to thread *i* + 1.
pub(super) fn remote_free(p: &Params) -> Outcome {
    let n = p.threads as usize;
    // Ring i carries thread i's blocks to thread i + 1 (thread 0's to
    // itself when it is alone: a baseline with no remote frees).
    let rings: Vec<Ring> = (0..n).map(|_| Ring::new(RING)).collect();
    let start = Barrier::new(n);
    let threads = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (rings, start) = (&rings, &start);
                s.spawn(move || remote_free_thread(p, i, &rings[i], &rings[(i + n - 1) % n], start))
            })
            .collect();
        handles.into_iter().map(join).collect()
    });
    Outcome {
        threads,
        main: Stats::default(),
        alive: None,
        sharing: None,
    }
}

// ANCHOR: remote_free_thread
/// Thread `i` of the remote-free workload: sends `p.ops` new blocks into
/// `outbox` and frees the `p.ops` blocks that arrive in `inbox` (allocated
/// by the thread before it).
fn remote_free_thread(
    p: &Params,
    i: usize,
    outbox: &Ring,
    inbox: &Ring,
    start: &Barrier,
) -> ThreadOut {
    let mut rng = rng(p.seed, i as u64);
    let mut clock = Clock::new();
    start.wait();
    clock.restart();
    let (checksum, stats) = ex1::measure(|| {
        // ANCHOR: task_remote_free
        let (mut sent, mut received, mut sum) = (0u64, 0u64, 0u64);
        let mut unsent: Option<Box<[u8]>> = None;
        while sent < p.ops || received < p.ops {
            let mut progressed = false;
            if sent < p.ops {
                let block = unsent
                    .take()
                    .unwrap_or_else(|| object(&mut rng, p.max_size));
                match outbox.try_push(block) {
                    Ok(()) => {
                        sent += 1;
                        progressed = true;
                    }
                    Err(block) => unsent = Some(block),
                }
            }
            if let Some(block) = inbox.try_pop() {
                sum = sum.wrapping_add(block.len() as u64 + block[0] as u64);
                drop(block);
                received += 1;
                clock.tick();
                progressed = true;
            }
            if !progressed {
                std::thread::yield_now();
            }
        }
        sum
        // ANCHOR_END: task_remote_free
    });
    ThreadOut {
        stats,
        hist: clock.hist,
        ops: p.ops,
        checksum,
    }
}
// ANCHOR_END: remote_free_thread
