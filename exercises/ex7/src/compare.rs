//! The parent: every workload at each thread count under each allocator,
//! every run in a fresh timed process, the allocators' order rotated from run
//! to run; medians and spreads; and the verdict on a common claim.

use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::child::Sample;
use crate::view::View;
use crate::workload::{Probe, Sharing, Workload};
use kit::Summary;
use kit::machine::Machine;
use kit::timing::{Claim, SPREAD_NOTE, Verdict};

// ANCHOR: plan
/// What a comparison runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Workloads, in this order.
    pub workloads: Vec<Workload>,
    /// Thread counts, each run for every workload.
    pub threads: Vec<u32>,
    /// Allocators, each in processes of its own.
    pub allocators: Vec<Allocator>,
    /// Timed runs of each combination.
    pub runs: usize,
    /// Each workload's default operations per thread, scaled by this
    /// percentage.
    pub work_percent: u32,
    /// Largest block, in bytes.
    pub max_size: u32,
    /// Seed of every thread's random sizes and choices.
    pub seed: u64,
    /// Anonymous RSS sampled every this many milliseconds.
    pub sample_ms: u32,
}
// ANCHOR_END: plan

impl Plan {
    pub(crate) fn ops(&self, w: Workload) -> u64 {
        (w.default_ops() * self.work_percent as u64 / 100).max(1)
    }

    /// The child parameters of workload `w` at `threads` threads.
    pub fn params(&self, w: Workload, threads: u32) -> crate::Params {
        crate::Params {
            workload: w,
            threads,
            ops: self.ops(w),
            max_size: self.max_size,
            seed: self.seed,
        }
    }
}

/// The command line of a child running `p`.
pub fn child_args(p: &crate::Params, linger_ms: u32) -> Vec<String> {
    [
        "run",
        "--workload",
        p.workload.name(),
        "--threads",
        &p.threads.to_string(),
        "--ops",
        &p.ops.to_string(),
        "--max-size",
        &p.max_size.to_string(),
        "--seed",
        &p.seed.to_string(),
        "--linger-ms",
        &linger_ms.to_string(),
        "--json",
    ]
    .map(String::from)
    .to_vec()
}

/// Runs `p` in a fresh process of `allocator` (timed, or `counted`), with
/// `env` set on top of a clean allocator environment. With `sample_ms`, this
/// process samples the child's anonymous RSS that often while it runs (the
/// child runs no sampler of its own).
pub fn run_child(
    allocator: Allocator,
    counted: bool,
    p: &crate::Params,
    sample_ms: u32,
    linger_ms: u32,
    env: &[(&str, &str)],
) -> Result<Sample, String> {
    let exe = crate::allocator::executable(allocator, counted).map_err(|e| {
        format!(
            "cannot find {}: {e}",
            crate::allocator::binary(allocator, counted)
        )
    })?;
    let args = child_args(p, linger_ms);
    if sample_ms == 0 {
        return kit::child::run_json(&exe, &args, env);
    }
    let every = std::time::Duration::from_millis(u64::from(sample_ms));
    let (mut sample, series): (Sample, _) = kit::child::run_json_sampled(&exe, &args, env, every)?;
    sample.rss_series = series;
    Ok(sample)
}

/// Runs the whole plan: run by run, workload by workload, thread count by
/// thread count, the allocators in an order rotated by the run number.
pub fn collect(plan: &Plan, progress: &dyn Fn()) -> Result<Vec<Sample>, String> {
    let mut out = Vec::new();
    for run in 0..plan.runs {
        for &w in &plan.workloads {
            for &t in &plan.threads {
                let n = plan.allocators.len();
                for k in 0..n {
                    let a = plan.allocators[(k + run) % n];
                    out.push(run_child(
                        a,
                        false,
                        &plan.params(w, t),
                        plan.sample_ms,
                        0,
                        &[],
                    )?);
                    progress();
                }
            }
        }
    }
    Ok(out)
}

