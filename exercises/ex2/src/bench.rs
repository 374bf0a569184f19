//! The multi-threaded benchmark: N threads each handle requests
//! ([`crate::workload`]) back to back, timing every one.
//!
//! A child process runs one [`sample`]: one allocator (its global allocator),
//! one thread count. The parent runs a fresh child for every allocator, thread
//! count and run, alternating which allocator goes first, and [`aggregate`]s:
//! each figure is the median of the runs with their spread, and the
//! jemalloc/System comparison is the median of per-run ratios, so slow drift
//! of a shared machine cancels out.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use kit::Summary;
use kit::machine::Machine;
use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::allocator::Evidence;
use crate::workload;

/// Latency percentiles of one unit of work, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// The slowest unit.
    pub max: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Units recorded.
    pub count: u64,
}

/// One child's measurement: one allocator, one thread count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sample {
    /// The allocator this child was built with.
    pub allocator: Allocator,
    /// Proof of that allocator, watched in this process.
    pub evidence: Evidence,
    /// Threads that handled requests at once.
    pub threads: usize,
    /// Timed requests each thread handled (after its warm-up).
    pub units_per_thread: u64,
    /// From the start line until the slowest thread finished.
    pub wall_secs: f64,
    /// Requests per second, all threads together.
    pub units_per_sec: f64,
    /// Latency of one request, all threads' requests together.
    pub latency: Latency,
    /// What the timed units allocated, all threads summed (see [`add`]).
    pub counts: ex1::Stats,
    /// Whether the child's global allocator was the tracker (a counting
    /// run) or the allocator as it is (a timed run, whose counts read zero).
    #[serde(default)]
    pub tracked: bool,
    /// Sum of the responses: the same under every allocator, and it keeps the
    /// work from being optimised away.
    pub checksum: u64,
}

/// Warm-up units each thread runs before the start line: page in the code,
/// fill the allocator's caches.
pub fn warmup_units(units: u64) -> u64 {
    units / 10 + 1
}

/// What one thread of a [`sample`] measured: the time from the start line to
/// its last request, the latency of each request, what the timed requests
/// allocated, and the checksum of their responses.
pub type ThreadResult = (Duration, Histogram<u64>, ex1::Stats, u64);

/// One sample from its threads' results: their histograms merged into one
/// (the percentiles are of every request of every thread), their counts
/// added ([`add`]), their checksums summed, and as the wall time the slowest
/// thread's, since the sample is done when its last thread is.
pub fn combine(
    allocator: Allocator,
    evidence: Evidence,
    units: u64,
    per_thread: &[ThreadResult],
) -> Sample {
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("valid bounds");
    let mut counts = ex1::Stats::default();
    let mut checksum = 0u64;
    let mut wall = Duration::ZERO;
    for (elapsed, hist, c, sum) in per_thread {
        all.add(hist).expect("same bounds");
        counts = counts.merged(c);
        checksum = checksum.wrapping_add(*sum);
        wall = wall.max(*elapsed);
    }
    let threads = per_thread.len();
    let wall_secs = wall.as_secs_f64();
    Sample {
        allocator,
        evidence,
        threads,
        units_per_thread: units,
        wall_secs,
        units_per_sec: (units * threads as u64) as f64 / wall_secs.max(1e-9),
        latency: Latency {
            p50: all.value_at_quantile(0.5),
            p99: all.value_at_quantile(0.99),
            p999: all.value_at_quantile(0.999),
            max: all.max(),
            mean: all.mean(),
            count: all.len(),
        },
        counts,
        checksum,
        tracked: false, // `sample` says which
    }
}

