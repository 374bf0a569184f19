//! The parent: every (strategy, run) in a fresh child process, then medians,
//! per-run ratios, the checks, and the verdict.
//!
//! The input is generated once, into a temporary file that every child
//! reads: generating it costs about as much as parsing it, and would
//! otherwise dilute every difference. Within a run the strategies go in a
//! rotated order (run 0: system, jemalloc, ...; run 1: jemalloc, ...,
//! system; ...), so none always runs first on a machine that warms up or
//! throttles. Ratios against System are taken run by run and then
//! summarised, so slow drift of a shared machine cancels out.
//!
//! The timed children are the untracked binaries (`ex6-untracked`, ...):
//! the tracker would charge its per-call cost to the strategies that call
//! the global allocator most. Each strategy then runs once more in its
//! tracked binary, for the allocation counts and the memory figures.
//!
//! This file runs the children and gathers their samples into a
//! [`Report`]; `compare/callgrind.rs` counts instructions, and what the
//! report shows is in `compare/table.rs` (its tables) and
//! `compare/finding.rs` (the verdict and the finding, in words).

mod callgrind;
mod finding;
mod table;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kit::Summary;
use kit::machine::Machine;
use serde::{Deserialize, Serialize};

use crate::{Sample, Strategy};
pub use callgrind::{COUNTED_RECORDS, InstructionRow, Instructions, count_instructions};
pub use finding::{CLAIM, across_machines, finding, verdict};
pub use table::{PAIRS, counts_table, instructions_table, label, output_line, pairs_table, table};

/// What to compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The strategies, each run in its own process.
    pub strategies: Vec<Strategy>,
    /// Timed runs of each strategy.
    pub runs: usize,
    /// Lines of generated input.
    pub records: u64,
    /// Lines per batch.
    pub batch: u64,
    /// Seed of the generated input.
    pub seed: u64,
}

/// The generated input, in a temporary file that is removed on drop.
#[derive(Debug)]
pub struct InputFile {
    dir: PathBuf,
    path: PathBuf,
}