// ANCHOR: row
/// One (workload, threads, allocator) over all runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The workload run.
    pub workload: Workload,
    /// Worker threads.
    pub threads: u32,
    /// More threads than the machine has cores.
    pub oversubscribed: bool,
    /// The global allocator.
    pub allocator: Allocator,
    /// Millions of operations per second.
    pub mops: Summary,
    /// 99th percentile of the batch times (µs).
    pub p99_us: Summary,
    /// Anonymous RSS at the end (MiB).
    pub rss_end_mib: Summary,
    /// Highest anonymous RSS sampled (MiB).
    pub rss_peak_mib: Summary,
    /// Minor page faults during the work.
    pub minor_faults: Summary,
    /// The first run's allocator view (and, for arenas, while threads held
    /// memory; for false-sharing, the cache lines shared).
    pub view: View,
    /// Memory while every thread held its share (arenas), first run.
    pub alive: Option<Probe>,
    /// The cache lines shared (false-sharing), first run.
    pub sharing: Option<Sharing>,
    /// Every run's p99 (µs), in run order, for paired ratios.
    pub p99_runs: Vec<f64>,
}
// ANCHOR_END: row

/// One series of anonymous RSS over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RssSeries {
    /// The workload run.
    pub workload: Workload,
    /// Worker threads.
    pub threads: u32,
    /// The global allocator.
    pub allocator: Allocator,
    /// `(ms since the start, bytes)`.
    pub points: Vec<(u32, u64)>,
}

/// The claim tested, one thread count at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRow {
    /// Worker threads.
    pub threads: u32,
    /// More threads than the machine has cores.
    pub oversubscribed: bool,
    /// jemalloc's p99 over System's, run by run (runs with a p99 only).
    pub ratios: Vec<f64>,
    /// Their median, quartiles and 95% bootstrap interval of the median.
    pub ratio: Summary,
    /// Whether the claim held, did not, or the interval cannot tell.
    pub verdict: Verdict,
}

/// A labelled comparison: what `--json` writes and `--from` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// What ran.
    pub plan: Plan,
    /// Where it ran.
    pub machine: Machine,
    /// One row per workload, thread count and allocator.
    pub rows: Vec<Row>,
    /// Server RSS over time at the largest thread count, first run. (Not
    /// `series`: that name marks a kit::series file of several runs.)
    pub rss_over_time: Vec<RssSeries>,
    /// The claim, one row per thread count.
    pub claim: Vec<ClaimRow>,
    /// Memory during the runs was sampled by this parent from outside; false
    /// in runs recorded before, whose children sampled themselves.
    #[serde(default)]
    pub rss_from_parent: bool,
}

/// "jemalloc cuts p99 latency by 30–50%": jemalloc's p99 between 0.5 and
/// 0.7 of System's.
pub const CLAIM: Claim = Claim {
    low: 0.5,
    high: 0.7,
};
/// Fewer paired runs than this decide nothing (kit's rule).
pub const MIN_RUNS_FOR_VERDICT: usize = kit::timing::MIN_RUNS;

// ANCHOR: verdict
/// The verdict on the claim from the per-run ratios (jemalloc's p99 over
/// System's, paired by run): kit's judgement of the 95% bootstrap interval
/// of their median, conclusive only when the whole interval falls on one
/// side of each bound of the claim; "too few runs" below kit's minimum.
pub fn judge(ratios: &[f64]) -> (Summary, Verdict) {
    let ratio = Summary::of_or_nan(ratios);
    (ratio, CLAIM.judge(&ratio))
}
// ANCHOR_END: verdict

