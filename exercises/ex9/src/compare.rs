//! The comparison: every allocator in processes of its own.
//!
//! - Throughput and anonymous RSS of chapter 2's requests and chapter 7's
//!   server, and held against live bytes in the fragmentation run: the
//!   final step, System, jemalloc and mimalloc, each the global allocator
//!   of its own timed (untracked) process, a fresh process per run.
//! - One allocation+free pair ([`crate::churn`]): every step and the three
//!   others called directly, nanoseconds per pair from fresh untracked
//!   processes and, with `--callgrind`, instructions per pair.

use kit::format::mib;
use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::churn::Pattern;
use crate::workload::{Job, Sample, Workload};

/// What to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// Thread counts of the multi-threaded workloads.
    pub threads: Vec<u32>,
    /// Timed runs of each combination, each in a fresh process.
    pub runs: usize,
    /// Operations per thread of the requests workload.
    pub requests: u64,
    /// Operations per thread of the server workload.
    pub server_ops: u64,
    /// Operations of the fragmentation run.
    pub frag_ops: u64,
    /// Allocation+free pairs of each churn loop.
    pub churn_iters: u64,
    /// Whether the churn loops were also counted under callgrind.
    pub callgrind: bool,
    /// Seed of every workload's random choices.
    pub seed: u64,
}

impl Plan {
    /// The jobs of the workloads, in table order.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for w in [Workload::Requests, Workload::Server] {
            for &threads in &self.threads {
                let ops = match w {
                    Workload::Requests => self.requests,
                    _ => self.server_ops,
                };
                jobs.push(Job {
                    workload: w,
                    threads,
                    ops,
                    seed: self.seed,
                });
            }
        }
        jobs.push(Job {
            workload: Workload::Frag,
            threads: 1,
            ops: self.frag_ops,
            seed: self.seed,
        });
        jobs
    }
}

/// One job under one allocator, summarised over the runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkRow {
    /// The job run.
    pub job: Job,
    /// The process's global allocator.
    pub allocator: Allocator,
    /// Operations per second.
    pub throughput: kit::Summary,
    /// Anonymous RSS gained at the peak, in bytes.
    pub rss_growth: kit::Summary,
    /// Fragmentation run: peak live bytes (median).
    #[serde(default)]
    pub peak_live_bytes: Option<f64>,
    /// Live bytes at the end (median).
    pub live_bytes: Option<f64>,
    /// Anonymous memory held at the end (median).
    pub held_bytes: Option<f64>,
    /// Every run's checksum was the same (the same work was done).
    pub same_checksum: bool,
    /// This allocator's throughput over System's, paired run by run (the
    /// allocators of one run follow each other, their order rotated from
    /// run to run): median and 95% interval. Absent for System, and in runs
    /// recorded before it was kept.
    #[serde(default)]
    pub vs_system: Option<kit::Summary>,
}

/// One allocation+free pattern under one allocator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChurnRow {
    /// The pattern run.
    pub pattern: Pattern,
    /// The allocator the loop called.
    pub allocator: Allocator,
    /// Nanoseconds per pair.
    pub ns: kit::Summary,
    /// Instructions per pair (callgrind), if asked for.
    pub instructions: Option<f64>,
}

/// A labelled comparison run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the comparison ran.
    pub machine: kit::machine::Machine,
    /// How the timed processes' global allocators were set up.
    pub timed: kit::sibling::Timed,
    /// What was run.
    pub plan: Plan,
    /// One row per job and allocator.
    pub work: Vec<WorkRow>,
    /// One row per pattern and allocator.
    pub churn: Vec<ChurnRow>,
    /// valgrind's version, when instructions were counted.
    pub valgrind: Option<String>,
    /// Peak memory was sampled by this parent from outside, and the
    /// allocators' order rotated run by run; false in runs recorded before.
    #[serde(default)]
    pub rss_from_parent: bool,
}