// ANCHOR: sample
/// Runs `threads` threads, each handling `units` requests from its own seeded
/// stream, and records every request's latency in an HDR histogram (1 ns to
/// 60 s at 3 significant digits: recording never allocates).
pub fn sample(allocator: Allocator, threads: usize, units: u64, seed: u64) -> Sample {
    let evidence = crate::allocator::detect();
    let start_line = Barrier::new(threads);
    let per_thread: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|i| {
                let start_line = &start_line;
                s.spawn(move || {
                    let mut rng = workload::rng(seed, i);
                    let mut raw = String::with_capacity(workload::MAX_REQUEST);
                    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
                        .expect("static bounds are valid");
                    for _ in 0..warmup_units(units) {
                        workload::generate(&mut rng, &mut raw);
                        std::hint::black_box(workload::handle(&raw));
                    }
                    start_line.wait();
                    let started = Instant::now();
                    let (sum, counts) = ex1::measure(|| {
                        let mut sum = 0u64;
                        for _ in 0..units {
                            workload::generate(&mut rng, &mut raw);
                            let t = Instant::now();
                            let r = workload::handle(std::hint::black_box(&raw));
                            hist.saturating_record(t.elapsed().as_nanos() as u64);
                            sum = sum.wrapping_add(r);
                        }
                        sum
                    });
                    (started.elapsed(), hist, counts, sum)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker thread panicked"))
            .collect()
    });
    // ANCHOR_END: sample
    let mut sample = combine(allocator, evidence, units, &per_thread);
    sample.tracked = ex1::tracking_is_active();
    sample
}

/// One allocator at one thread count, over all runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// The allocator of the children measured.
    pub allocator: Allocator,
    /// Threads handling requests at once.
    pub threads: usize,
    /// Requests per second, all threads together.
    pub throughput: Summary,
    /// Latency percentiles in microseconds.
    pub p50_us: Summary,
    /// 99th percentile.
    pub p99_us: Summary,
    /// 99.9th percentile.
    pub p999_us: Summary,
    /// The slowest request.
    pub max_us: Summary,
    /// Allocation calls (alloc + realloc) per request, from the tracker.
    pub allocs_per_unit: f64,
    /// What one counting child's timed requests allocated, all threads summed.
    pub counts: ex1::Stats,
}

/// jemalloc against System at one thread count: medians of per-run ratios.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    /// Threads handling requests at once.
    pub threads: usize,
    /// jemalloc p99 / System p99 (below 1: jemalloc's tail is shorter).
    pub p99_ratio: Summary,
    /// jemalloc p50 / System p50.
    pub p50_ratio: Summary,
    /// jemalloc throughput / System throughput (above 1: jemalloc is faster).
    pub throughput_ratio: Summary,
}

/// A full benchmark, labelled with where and how it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the benchmark ran.
    pub machine: Machine,
    /// `_RJEM_MALLOC_CONF` as the children saw it, if set.
    pub malloc_conf: Option<String>,
    /// Child processes per allocator and thread count.
    pub runs: usize,
    /// Timed requests each thread handles per run.
    pub units_per_thread: u64,
    /// Seed of the request generator: every run handles the same requests.
    pub seed: u64,
    /// One row per allocator and thread count.
    pub rows: Vec<Row>,
    /// One comparison per thread count.
    pub comparisons: Vec<Comparison>,
    /// The counting children's allocation counts were identical across
    /// allocators, thread count by thread count.
    pub counts_agree: bool,
    /// Every child's evidence showed the allocator it was meant to have.
    pub allocators_verified: bool,
    /// Every child's own sample, as it reported it.
    pub samples: Vec<Sample>,
}