/// Groups the samples into rows, series and the claim.
pub fn aggregate(plan: &Plan, samples: Vec<Sample>) -> Report {
    let machine = Machine::describe();
    let cores = machine.cores as u32;
    let mut rows = Vec::new();
    for &w in &plan.workloads {
        for &t in &plan.threads {
            for &a in &plan.allocators {
                let mine: Vec<&Sample> = samples
                    .iter()
                    .filter(|s| s.params.workload == w && s.params.threads == t && s.allocator == a)
                    .collect();
                let Some(first) = mine.first() else { continue };
                let of = |f: &dyn Fn(&Sample) -> f64| {
                    Summary::of_or_nan(&mine.iter().map(|s| f(s)).collect::<Vec<_>>())
                };
                let p99_runs: Vec<f64> =
                    mine.iter().map(|s| s.latency.p99_ns as f64 / 1e3).collect();
                rows.push(Row {
                    workload: w,
                    threads: t,
                    oversubscribed: t > cores,
                    allocator: a,
                    mops: of(&|s| s.throughput() / 1e6),
                    p99_us: Summary::of_or_nan(&p99_runs),
                    rss_end_mib: of(&|s| {
                        s.rss_anon_end
                            .map_or(f64::NAN, |b| b as f64 / kit::format::MIB)
                    }),
                    rss_peak_mib: of(&|s| peak(s) as f64 / kit::format::MIB),
                    minor_faults: of(&|s| s.minor_faults as f64),
                    view: first.view,
                    alive: first.alive,
                    sharing: first.sharing,
                    p99_runs,
                });
            }
        }
    }
    let top = plan.threads.iter().copied().max().unwrap_or(1);
    let rss_over_time = plan
        .allocators
        .iter()
        .filter_map(|&a| {
            let s = samples.iter().find(|s| {
                s.params.workload == Workload::Server && s.params.threads == top && s.allocator == a
            })?;
            Some(RssSeries {
                workload: Workload::Server,
                threads: top,
                allocator: a,
                points: s.rss_series.clone(),
            })
        })
        .collect();
    let claim = claim_rows(&rows, cores);
    Report {
        plan: plan.clone(),
        machine,
        rows,
        rss_over_time,
        claim,
        rss_from_parent: true,
    }
}

/// The highest anonymous RSS seen: sampled, or at the end.
fn peak(s: &Sample) -> u64 {
    s.rss_series
        .iter()
        .map(|p| p.1)
        .chain(s.rss_anon_end)
        .max()
        .unwrap_or(0)
}

fn claim_rows(rows: &[Row], cores: u32) -> Vec<ClaimRow> {
    let find = |t: u32, a: Allocator| {
        rows.iter()
            .find(|r| r.workload == Workload::Server && r.threads == t && r.allocator == a)
    };
    let mut out = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.workload == Workload::Server && r.allocator == Allocator::System)
    {
        let Some(j) = find(r.threads, Allocator::Jemalloc) else {
            continue;
        };
        // Paired by run: run k of jemalloc against run k of System (a run
        // too short to fill a batch has no p99 and no ratio).
        let ratios: Vec<f64> = j
            .p99_runs
            .iter()
            .zip(&r.p99_runs)
            .filter(|(j, s)| **j > 0.0 && **s > 0.0)
            .map(|(j, s)| j / s)
            .collect();
        let (ratio, verdict) = judge(&ratios);
        out.push(ClaimRow {
            threads: r.threads,
            oversubscribed: r.threads > cores,
            ratios,
            ratio,
            verdict,
        });
    }
    out
}

fn threads_cell(t: u32, oversubscribed: bool) -> String {
    if oversubscribed {
        format!("{t} (oversubscribed)")
    } else {
        t.to_string()
    }
}