/// What one churn process prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChurnSample {
    /// The allocator the loop called.
    pub allocator: Allocator,
    /// The pattern it ran.
    pub pattern: Pattern,
    /// Allocation+free pairs.
    pub iters: u64,
    /// Nanoseconds per pair.
    pub ns_per_pair: f64,
    /// A sum over the blocks written: the same work, the same checksum.
    pub checksum: u64,
}

/// Pairs run before the timed loop.
pub const WARMUP: u64 = 10_000;

/// Runs the churn loop here and times it (the child side).
pub fn churn_here(allocator: Allocator, pattern: Pattern, iters: u64) -> Option<ChurnSample> {
    // Instructions are counted for a real CPU: no client requests.
    ex9_alloc::valgrind::set_requests(false);
    // A warm-up pass of a fixed length, so every allocator starts with its
    // structures set up (and callgrind's two runs share it: it cancels).
    allocator.churn(pattern, WARMUP)?;
    let t = std::time::Instant::now();
    let checksum = allocator.churn(pattern, iters)?;
    let ns = t.elapsed().as_nanos() as f64 / iters.max(1) as f64;
    Some(ChurnSample {
        allocator,
        pattern,
        iters,
        ns_per_pair: ns,
        checksum,
    })
}

fn churn_args(a: Allocator, p: Pattern, iters: u64, json: bool) -> Vec<String> {
    let mut v = vec![
        "churn".to_string(),
        "--allocator".into(),
        a.name().into(),
        "--pattern".into(),
        p.name().into(),
        "--iters".into(),
        iters.to_string(),
    ];
    if json {
        v.push("--json".into());
    }
    v
}

fn job_args(j: &Job) -> Vec<String> {
    [
        "run",
        "--workload",
        j.workload.name(),
        "--threads",
        &j.threads.to_string(),
        "--ops",
        &j.ops.to_string(),
        "--seed",
        &j.seed.to_string(),
        "--json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The indices `0..n` in an order rotated by `run`, so that none always
/// goes first.
fn rotated(n: usize, run: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |k| (k + run) % n)
}

/// Runs the plan: every child process, `tick` after each. Run by run, job
/// by job, the allocators one after another in an order rotated by the run:
/// a machine that slows down during the plan slows every allocator of a run
/// alike, and the paired ratios cancel it.
pub fn collect(plan: &Plan, allocators: &[Allocator], tick: &dyn Fn()) -> Result<Report, String> {
    let globals: Vec<Allocator> = allocators
        .iter()
        .copied()
        .filter(|a| a.binary().is_some())
        .collect();
    let jobs = plan.jobs();
    // samples[job][allocator], each in run order.
    let mut samples: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); globals.len()]; jobs.len()];
    for run in 0..plan.runs {
        for (j, job) in jobs.iter().enumerate() {
            for i in rotated(globals.len(), run) {
                let (mut s, series): (Sample, _) = kit::child::run_json_sampled(
                    &globals[i].executable()?,
                    &job_args(job),
                    &[],
                    std::time::Duration::from_millis(1),
                )?;
                s.rss_anon_peak = series.iter().map(|&(_, b)| b).chain(s.rss_anon_peak).max();
                samples[j][i].push(s);
                tick();
            }
        }
    }
    let mut work = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        let system = globals
            .iter()
            .position(|&a| a == Allocator::System)
            .map(|i| &samples[j][i]);
        for (i, &a) in globals.iter().enumerate() {
            let mut row = work_row(*job, a, &samples[j][i]);
            if a != Allocator::System
                && let Some(sys) = system
            {
                let ratios: Vec<f64> = samples[j][i]
                    .iter()
                    .zip(sys)
                    .map(|(x, s)| x.throughput() / s.throughput())
                    .collect();
                row.vs_system = Some(kit::Summary::of_or_nan(&ratios));
            }
            work.push(row);
        }
    }
    let valgrind = if plan.callgrind {
        Some(kit::callgrind::valgrind_version()?)
    } else {
        None
    };
    let exe = Allocator::Ex9.executable()?;
    // ns[pattern][allocator], each in run order; the allocators rotated.
    let mut ns = vec![vec![Vec::new(); allocators.len()]; Pattern::ALL.len()];
    for run in 0..plan.runs {
        for (pi, &p) in Pattern::ALL.iter().enumerate() {
            for ai in rotated(allocators.len(), run) {
                let args = churn_args(allocators[ai], p, plan.churn_iters, true);
                let s: ChurnSample = kit::child::run_json(&exe, &args, &[])?;
                ns[pi][ai].push(s.ns_per_pair);
                tick();
            }
        }
    }
    let mut churn = Vec::new();
    for (pi, &p) in Pattern::ALL.iter().enumerate() {
        for (ai, &a) in allocators.iter().enumerate() {
            let ns = &ns[pi][ai];
            let instructions = if plan.callgrind {
                let per = kit::callgrind::per_iteration(
                    &exe,
                    kit::callgrind::Scope::Counted,
                    2_000,
                    12_000,
                    |n| churn_args(a, p, n, false),
                )?;
                tick();
                Some(per)
            } else {
                None
            };
            churn.push(ChurnRow {
                pattern: p,
                allocator: a,
                ns: kit::Summary::of_or_nan(ns),
                instructions,
            });
        }
    }
    Ok(Report {
        machine: kit::machine::Machine::describe(),
        timed: kit::sibling::Timed::Untracked,
        plan: plan.clone(),
        work,
        churn,
        valgrind,
        rss_from_parent: true,
    })
}

