//! Passive false sharing (after cache-scratch): the main thread allocates
//! one small object per thread; each thread writes it, frees it and
//! allocates its own, and the addresses show whose cache lines they share.

use std::sync::Barrier;

use super::{Clock, Outcome, Params, Sharing, ThreadOut, WRITES, join};

/// Runs the false-sharing workload and counts the cache lines shared.
pub(super) fn false_sharing(p: &Params) -> Outcome {
    let n = p.threads as usize;
    // One small object per thread, allocated back to back by one thread:
    // neighbours in memory, as a server's per-connection state often is.
    let (mut given, main) =
        ex1::measure(|| (0..n).map(|_| Some(Box::new(0u64))).collect::<Vec<_>>());
    let given_addrs: Vec<usize> = given
        .iter()
        .flatten()
        .map(|b| &**b as *const u64 as usize)
        .collect();
    let (start, placed) = (Barrier::new(n), Barrier::new(n));
    let results: Vec<(ThreadOut, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = given
            .iter_mut()
            .filter_map(Option::take)
            .map(|obj| {
                let (start, placed) = (&start, &placed);
                s.spawn(move || scratch_thread(p, obj, start, placed))
            })
            .collect();
        handles.into_iter().map(join).collect()
    });
    let main = main.merged(&ex1::measure(|| drop(given)).1);
    let own_addrs: Vec<usize> = results.iter().map(|r| r.1).collect();
    let reused = own_addrs
        .iter()
        .zip(&given_addrs)
        .filter(|(own, given)| own == given)
        .count() as u32;
    Outcome {
        threads: results.into_iter().map(|r| r.0).collect(),
        main,
        alive: None,
        sharing: Some(Sharing {
            given: shared_lines(&given_addrs),
            own: shared_lines(&own_addrs),
            reused,
        }),
    }
}

// ANCHOR: scratch_thread
/// Writes the object it was given [`WRITES`] times, frees it, allocates its
/// own and writes that, `p.ops` rounds. Returns where its first own object
/// landed: if the allocator hands back the block just freed (or one beside
/// it), every round writes to a cache line other threads write too. It holds
/// that first object until every thread has one (`placed`), so the addresses
/// compared are of blocks live at the same time.
fn scratch_thread(
    p: &Params,
    given: Box<u64>,
    start: &Barrier,
    placed: &Barrier,
) -> (ThreadOut, usize) {
    let mut clock = Clock::new();
    start.wait();
    clock.restart();
    let ((checksum, first_own), stats) = ex1::measure(|| {
        let mut obj = given;
        let mut first_own = 0;
        let mut sum = 0u64;
        for round in 0..p.ops {
            for _ in 0..WRITES {
                // Through black_box: every write really goes to memory.
                *std::hint::black_box(&mut *obj) += 1;
            }
            sum = sum.wrapping_add(*obj);
            // Free first, then allocate: the allocator may hand back the
            // block just freed, which is the point of the workload.
            drop(obj);
            obj = Box::new(round);
            clock.tick();
            if round == 0 {
                first_own = &*obj as *const u64 as usize;
                placed.wait();
                // The wait is not part of any round.
                clock.restart();
            }
        }
        (sum, first_own)
    });
    let out = ThreadOut {
        stats,
        hist: clock.hist,
        ops: p.ops,
        checksum,
    };
    (out, first_own)
}
// ANCHOR_END: scratch_thread

/// How many of `addrs` share their 64-byte cache line with another.
fn shared_lines(addrs: &[usize]) -> u32 {
    addrs
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            addrs
                .iter()
                .enumerate()
                .any(|(j, b)| j != *i && **a / 64 == *b / 64)
        })
        .count() as u32
}