/// The allocator's view: read while every worker held its memory (the
/// arenas workload) or after the workers exited (the others). glibc's
/// arenas outlive their threads, so its count (arenas created) is the same
/// either way; jemalloc's "in use" counts arenas with a living thread, so
/// it is shown only where it was read while the workers lived.
fn view_cell(r: &Row) -> String {
    let (v, alive) = r.alive.map_or((r.view, false), |a| (a.view, true));
    let mut parts = Vec::new();
    if let Some(n) = v.glibc_arenas {
        parts.push(format!("{n} glibc arenas created"));
    }
    match (v.jemalloc_narenas, v.jemalloc_arenas_in_use) {
        (Some(n), Some(u)) if alive => parts.push(format!("{u} of {n} jemalloc arenas in use")),
        (Some(n), _) => parts.push(format!("jemalloc narenas {n}")),
        _ => {}
    }
    if let Some(s) = r.sharing {
        parts.push(format!(
            "{} of {} objects share a line ({} handed back)",
            s.own, r.threads, s.reused
        ));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

/// One table per workload, for one machine's run.
pub fn tables(r: &Report) -> Vec<kit::Table> {
    r.plan
        .workloads
        .iter()
        .map(|&w| {
            let mut t = kit::Table::new(
                format!(
                    "{w} on {}: {} ops per thread (one op: {}), {} of {} run(s)",
                    r.machine.short(),
                    r.plan.ops(w),
                    w.op(),
                    SPREAD_NOTE,
                    r.plan.runs
                ),
                &[
                    "threads",
                    "allocator",
                    "Mops/s",
                    "batch p99 (µs)",
                    "RssAnon end (MiB)",
                    "RssAnon peak (MiB)",
                    "minor faults",
                    "allocator's view",
                ],
            );
            for row in r.rows.iter().filter(|x| x.workload == w) {
                t.row([
                    threads_cell(row.threads, row.oversubscribed),
                    row.allocator.to_string(),
                    row.mops.display(2),
                    row.p99_us.display(0),
                    row.rss_end_mib.display(1),
                    row.rss_peak_mib.display(1),
                    format!("{:.0}", row.minor_faults.median),
                    view_cell(row),
                ]);
            }
            t
        })
        .collect()
}

/// The thread count a machine's summary shows: the most threads that fit its
/// cores, or the fewest measured when none does.
fn summary_threads(r: &Report) -> Option<u32> {
    let fit = r
        .plan
        .threads
        .iter()
        .copied()
        .filter(|&t| t <= r.machine.cores as u32);
    fit.max().or_else(|| r.plan.threads.iter().copied().min())
}

/// Every workload on every machine measured, at as many threads as the
/// machine has cores: each allocator's throughput and batch p99, the
/// machines as columns. The chapter's one table; [`tables`] has the rest.
pub fn summary_table(runs: &[Report]) -> kit::Table {
    let mut columns = vec!["workload".to_string(), "allocator".to_string()];
    for r in runs {
        let t = summary_threads(r).map_or("-".to_string(), |t| t.to_string());
        columns.push(format!("{}, at {t} threads", r.machine.short()));
    }
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = kit::Table::new(
        format!(
            "Each workload at as many threads as the machine has cores: throughput (Mops/s) and batch p99 (µs), {SPREAD_NOTE}"
        ),
        &header,
    );
    let mut keys: Vec<(Workload, Allocator)> = Vec::new();
    for r in runs {
        for row in &r.rows {
            if !keys.contains(&(row.workload, row.allocator)) {
                keys.push((row.workload, row.allocator));
            }
        }
    }
    for (w, a) in keys {
        let mut cells = vec![w.to_string(), a.to_string()];
        for r in runs {
            let row = r.rows.iter().find(|x| {
                x.workload == w && x.allocator == a && Some(x.threads) == summary_threads(r)
            });
            cells.push(row.map_or("-".to_string(), |x| {
                format!(
                    "{} Mops/s, p99 {} µs",
                    x.mops.display(2),
                    x.p99_us.display(0)
                )
            }));
        }
        t.row(cells);
    }
    t
}

/// The verdict in words, for this claim (a ratio of p99s: below the range
/// means jemalloc cut more than claimed).
pub fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Holds => "holds (jemalloc's p99 is 50-70% of System's)",
        Verdict::Below => "cut by more than claimed (jemalloc's p99 under 50% of System's)",
        Verdict::Above => "does not hold (cut by less than 30%, or not at all)",
        Verdict::Inconclusive => "inconclusive",
        Verdict::MachineDependent => "machine-dependent",
        Verdict::NoData => "no data",
        Verdict::TooFewRuns => "too few runs",
    }
}