/// Builds the report from every child's sample. Samples of run `r` pair up
/// by their position: `samples` is in the order the parent collected them.
pub fn aggregate(
    samples: Vec<Sample>,
    threads: &[usize],
    allocators: &[Allocator],
    runs: usize,
    units_per_thread: u64,
    seed: u64,
) -> Report {
    // Timings from the untracked children; counts from the tracked one (or,
    // in data without one, from the first).
    let pick = |a: Allocator, t: usize| -> Vec<&Sample> {
        samples
            .iter()
            .filter(|s| s.allocator == a && s.threads == t && !s.tracked)
            .collect()
    };
    let counted = |a: Allocator, t: usize| -> Option<&Sample> {
        let mine = || {
            samples
                .iter()
                .filter(move |s| s.allocator == a && s.threads == t)
        };
        mine().find(|s| s.tracked).or_else(|| mine().next())
    };
    let us = |ns: u64| ns as f64 / 1000.0;
    let mut rows = Vec::new();
    let mut counts_agree = true;
    for &t in threads {
        let reference = allocators
            .iter()
            .find_map(|&a| counted(a, t))
            .map(|s| s.counts);
        for &a in allocators {
            let ss = pick(a, t);
            counts_agree &= counted(a, t).map(|s| s.counts) == reference;
            let col = |f: &dyn Fn(&Sample) -> f64| {
                Summary::of_or_nan(&ss.iter().map(|s| f(s)).collect::<Vec<_>>())
            };
            let counts = counted(a, t).map(|s| s.counts).unwrap_or_default();
            rows.push(Row {
                allocator: a,
                threads: t,
                throughput: col(&|s| s.units_per_sec),
                p50_us: col(&|s| us(s.latency.p50)),
                p99_us: col(&|s| us(s.latency.p99)),
                p999_us: col(&|s| us(s.latency.p999)),
                max_us: col(&|s| us(s.latency.max)),
                allocs_per_unit: (counts.allocs + counts.reallocs) as f64
                    / (units_per_thread * t as u64).max(1) as f64,
                counts,
            });
        }
    }
    let mut comparisons = Vec::new();
    if allocators.contains(&Allocator::System) && allocators.contains(&Allocator::Jemalloc) {
        for &t in threads {
            let (sys, je) = (pick(Allocator::System, t), pick(Allocator::Jemalloc, t));
            let ratio = |f: &dyn Fn(&Sample) -> f64| {
                Summary::of_or_nan(
                    &je.iter()
                        .zip(&sys)
                        .map(|(j, s)| f(j) / f(s))
                        .collect::<Vec<_>>(),
                )
            };
            comparisons.push(Comparison {
                threads: t,
                p99_ratio: ratio(&|s| s.latency.p99 as f64),
                p50_ratio: ratio(&|s| s.latency.p50 as f64),
                throughput_ratio: ratio(&|s| s.units_per_sec),
            });
        }
    }
    let allocators_verified = samples.iter().all(|s| s.evidence.serving() == s.allocator);
    Report {
        machine: Machine::describe(),
        malloc_conf: crate::malloc_conf_env(),
        runs,
        units_per_thread,
        seed,
        rows,
        comparisons,
        counts_agree,
        allocators_verified,
        samples,
    }
}

/// Per allocator and thread count: throughput and latency percentiles.
pub fn table(r: &Report) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "Request handling, side by side: {} of {} runs x {} requests per thread",
            r.rows
                .first()
                .map_or(kit::timing::SPREAD_NOTE, |row| row.throughput.spread_note()),
            r.runs,
            r.units_per_thread
        ),
        &[
            "threads",
            "allocator",
            "requests/s",
            "p50 µs",
            "p99 µs",
            "p99.9 µs",
            "max µs",
            "allocs/request",
        ],
    );
    for row in &r.rows {
        t.row([
            row.threads.to_string(),
            row.allocator.to_string(),
            row.throughput.display(0),
            row.p50_us.display(2),
            row.p99_us.display(2),
            row.p999_us.display(1),
            row.max_us.display(0),
            format!("{:.1}", row.allocs_per_unit),
        ]);
    }
    t
}

/// jemalloc relative to System, per thread count.
pub fn comparison_table(r: &Report) -> kit::Table {
    let mut t = kit::Table::new(
        "jemalloc relative to System (median of per-run ratios; negative: jemalloc lower)",
        &["threads", "p50", "p99", "throughput", "p99 ratio range"],
    );
    for c in &r.comparisons {
        t.row([
            c.threads.to_string(),
            percent(c.p50_ratio.median),
            percent(c.p99_ratio.median),
            percent(c.throughput_ratio.median),
            format!("{:.2}–{:.2}", c.p99_ratio.min, c.p99_ratio.max),
        ]);
    }
    t
}

