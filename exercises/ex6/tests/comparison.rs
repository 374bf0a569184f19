//! `compare::aggregate` on samples made up for the test: the comparison
//! table's medians, its run-by-run speedups, and its two consistency checks
//! (the same counts, the same report), each with the value it must give.

use ex6::compare::{self, Plan};
use ex6::{Latency, Sample, Strategy};

/// A sample of `strategy` in run `run` that took `wall_secs`.
fn sample(strategy: Strategy, run: usize, wall_secs: f64) -> Sample {
    let allocs = if strategy == Strategy::Arena {
        12
    } else {
        70_000
    };
    Sample {
        strategy,
        run,
        records: 10_000,
        batch: 1_000,
        batches: 10,
        wall_secs,
        batch_latency: Latency {
            p50: 2_000 * (run as u64 + 1),
            p99: 5_000,
            max: 9_000,
            mean: 2_500.0,
        },
        counts: ex1::Stats {
            allocs,
            deallocs: allocs,
            ..ex1::Stats::default()
        },
        peak_rss: Some(10 << 20),
        baseline_anon: None,
        peak_anon: None,
        minor_faults: None,
        tracked: false,
        report_bytes: 4_321,
        report_fnv: 0xfeed,
    }
}

fn plan(strategies: &[Strategy]) -> Plan {
    Plan {
        strategies: strategies.to_vec(),
        runs: 3,
        records: 10_000,
        batch: 1_000,
        seed: 1,
    }
}

/// Three runs: System takes 1.0, 1.2 and 0.9 s; jemalloc always half that;
/// the arena 0.8 s every time.
fn three_runs() -> Vec<Sample> {
    let system = [1.0, 1.2, 0.9];
    let mut samples = Vec::new();
    for (run, &s) in system.iter().enumerate() {
        samples.push(sample(Strategy::System, run, s));
        samples.push(sample(Strategy::Jemalloc, run, s / 2.0));
        samples.push(sample(Strategy::Arena, run, 0.8));
    }
    samples
}

#[test]
fn medians_and_run_by_run_speedups() {
    let all = [Strategy::System, Strategy::Jemalloc, Strategy::Arena];
    let r = compare::aggregate(&plan(&all), three_runs());
    let order: Vec<Strategy> = r.rows.iter().map(|row| row.strategy).collect();
    assert_eq!(order, all, "one row per strategy, in the plan's order");
    let system = r.row(Strategy::System).unwrap();
    assert_eq!(system.wall_secs.runs, 3);
    assert_eq!(
        (
            system.wall_secs.median,
            system.wall_secs.min,
            system.wall_secs.max
        ),
        (1.0, 0.9, 1.2)
    );
    // System against itself: exactly 1 in every run.
    let s = system.speedup.unwrap();
    assert_eq!((s.median, s.min, s.max), (1.0, 1.0, 1.0));
    // jemalloc took half of System's time in each run: 2x in each run, even
    // though its own times vary by a third. Pairing runs cancels the drift.
    let j = r.row(Strategy::Jemalloc).unwrap().speedup.unwrap();
    assert_eq!((j.median, j.min, j.max, j.runs), (2.0, 2.0, 2.0, 3));
    // The arena's time never changed, System's did: 1.0/0.8, 1.2/0.8, 0.9/0.8.
    let a = r.row(Strategy::Arena).unwrap().speedup.unwrap();
    assert!((a.median - 1.25).abs() < 1e-12, "{a:?}");
    assert!((a.min - 1.125).abs() < 1e-12 && (a.max - 1.5).abs() < 1e-12);
    // Batch latencies in microseconds: p50s of 2, 4 and 6 us.
    let arena = r.row(Strategy::Arena).unwrap();
    assert_eq!(arena.batch_p50_us.median, 4.0);
    assert_eq!(arena.batch_p99_us.median, 5.0);
    assert_eq!(arena.peak_rss.unwrap().median, (10 << 20) as f64);
    assert_eq!(arena.counts.allocs, 12);
    assert!(r.same_output && r.counts_agree);
    assert_eq!((r.report_bytes, r.report_fnv), (4_321, 0xfeed));
    assert_eq!(r.samples.len(), 9, "the samples are kept");
}

#[test]
fn without_system_there_is_no_speedup_and_without_samples_no_row() {
    let r = compare::aggregate(
        &plan(&[Strategy::Jemalloc, Strategy::Mimalloc, Strategy::Arena]),
        three_runs()
            .into_iter()
            .filter(|s| s.strategy != Strategy::System)
            .collect(),
    );
    let order: Vec<Strategy> = r.rows.iter().map(|row| row.strategy).collect();
    assert_eq!(order, [Strategy::Jemalloc, Strategy::Arena]);
    assert!(r.rows.iter().all(|row| row.speedup.is_none()));
}

#[test]
fn a_different_count_or_report_is_flagged() {
    let all = [Strategy::System, Strategy::Jemalloc, Strategy::Arena];
    // jemalloc asked for one allocation more than System: the std pipeline
    // is the same program whatever allocator serves it, so the counts must
    // agree.
    let mut samples = three_runs();
    samples[1].counts.allocs += 1;
    let r = compare::aggregate(&plan(&all), samples);
    assert!(!r.counts_agree && r.same_output);
    // One run of the arena wrote a different report.
    let mut samples = three_runs();
    samples[5].report_fnv ^= 1;
    let r = compare::aggregate(&plan(&all), samples);
    assert!(r.counts_agree && !r.same_output);
}

#[test]
fn timings_come_from_untracked_runs_and_counts_from_the_tracked_one() {
    let all = [Strategy::System, Strategy::Arena];
    let mut samples: Vec<Sample> = three_runs()
        .into_iter()
        .filter(|s| s.strategy != Strategy::Jemalloc)
        .collect();
    // One tracked run each, slow (the tracker's cost) and with the counts
    // and memory figures; untracked runs count nothing.
    for s in samples.iter_mut() {
        s.counts = ex1::Stats::default();
    }
    for strategy in all {
        let mut counted = sample(strategy, 3, 100.0);
        counted.tracked = true;
        counted.peak_anon = Some(3 << 20);
        counted.baseline_anon = Some(1 << 20);
        samples.push(counted);
    }
    let r = compare::aggregate(&plan(&all), samples);
    let arena = r.row(Strategy::Arena).unwrap();
    assert_eq!(arena.wall_secs.median, 0.8, "the tracked run is not timed");
    assert_eq!(arena.wall_secs.runs, 3);
    assert_eq!(arena.counts.allocs, 12, "counts from the tracked run");
    assert_eq!(
        (arena.baseline_anon, arena.peak_anon),
        (Some(1 << 20), Some(3 << 20))
    );
    assert!(r.counts_agree);
}
