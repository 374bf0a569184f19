//! Thread churn (after mstress): rounds of short-lived threads; a quarter of
//! each thread's objects outlive it in a pool the main thread keeps.

use ex1::Stats;
use rand::RngExt;

use super::{Clock, Outcome, POOL, Params, ROUNDS, ThreadOut, join, new_histogram, object, rng};

/// Runs the churn workload: [`ROUNDS`] rounds of short-lived threads.
pub(super) fn churn(p: &Params) -> Outcome {
    let p = *p;
    let n = p.threads as usize;
    let per_round = (p.ops / ROUNDS).max(1);
    let (mut pool, mut main) =
        ex1::measure(|| (0..POOL).map(|_| None).collect::<Vec<Option<Box<[u8]>>>>());
    let mut cursor = 0;
    let mut threads: Vec<ThreadOut> = (0..n)
        .map(|_| ThreadOut {
            stats: Stats::default(),
            hist: new_histogram(),
            ops: 0,
            checksum: 0,
        })
        .collect();
    for round in 0..ROUNDS {
        let handles: Vec<_> = (0..n as u64)
            .map(|i| std::thread::spawn(move || churn_thread(p, round * 1000 + i, per_round)))
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let (survivors, out) = join(h);
            let t = &mut threads[i];
            t.stats = t.stats.merged(&out.stats);
            let _ = t.hist.add(&out.hist);
            t.ops += out.ops;
            t.checksum = t.checksum.wrapping_add(out.checksum);
            // The survivors outlive their thread; each replaces (frees) the
            // oldest object in the pool once it is full.
            let (_, stats) = ex1::measure(|| {
                for s in survivors {
                    pool[cursor % POOL] = Some(s);
                    cursor += 1;
                }
            });
            main = main.merged(&stats);
        }
    }
    main = main.merged(&ex1::measure(|| drop(pool)).1);
    Outcome {
        threads,
        main,
        alive: None,
        sharing: None,
    }
}

// ANCHOR: churn_thread
/// A short-lived thread: allocates `count` objects into a window of 64 it
/// replaces at random; every fourth object is kept instead, to outlive it.
fn churn_thread(p: Params, stream: u64, count: u64) -> (Vec<Box<[u8]>>, ThreadOut) {
    let mut rng = rng(p.seed, stream);
    let mut clock = Clock::new();
    let ((kept, checksum), stats) = ex1::measure(|| {
        let mut kept = Vec::with_capacity((count / 4 + 1) as usize);
        let mut window: Vec<Option<Box<[u8]>>> = (0..64).map(|_| None).collect();
        let mut sum = 0u64;
        for k in 0..count {
            let o = object(&mut rng, p.max_size);
            sum = sum.wrapping_add(o.len() as u64);
            if k % 4 == 0 {
                kept.push(o);
            } else {
                window[rng.random_range(0..64)] = Some(o);
            }
            clock.tick();
        }
        drop(window);
        (kept, sum)
    });
    let out = ThreadOut {
        stats,
        hist: clock.hist,
        ops: count,
        checksum,
    };
    (kept, out)
}
// ANCHOR_END: churn_thread