/// `0.83` → `-17%`.
pub fn percent(ratio: f64) -> String {
    format!("{:+.0}%", (ratio - 1.0) * 100.0)
}

/// "jemalloc cuts p99 latency by 30–50%", as a claim on jemalloc's p99 over
/// System's: between 0.5 and 0.7.
pub const P99_CLAIM: kit::Claim = kit::Claim {
    low: 0.5,
    high: 0.7,
};

// ANCHOR: verdict
/// The verdict on "jemalloc cuts p99 latency by 30–50%", from the data: the
/// p99 change at 1 and 2 threads, where it falls against the claim, and
/// whether the tail shrank more than the median (a tail effect) or about as
/// much (every request simply got faster).
pub fn verdict(r: &Report) -> String {
    let mut parts = Vec::new();
    for c in r.comparisons.iter().filter(|c| c.threads <= 2) {
        let cut = (1.0 - c.p99_ratio.median) * 100.0;
        let median_cut = (1.0 - c.p50_ratio.median) * 100.0;
        let ratio = p99_interval(c);
        let words = match P99_CLAIM.judge(&ratio) {
            v @ kit::Verdict::Above if cut > 0.0 => against_claim(v).to_string(),
            // The median moved the wrong way; the interval may still allow
            // a small cut.
            kit::Verdict::Above if ratio.ci_low < 1.0 => format!(
                "no cut beyond the noise: the interval of the p99 change runs from a {:.0}% cut \
                 to a {:.0}% rise",
                (1.0 - ratio.ci_low) * 100.0,
                (ratio.ci_high - 1.0) * 100.0
            ),
            kit::Verdict::Above => "no cut at all: the whole interval is a rise".to_string(),
            kit::Verdict::Inconclusive | kit::Verdict::MachineDependent => format!(
                "inconclusive: the interval of the p99 cut, {:.0}% to {:.0}%, straddles a \
                 bound of 30–50%",
                (1.0 - ratio.ci_high) * 100.0,
                (1.0 - ratio.ci_low) * 100.0
            ),
            v => against_claim(v).to_string(),
        };
        // Within 5 percentage points of each other: the whole distribution
        // moved, not the tail alone.
        let shape = if cut - median_cut > 5.0 {
            "larger than the median's, so the tail itself shrank"
        } else if median_cut - cut > 5.0 {
            "smaller than the median's, so the tail improved least"
        } else {
            "about the median's, so the whole distribution moved, not the tail alone"
        };
        parts.push(format!(
            "at {} thread{}, p99 {} ({words}; p50 {}, a p99 change {shape})",
            c.threads,
            if c.threads == 1 { "" } else { "s" },
            describe_change(cut),
            describe_change(median_cut),
        ));
    }
    if parts.is_empty() {
        return "No jemalloc/System comparison in this run (jemalloc not built in?).".into();
    }
    format!(
        "The claim \"jemalloc cuts p99 latency by 30–50%\", measured: {}.",
        parts.join("; ")
    )
}

/// The p99 ratio as the claim judges it. A cut of 30-50% is a ratio of
/// 0.5-0.7, judged from the 95% interval of the median ratio. Data recorded
/// without an interval is not judged from its median: it counts as too few
/// runs.
fn p99_interval(c: &Comparison) -> kit::Summary {
    if c.p99_ratio.ci_low.is_nan() {
        kit::Summary {
            runs: 0,
            ..c.p99_ratio
        }
    } else {
        c.p99_ratio
    }
}

/// Where a p99 cut falls against the claim's 30–50%, in words: the same
/// words for one machine's verdict and for what held on every machine.
fn against_claim(v: kit::Verdict) -> &'static str {
    match v {
        kit::Verdict::Below => "more than claimed",
        kit::Verdict::Holds => "within the claimed range",
        kit::Verdict::Above => "less than claimed",
        kit::Verdict::Inconclusive => "inconclusive",
        kit::Verdict::MachineDependent => "machine-dependent",
        kit::Verdict::NoData => "no data",
        kit::Verdict::TooFewRuns => "too few runs",
    }
}