/// The verdict in a word or two, for lists.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Holds => "holds",
        Verdict::Below => "more than claimed",
        Verdict::Above => "does not hold",
        Verdict::Inconclusive => "inconclusive",
        Verdict::MachineDependent => "machine-dependent",
        Verdict::NoData => "no data",
        Verdict::TooFewRuns => "too few runs",
    }
}

/// The claim, thread count by thread count, for one machine's run.
pub fn claim_table(r: &Report) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "\"jemalloc cuts p99 latency by 30–50%\" under the server simulation on {}: jemalloc's batch p99 over System's, paired run by run; the verdict from the 95% bootstrap interval of the median ratio against {}-{} (inconclusive if it straddles a bound; none with fewer than {MIN_RUNS_FOR_VERDICT} runs)",
            r.machine.short(),
            CLAIM.low,
            CLAIM.high
        ),
        &["threads", "runs", "median ratio", "95% interval", "verdict"],
    );
    for c in &r.claim {
        t.row([
            threads_cell(c.threads, c.oversubscribed),
            c.ratios.len().to_string(),
            format!("{:.2}", c.ratio.median),
            c.ratio.interval(2),
            verdict_text(c.verdict).to_string(),
        ]);
    }
    t
}

/// The claim's verdict in one sentence: for each thread count, judged
/// across the machines whose cores it fits (never across thread counts:
/// one thread and two are different questions), then each machine's own.
pub fn claim_line(runs: &[Report]) -> String {
    let threads: std::collections::BTreeSet<u32> = runs
        .iter()
        .flat_map(|r| r.claim.iter().filter(|c| !c.oversubscribed))
        .map(|c| c.threads)
        .collect();
    if threads.is_empty() {
        return "Verdict on \"jemalloc cuts p99 latency by 30–50%\": none, as no run \
                compared jemalloc with System at a thread count within the cores (an \
                oversubscribed batch measures the scheduler as much as the allocator)."
            .to_string();
    }
    let overall: Vec<String> = threads
        .iter()
        .map(|&t| {
            let v = Verdict::across(runs.iter().flat_map(|r| {
                r.claim
                    .iter()
                    .filter(move |c| c.threads == t && !c.oversubscribed)
                    .map(|c| c.verdict)
            }));
            format!("at {t} thread(s), {}", verdict_text(v))
        })
        .collect();
    let per_machine: Vec<String> = runs
        .iter()
        .map(|r| {
            let counts: Vec<String> = r
                .claim
                .iter()
                .filter(|c| !c.oversubscribed)
                .map(|c| format!("{} ({})", c.threads, verdict_word(c.verdict)))
                .collect();
            format!("{}: at {} threads", r.machine.short(), counts.join(", "))
        })
        .collect();
    format!(
        "Verdict on \"jemalloc cuts p99 latency by 30–50%\" for the server simulation, thread counts within the cores only, each judged across the machines measured ({}): {}. {}.",
        kit::machine::Machine::varied_short(&runs.iter().map(|r| &r.machine).collect::<Vec<_>>()),
        overall.join("; "),
        per_machine.join("; ")
    )
}

/// Where and how one run's data were taken.
pub fn label(r: &Report) -> String {
    format!(
        "{} ({} run(s)); threads above {} are oversubscribed. Timed processes run the allocator alone (untracked); counts come from tracked processes.{}",
        r.machine.measured_on(),
        r.plan.runs,
        r.machine.cores,
        if r.rss_from_parent {
            ""
        } else {
            " An older method: memory during the work was sampled by a thread inside the \
             measured process, which under glibc had an arena of its own (counted in the view \
             column)."
        }
    )
}
