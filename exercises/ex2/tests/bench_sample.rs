//! The benchmark's two halves, each checked on its own: [`bench::combine`] on
//! thread results made up here, and the threads of [`bench::sample`] against
//! the same requests replayed on the test's thread. Counts come from
//! exercise 1's tracker, installed here; `measure` counts the calling thread
//! alone, so the other tests running alongside do not disturb them.

use std::alloc::System;
use std::time::Duration;

use ex1::Stats;
use ex2::{Allocator, bench, workload};
use hdrhistogram::Histogram;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

/// The bounds the benchmark records with: 1 ns to 60 s, 3 significant digits.
fn histogram(values: &[(u64, u64)]) -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    for &(value, times) in values {
        h.record_n(value, times).unwrap();
    }
    h
}

#[test]
fn combine_merges_histograms_adds_counts_and_takes_the_slowest_thread() {
    // Two threads of 100 requests each. Every latency is below 2048 ns,
    // which a 3-digit histogram stores exactly, so the percentiles are the
    // values themselves.
    let a_counts = Stats {
        allocs: 10,
        deallocs: 9,
        reallocs: 1,
        bytes_allocated: 1000,
        bytes_freed: 900,
        live_bytes: 100,
        peak_live_bytes: 600,
        inexact: false,
    };
    let b_counts = Stats {
        allocs: 5,
        deallocs: 5,
        reallocs: 0,
        bytes_allocated: 300,
        bytes_freed: 300,
        live_bytes: 0,
        peak_live_bytes: 800,
        inexact: false,
    };
    let a = (
        Duration::from_secs(2),
        histogram(&[(100, 100)]),
        a_counts,
        u64::MAX,
    );
    let b = (
        Duration::from_secs(4),
        histogram(&[(300, 20), (500, 79), (2000, 1)]),
        b_counts,
        3,
    );
    let evidence = ex2::allocator::detect();
    let s = bench::combine(Allocator::System, evidence, 100, &[a, b]);

    assert_eq!((s.allocator, s.evidence), (Allocator::System, evidence));
    assert_eq!((s.threads, s.units_per_thread), (2, 100));
    // The sample ends when its slower thread does, after 4 s; 200 requests
    // in 4 s is 50 per second.
    assert_eq!(s.wall_secs, 4.0);
    assert_eq!(s.units_per_sec, 50.0);
    // One histogram of all 200 requests, sorted: 100 x 100 ns, 20 x 300,
    // 79 x 500, 1 x 2000. The 100th is 100 ns and the 101st 300 ns, so the
    // median is 100 ns or 300 ns depending on how a quantile rounds: compare
    // with a single histogram that recorded every request. The 198th request
    // (p99) is 500 ns, the slowest 2000 ns.
    let all = histogram(&[(100, 100), (300, 20), (500, 79), (2000, 1)]);
    assert_eq!(s.latency.count, 200);
    assert_eq!(s.latency.p50, all.value_at_quantile(0.5));
    assert_eq!(s.latency.p99, 500);
    assert_eq!(s.latency.p999, all.value_at_quantile(0.999));
    assert_eq!(s.latency.max, 2000);
    // (100 x 100 + 20 x 300 + 79 x 500 + 2000) / 200 = 57500 / 200.
    assert!((s.latency.mean - 287.5).abs() < 1e-9, "{}", s.latency.mean);
    // Counts add up, except the peak: each thread's peak is its own, so the
    // sample's is the higher one, 800, not 1400.
    assert_eq!(
        s.counts,
        Stats {
            allocs: 15,
            deallocs: 14,
            reallocs: 1,
            bytes_allocated: 1300,
            bytes_freed: 1200,
            live_bytes: 100,
            peak_live_bytes: 800,
            inexact: false,
        }
    );
    // The checksums add with wrap-around: (2^64 - 1) + 3 = 2 (mod 2^64).
    assert_eq!(s.checksum, 2);
}

/// What thread `thread` of a sample does, replayed on this thread: the same
/// stream, the warm-up requests generated and skipped, then `units`
/// requests handled and measured.
fn replay(seed: u64, thread: usize, units: u64) -> (u64, Stats) {
    let mut rng = workload::rng(seed, thread);
    let mut raw = String::with_capacity(workload::MAX_REQUEST);
    for _ in 0..bench::warmup_units(units) {
        workload::generate(&mut rng, &mut raw);
    }
    ex1::measure(|| {
        let mut sum = 0u64;
        for _ in 0..units {
            workload::generate(&mut rng, &mut raw);
            sum = sum.wrapping_add(workload::handle(&raw));
        }
        sum
    })
}

#[test]
fn each_thread_times_its_own_stream_after_the_warm_up() {
    let (threads, units, seed) = (3, 300, 42);
    let s = bench::sample(Allocator::System, threads, units, seed);
    assert_eq!((s.threads, s.units_per_thread), (threads, units));
    // Every timed request recorded once, and only those.
    assert_eq!(s.latency.count, threads as u64 * units);
    assert!(s.latency.p50 > 0 && s.latency.p50 <= s.latency.max);
    assert!(s.wall_secs > 0.0);

    // Each thread ran its own stream (workload::rng(seed, i)), skipped
    // warmup_units(units) requests and measured the next `units`: the
    // checksum and every count match a replay of exactly those requests.
    // The timed part allocates nothing of its own (the buffer and the
    // histogram are made before it), so the counts are handle's alone.
    let mut checksum = 0u64;
    let mut counts = Stats::default();
    for i in 0..threads {
        let (sum, c) = replay(seed, i, units);
        checksum = checksum.wrapping_add(sum);
        counts = counts.merged(&c);
    }
    assert_eq!(s.checksum, checksum, "other requests than the replay's");
    assert_eq!(s.counts, counts);
    // Every request allocates (unit_counts derives 17 for a tiny one), and
    // frees everything before the next one.
    assert!(
        s.counts.allocs > 17 * threads as u64 * units,
        "{:?}",
        s.counts
    );
    assert_eq!(s.counts.live_bytes, 0, "{:?}", s.counts);
}