fn work_row(job: Job, allocator: Allocator, samples: &[Sample]) -> WorkRow {
    let of =
        |f: &dyn Fn(&Sample) -> Option<f64>| -> Vec<f64> { samples.iter().filter_map(f).collect() };
    let median = |v: Vec<f64>| kit::Summary::of(&v).map(|s| s.median);
    WorkRow {
        job,
        allocator,
        throughput: kit::Summary::of_or_nan(&of(&|s| Some(s.throughput()))),
        rss_growth: kit::Summary::of_or_nan(&of(&|s| s.rss_growth().map(|b| b as f64))),
        peak_live_bytes: median(of(&|s| s.frag.map(|f| f.peak_live_bytes as f64))),
        live_bytes: median(of(&|s| s.frag.map(|f| f.live_bytes as f64))),
        held_bytes: median(of(&|s| s.frag.map(|f| f.held_bytes as f64))),
        same_checksum: samples.windows(2).all(|w| w[0].checksum == w[1].checksum),
        vs_system: None,
    }
}

/// The label under every table.
pub fn label(r: &Report) -> String {
    format!(
        "Measured on {}{}; {} runs each, a fresh process per run, {}.",
        r.machine,
        r.valgrind.as_ref().map_or(String::new(), |v| format!(
            "; instructions by {v} (callgrind)"
        )),
        r.plan.runs,
        if r.rss_from_parent {
            "the allocators' order rotated from run to run, memory sampled from outside"
        } else {
            "an older method: each allocator's runs one after another, memory sampled by a \
             thread inside the measured process"
        }
    )
}

/// Instructions and time per allocation+free pair.
pub fn churn_table(r: &Report) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "One allocation and one free, {} pairs: instructions (callgrind) and time per pair",
            r.plan.churn_iters
        ),
        &[
            "allocator",
            "same 32 B: instructions",
            "same 32 B: ns",
            "mixed sizes: instructions",
            "mixed sizes: ns",
        ],
    );
    let allocs: Vec<Allocator> = Allocator::ALL
        .into_iter()
        .filter(|a| r.churn.iter().any(|c| c.allocator == *a))
        .collect();
    for a in allocs {
        let cell = |p: Pattern| {
            r.churn
                .iter()
                .find(|c| c.allocator == a && c.pattern == p)
                .map_or(("n/a".to_string(), "n/a".to_string()), |c| {
                    (
                        c.instructions
                            .map_or("not counted".into(), |i| format!("{i:.1}")),
                        c.ns.display(1),
                    )
                })
        };
        let (si, sn) = cell(Pattern::Same);
        let (mi, mn) = cell(Pattern::Mixed);
        t.row([a.label().to_string(), si, sn, mi, mn]);
    }
    t
}

