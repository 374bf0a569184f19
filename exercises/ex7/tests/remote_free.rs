//! The remote-free workload in this process, under the tracker: every
//! thread allocates exactly its blocks, frees exactly the blocks of the
//! thread before it (same count, same bytes), and the live bytes return to
//! where they started. `harness = false`: no test threads allocate meanwhile.

use ex7::workload::{self, Params, Workload};

#[global_allocator]
static GLOBAL: ex1::Tracker<std::alloc::System> = ex1::Tracker::new(std::alloc::System);

/// Runs `p` and returns each thread's counts and checksum, and what the
/// whole process allocated meanwhile, the outcome itself dropped.
fn run_counted(
    p: &Params,
    probe: &dyn Fn() -> workload::Probe,
) -> (Vec<ex1::Stats>, Vec<u64>, ex1::Stats) {
    let mut stats = Vec::with_capacity(16);
    let mut sums = Vec::with_capacity(16);
    let before = ex1::COUNTERS.totals();
    let outcome = workload::run(p, probe);
    for t in &outcome.threads {
        stats.push(t.stats);
        sums.push(t.checksum);
    }
    drop(outcome);
    let all = ex1::COUNTERS.totals().since(&before);
    (stats, sums, all)
}

fn main() {
    // std initialises a few things on the first spawn and keeps them
    // (thread bookkeeping): a first run so that the measured ones start warm.
    let warm = Params {
        workload: Workload::RemoteFree,
        threads: 3,
        ops: 10,
        max_size: 16,
        seed: 1,
    };
    workload::run(&warm, &|| workload::probe_now(ex7::Allocator::System));
    for threads in [1, 3] {
        let p = Params {
            workload: Workload::RemoteFree,
            threads,
            ops: 3000,
            max_size: 512,
            seed: 7,
        };
        let probe = || workload::probe_now(ex7::Allocator::System);
        let (t, sums, all) = run_counted(&p, &probe);
        let n = t.len();
        assert_eq!(n, threads as usize);
        for i in 0..n {
            let before = &t[(i + n - 1) % n];
            assert_eq!(t[i].allocs, p.ops, "thread {i} allocations");
            assert_eq!(t[i].deallocs, p.ops, "thread {i} frees");
            assert_eq!(
                t[i].bytes_freed,
                before.bytes_allocated,
                "thread {i} frees thread {}'s bytes",
                (i + n - 1) % n
            );
        }
        let work = t.iter().fold(ex1::Stats::default(), |a, b| a.merged(b));
        assert_eq!(work.live_bytes, 0, "every remote-freed block accounted for");
        assert!(work.bytes_allocated > 16 * p.ops * threads as u64);
        // The whole process, threads and rings included, is back to where it
        // started too (once std's first-spawn state exists).
        assert_eq!(all.live_bytes, 0, "{all:?}");
        // The same seed, the same work.
        let (again, sums_again, _) = run_counted(&p, &probe);
        assert!(
            again.iter().zip(&t).all(|(a, b)| workload::same_work(a, b)) && sums == sums_again,
            "a second run counted different work"
        );
    }
    println!("remote_free: ok");
}