impl InputFile {
    /// Writes `records` generated lines from `seed` to a new temporary file.
    pub fn generate(seed: u64, records: u64) -> Result<InputFile, String> {
        // One folder per file, so that two inputs can exist at once.
        static FILES: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ex6-input-{}-{}",
            std::process::id(),
            FILES.fetch_add(1, Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let input = InputFile {
            path: dir.join("access.log"),
            dir,
        };
        let file = std::fs::File::create(&input.path)
            .map_err(|e| format!("cannot create {}: {e}", input.path.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        ex5::generate::generate(seed, records, &mut w)
            .and_then(|()| w.flush())
            .map_err(|e| format!("cannot write {}: {e}", input.path.display()))?;
        Ok(input)
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for InputFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `cargo run -p ex6` builds only `ex6`: build the siblings the plan needs
/// (with this build's profile and features) when cargo started us.
fn build_siblings(strategies: &[Strategy]) -> Result<(), String> {
    let mut bins: Vec<String> = strategies
        .iter()
        .flat_map(|s| [s.binary(true), s.binary(false)])
        .collect();
    bins.sort_unstable();
    bins.dedup();
    crate::strategy::SIBLINGS.build(&bins)
}

// ANCHOR: child
/// Runs one strategy's job in a fresh child: `<its binary> run --strategy S
/// --input FILE ... --json`, and reads back its [`Sample`]. `tracked`: the
/// counting binary (which also samples memory) rather than the timed one.
pub fn run_child(
    strategy: Strategy,
    input: &Path,
    plan: &Plan,
    tracked: bool,
) -> Result<Sample, String> {
    let exe = executable(strategy, tracked)?;
    let mut args = child_args(strategy, input, plan.records, plan.batch);
    if tracked {
        args.push("--sample-memory".to_string());
    }
    let sample: Sample = kit::child::run_json(&exe, &args, &[])?;
    if sample.strategy != strategy {
        return Err(format!("{} ran {} instead", exe.display(), sample.strategy));
    }
    Ok(sample)
}

/// `run --strategy S --records N --batch B --input FILE --json`
fn child_args(strategy: Strategy, input: &Path, records: u64, batch: u64) -> Vec<String> {
    [
        "run",
        "--strategy",
        strategy.name(),
        "--records",
        &records.to_string(),
        "--batch",
        &batch.to_string(),
        "--input",
        &input.to_string_lossy(),
        "--json",
    ]
    .map(String::from)
    .to_vec()
}
// ANCHOR_END: child

fn executable(strategy: Strategy, tracked: bool) -> Result<PathBuf, String> {
    strategy
        .executable(tracked)
        .map_err(|e| format!("cannot find this program's path: {e}"))
}

// ANCHOR: collect
/// Every run, every strategy, each in a fresh untracked process; the order
/// rotates from one run to the next. Then each strategy once in its tracked
/// process, for its counts and memory. `progress` is called after each child.
pub fn collect(plan: &Plan, progress: &dyn Fn()) -> Result<Vec<Sample>, String> {
    build_siblings(&plan.strategies)?;
    let input = InputFile::generate(plan.seed, plan.records)?;
    let n = plan.strategies.len();
    let mut samples = Vec::with_capacity((plan.runs + 1) * n);
    for run in 0..plan.runs {
        for k in 0..n {
            let strategy = plan.strategies[(k + run) % n];
            let mut sample = run_child(strategy, input.path(), plan, false)?;
            sample.run = run;
            samples.push(sample);
            progress();
        }
    }
    for &strategy in &plan.strategies {
        let mut sample = run_child(strategy, input.path(), plan, true)?;
        sample.run = plan.runs;
        samples.push(sample);
        progress();
    }
    Ok(samples)
}
// ANCHOR_END: collect

/// One strategy over all runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// The strategy compared.
    pub strategy: Strategy,
    /// Wall time of the whole job, seconds, timed runs.
    pub wall_secs: Summary,
    /// System's wall time over this strategy's, run by run (above 1: faster
    /// than System). `None` when System was not in the comparison.
    pub speedup: Option<Summary>,
    /// Per-batch latency percentiles, in microseconds.
    pub batch_p50_us: Summary,
    /// 99th percentile.
    pub batch_p99_us: Summary,
    /// Peak RSS in bytes (`VmHWM`: file-backed pages included), timed runs.
    pub peak_rss: Option<Summary>,
    /// `RssAnon` before the job, in the counting run.
    #[serde(default)]
    pub baseline_anon: Option<u64>,
    /// The highest `RssAnon` read after each batch, in the counting run.
    #[serde(default)]
    pub peak_anon: Option<u64>,
    /// Global allocations, from the tracked (counting) run.
    pub counts: ex1::Stats,
}

/// The comparison, labelled with where and how it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the comparison ran.
    pub machine: Machine,
    /// What was compared.
    pub plan: Plan,
    /// One row per strategy, in the plan's order.
    pub rows: Vec<Row>,
    /// Every child wrote the same report (same size, same FNV-1a hash).
    pub same_output: bool,
    /// The strategies of one pipeline counted the same allocations whatever
    /// their global allocator (the tracker sees the pipeline's calls only).
    pub counts_agree: bool,
    /// Bytes of the report every child wrote.
    pub report_bytes: u64,
    /// FNV-1a hash of that report.
    pub report_fnv: u64,
    /// Every child's own sample, as it reported it.
    pub samples: Vec<Sample>,
    /// Instructions per record counted by callgrind, if the comparison was
    /// made with `--callgrind`.
    #[serde(default)]
    pub instructions: Option<Instructions>,
    /// Measured with the pipelines as they are now: one code path whose
    /// pairs differ in one thing each. Older series (absent: false) ran
    /// exercise 5's two pipelines, which differed in their line readers
    /// and maps too; they are shown, labelled, but judged apart.
    #[serde(default)]
    pub one_code_path: bool,
}

/// Builds the report from every child's sample.
pub fn aggregate(plan: &Plan, samples: Vec<Sample>) -> Report {
    let timed = |s: Strategy| -> Vec<&Sample> {
        samples
            .iter()
            .filter(|x| x.strategy == s && !x.tracked)
            .collect()
    };
    let counted = |s: Strategy| -> Option<&Sample> {
        let mine = || samples.iter().filter(move |x| x.strategy == s);
        mine().find(|x| x.tracked).or_else(|| mine().next())
    };
    let system_wall = |run: usize| {
        timed(Strategy::System)
            .into_iter()
            .find(|x| x.run == run)
            .map(|x| x.wall_secs)
    };
    let us = |ns: u64| ns as f64 / 1000.0;
    let mut rows = Vec::new();
    let mut counts_agree = true;
    for &strategy in &plan.strategies {
        let Some(first) = counted(strategy) else {
            continue;
        };
        // The same pipeline counts the same whatever allocator serves it.
        let same_pipeline = plan
            .strategies
            .iter()
            .filter(|s| s.pipeline() == strategy.pipeline())
            .find_map(|&s| counted(s));
        counts_agree &= same_pipeline.map(|x| x.counts) == Some(first.counts);
        let ss = timed(strategy);
        let col = |f: &dyn Fn(&Sample) -> f64| {
            Summary::of_or_nan(&ss.iter().map(|x| f(x)).collect::<Vec<_>>())
        };
        let ratios: Vec<f64> = ss
            .iter()
            .filter_map(|x| Some(system_wall(x.run)? / x.wall_secs))
            .collect();
        let rss: Vec<f64> = ss.iter().filter_map(|x| Some(x.peak_rss? as f64)).collect();
        rows.push(Row {
            strategy,
            wall_secs: col(&|x| x.wall_secs),
            speedup: Summary::of(&ratios),
            batch_p50_us: col(&|x| us(x.batch_latency.p50)),
            batch_p99_us: col(&|x| us(x.batch_latency.p99)),
            peak_rss: Summary::of(&rss),
            baseline_anon: first.baseline_anon,
            peak_anon: first.peak_anon,
            counts: first.counts,
        });
    }
    let first = samples.first();
    let same_output = samples.iter().all(|x| {
        Some((x.report_bytes, x.report_fnv)) == first.map(|f| (f.report_bytes, f.report_fnv))
    });
    Report {
        machine: Machine::describe(),
        plan: plan.clone(),
        rows,
        same_output,
        counts_agree,
        report_bytes: first.map_or(0, |f| f.report_bytes),
        report_fnv: first.map_or(0, |f| f.report_fnv),
        samples,
        instructions: None,
        one_code_path: true,
    }
}

impl Report {
    /// The row of `strategy`, if it was compared.
    pub fn row(&self, strategy: Strategy) -> Option<&Row> {
        self.rows.iter().find(|r| r.strategy == strategy)
    }
}

fn allocs(s: &ex1::Stats) -> u64 {
    s.allocs + s.reallocs
}

/// `a`'s wall time over `b`'s, run by run: above 1, `b` is faster.
fn paired(r: &Report, a: Strategy, b: Strategy) -> Option<Summary> {
    let wall = |s: Strategy, run: usize| {
        r.samples
            .iter()
            .find(|x| x.strategy == s && x.run == run && !x.tracked)
            .map(|x| x.wall_secs)
    };
    let ratios: Vec<f64> = (0..r.plan.runs)
        .filter_map(|run| Some(wall(a, run)? / wall(b, run)?))
        .collect();
    Summary::of(&ratios)
}