/// Throughput of the two workloads, and System's over each.
pub fn work_table(r: &Report) -> kit::Table {
    let jobs: Vec<Job> = r
        .plan
        .jobs()
        .into_iter()
        .filter(|j| j.workload != Workload::Frag)
        .collect();
    let mut headers = vec!["allocator".to_string()];
    for j in &jobs {
        headers.push(format!(
            "{}, {} thread{} (ops/s)",
            j.workload,
            j.threads,
            if j.threads == 1 { "" } else { "s" }
        ));
    }
    let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = kit::Table::new(
        "Throughput, all threads together: median of the runs (in brackets, × System's: the median of the per-run ratios and its 95% interval)",
        &hs,
    );
    for a in Allocator::GLOBAL {
        if !r.work.iter().any(|w| w.allocator == a) {
            continue;
        }
        let mut row = vec![a.label().to_string()];
        for j in &jobs {
            let find = |al: Allocator| {
                r.work.iter().find(|w| {
                    w.allocator == al && w.job.workload == j.workload && w.job.threads == j.threads
                })
            };
            row.push(match (find(a), find(Allocator::System)) {
                (Some(w), Some(_)) if a == Allocator::System => {
                    format!("{:.0} (1×)", w.throughput.median)
                }
                (Some(w), Some(s)) => match w.vs_system.filter(|r| !r.median.is_nan()) {
                    Some(r) => format!(
                        "{:.0} ({:.2}×, {}×)",
                        w.throughput.median,
                        r.median,
                        r.interval(2)
                    ),
                    // A run recorded before the ratios were paired: the
                    // ratio of the medians, marked as such.
                    None => format!(
                        "{:.0} ({:.2}× of medians, unpaired)",
                        w.throughput.median,
                        w.throughput.median / s.throughput.median
                    ),
                },
                (Some(w), None) => format!("{:.0}", w.throughput.median),
                _ => "n/a".into(),
            });
        }
        t.row(row);
    }
    t
}

/// Anonymous memory: gained at the peak of each workload, and held
/// against live bytes at the end of the fragmentation run.
pub fn memory_table(r: &Report) -> kit::Table {
    let biggest = r.plan.threads.iter().max().copied().unwrap_or(1);
    let mut t = kit::Table::new(
        "Anonymous memory (MiB): gained at the peak, and held against live at the end of the fragmentation run",
        &[
            "allocator",
            &format!("requests, {biggest} thread(s): peak gain"),
            &format!("server, {biggest} thread(s): peak gain"),
            "frag: peak live",
            "frag: live at the end",
            "frag: held at the end",
            "frag: held / live",
        ],
    );
    for a in Allocator::GLOBAL {
        let find = |w: Workload, th: u32| {
            r.work
                .iter()
                .find(|x| x.allocator == a && x.job.workload == w && x.job.threads == th)
        };
        let Some(f) = find(Workload::Frag, 1) else {
            continue;
        };
        let gain = |w: Option<&WorkRow>| w.map_or("n/a".into(), |w| mib(w.rss_growth.median));
        let opt = |b: Option<f64>| b.map_or("n/a".into(), mib);
        let ratio = match (f.live_bytes, f.held_bytes) {
            (Some(l), Some(h)) if l > 0.0 => format!("{:.2}", h / l),
            _ => "n/a".into(),
        };
        t.row([
            a.label().to_string(),
            gain(find(Workload::Requests, biggest)),
            gain(find(Workload::Server, biggest)),
            opt(f.peak_live_bytes),
            opt(f.live_bytes),
            opt(f.held_bytes),
            ratio,
        ]);
    }
    t
}