fn describe_change(cut_percent: f64) -> String {
    if cut_percent >= 0.0 {
        format!("{cut_percent:.0}% lower with jemalloc")
    } else {
        format!("{:.0}% higher with jemalloc", -cut_percent)
    }
}
// ANCHOR_END: verdict

// ANCHOR: across_machines
/// What held on every machine measured, at 1 and 2 threads: one verdict
/// when all machines agree; "machine-dependent" when their conclusive
/// verdicts differ; "inconclusive" when any machine's interval straddles.
pub fn across_machines(runs: &[Report]) -> String {
    let mut parts = Vec::new();
    for threads in [1, 2] {
        let verdicts: Vec<kit::Verdict> = runs
            .iter()
            .filter_map(|r| r.comparisons.iter().find(|c| c.threads == threads))
            .map(|c| P99_CLAIM.judge(&p99_interval(c)))
            .collect();
        if verdicts.is_empty() {
            continue;
        }
        parts.push(format!(
            "at {threads} thread{}, {}",
            if threads == 1 { "" } else { "s" },
            against_claim(kit::Verdict::across(verdicts))
        ));
    }
    format!(
        "On every machine measured ({}), the p99 cut against the claim: {}.",
        kit::machine::Machine::varied_short(&runs.iter().map(|r| &r.machine).collect::<Vec<_>>()),
        parts.join("; ")
    )
}
// ANCHOR_END: across_machines

/// The line under the tables: machine, build, runs.
pub fn label(r: &Report) -> String {
    format!(
        "{}; {} run{}, each allocator in a fresh {}; seed {}{}.",
        r.machine.measured_on(),
        r.runs,
        if r.runs == 1 { "" } else { "s" },
        if r.samples.iter().any(|s| s.tracked) {
            "untracked process per run (allocations counted in one more, tracked, run)"
        } else {
            "process per run, timed under the tracker (a run from before the split, to be redone)"
        },
        r.seed,
        match &r.malloc_conf {
            Some(c) => format!("; {}={c}", crate::MALLOC_CONF_VAR),
            None => String::new(),
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run whose p99 ratio has the interval `lo..hi` at 1 and 2 threads.
    fn with_p99(lo: f64, hi: f64) -> Report {
        let p99_ratio = kit::Summary {
            median: (lo + hi) / 2.0,
            ci_low: lo,
            ci_high: hi,
            // Three runs: fewer decide nothing.
            ..kit::Summary::of(&[lo, (lo + hi) / 2.0, hi]).unwrap()
        };
        let unchanged = kit::Summary::of(&[1.0]).unwrap();
        Report {
            machine: Machine::describe(),
            malloc_conf: None,
            runs: 2,
            units_per_thread: 1,
            seed: 0,
            rows: Vec::new(),
            comparisons: [1, 2]
                .map(|threads| Comparison {
                    threads,
                    p99_ratio,
                    p50_ratio: unchanged,
                    throughput_ratio: unchanged,
                })
                .to_vec(),
            counts_agree: true,
            allocators_verified: true,
            samples: Vec::new(),
        }
    }

    #[test]
    fn across_machines_states_only_what_held_on_every_machine() {
        let holds = with_p99(0.55, 0.65);
        let more = with_p99(0.3, 0.4);
        let straddles = with_p99(0.6, 0.8);
        let both = across_machines(&[holds.clone(), holds.clone()]);
        // What the machines shared depends on the machine running the test.
        assert!(
            both.starts_with("On every machine measured (2 machines)")
                && both.ends_with(
                    "), the p99 cut against the claim: at 1 thread, within the claimed \
                     range; at 2 threads, within the claimed range."
                ),
            "{both}"
        );
        let disagree = across_machines(&[holds.clone(), more]);
        assert!(disagree.contains("machine-dependent"), "{disagree}");
        let unsure = across_machines(&[straddles, holds]);
        assert!(unsure.contains("at 1 thread, inconclusive"), "{unsure}");
    }
}
