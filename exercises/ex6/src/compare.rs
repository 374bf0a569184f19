//! The parent: every (strategy, run) in a fresh child process, then medians,
//! per-run ratios, the checks, and the verdict.
//!
//! The input is generated once, into a temporary file that every child
//! reads: generating it costs about as much as parsing it, and would
//! otherwise dilute every difference. Within a run the strategies go in a
//! rotated order (run 0: system, jemalloc, mimalloc, arena; run 1: jemalloc,
//! mimalloc, arena, system; ...), so none always runs first on a machine
//! that warms up or throttles. Ratios against System are taken run by run
//! and then summarised, so slow drift of a shared machine cancels out.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kit::Summary;
use kit::callgrind::Scope;
use kit::timing::Machine;
use serde::{Deserialize, Serialize};

use crate::{Sample, Strategy};

/// What to compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub strategies: Vec<Strategy>,
    pub runs: usize,
    pub records: u64,
    pub batch: u64,
    pub seed: u64,
}

/// The generated input, in a temporary file that is removed on drop.
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
        ex5::generate(seed, records, &mut w)
            .and_then(|()| w.flush())
            .map_err(|e| format!("cannot write {}: {e}", input.path.display()))?;
        Ok(input)
    }

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
    let mut bins: Vec<&str> = strategies
        .iter()
        .map(|s| s.binary())
        .filter(|&b| b != "ex6")
        .collect();
    bins.dedup();
    if bins.is_empty() {
        return Ok(());
    }
    let mut features = Vec::new();
    if cfg!(feature = "jemalloc") {
        features.push("jemalloc");
    }
    if cfg!(feature = "mimalloc") {
        features.push("mimalloc");
    }
    if cfg!(feature = "dhat-heap") {
        features.push("dhat-heap");
    }
    let features = features.join(",");
    let mut flags = vec!["--no-default-features"];
    if !features.is_empty() {
        flags.extend(["--features", &features]);
    }
    kit::child::build_siblings_under_cargo("ex6", &bins, &flags)
}

// ANCHOR: child
/// Runs one strategy's job in a fresh child: `<its binary> run --strategy S
/// --input FILE ... --json`, and reads back its [`Sample`].
pub fn run_child(strategy: Strategy, input: &Path, plan: &Plan) -> Result<Sample, String> {
    let exe = executable(strategy)?;
    let args = child_args(strategy, input, plan.records, plan.batch);
    let sample: Sample = kit::child::run_json(&exe, &args, &[], &[])?;
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

fn executable(strategy: Strategy) -> Result<PathBuf, String> {
    strategy
        .executable()
        .map_err(|e| format!("cannot find this program's path: {e}"))
}

// ANCHOR: collect
/// Every run, every strategy, each in a fresh process; the order rotates
/// from one run to the next. `progress` is called after each child.
pub fn collect(plan: &Plan, progress: &dyn Fn()) -> Result<Vec<Sample>, String> {
    build_siblings(&plan.strategies)?;
    let input = InputFile::generate(plan.seed, plan.records)?;
    let n = plan.strategies.len();
    let mut samples = Vec::with_capacity(plan.runs * n);
    for run in 0..plan.runs {
        for k in 0..n {
            let strategy = plan.strategies[(k + run) % n];
            let mut sample = run_child(strategy, input.path(), plan)?;
            sample.run = run;
            samples.push(sample);
            progress();
        }
    }
    Ok(samples)
}
// ANCHOR_END: collect

/// One strategy over all runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub strategy: Strategy,
    pub wall_secs: Summary,
    /// System's wall time over this strategy's, run by run (above 1: faster
    /// than System). `None` when System was not in the comparison.
    pub speedup: Option<Summary>,
    /// Per-batch latency percentiles, in microseconds.
    pub batch_p50_us: Summary,
    pub batch_p99_us: Summary,
    /// Peak RSS in bytes.
    pub peak_rss: Option<Summary>,
    /// Global allocations (the same in every run: checked).
    pub counts: ex1::Stats,
}

/// The comparison, labelled with where and how it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub machine: Machine,
    pub plan: Plan,
    pub rows: Vec<Row>,
    /// Every child wrote the same report (same size, same FNV-1a hash).
    pub same_output: bool,
    /// Each strategy counted the same allocations in every run, and the three
    /// std strategies counted the same allocations as each other.
    pub counts_agree: bool,
    pub report_bytes: u64,
    pub report_fnv: u64,
    pub samples: Vec<Sample>,
    /// Instructions per record counted by callgrind, if the comparison was
    /// made with `--callgrind`.
    #[serde(default)]
    pub instructions: Option<Instructions>,
}

/// Instructions per record for each strategy, counted by valgrind's
/// callgrind: unlike a timing, nearly the same on every run (a count
/// moves by a fraction of a percent between processes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    pub valgrind: String,
    /// The two input sizes run (same seed and batch size as the comparison):
    /// the figures are per record of the difference between them.
    pub records: [u64; 2],
    pub rows: Vec<InstructionRow>,
}

/// One strategy's counts per record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstructionRow {
    pub strategy: Strategy,
    pub instructions: f64,
    /// Global allocations (allocs + reallocs) per record over the same two
    /// runs, counted by the tracker in a normal child.
    pub allocations: f64,
}

/// Input sizes callgrind runs: the whole comparison under callgrind (many
/// times slower than native) would take minutes per strategy.
pub const COUNTED_RECORDS: [u64; 2] = [25_000, 75_000];

// ANCHOR: count_instructions
/// Runs each strategy's child under callgrind on two input sizes: the
/// difference of the two totals over the difference in records is one
/// record's work (start-up, the allocator's own set-up and the report
/// cancel). The same two children run once more outside callgrind for the
/// tracker's allocation counts over the same records.
pub fn count_instructions(plan: &Plan) -> Result<Instructions, String> {
    let valgrind = kit::callgrind::valgrind_version()?;
    // With `--from`, nothing has built the siblings yet.
    build_siblings(&plan.strategies)?;
    let [small, large] = COUNTED_RECORDS;
    let inputs = [
        InputFile::generate(plan.seed, small)?,
        InputFile::generate(plan.seed, large)?,
    ];
    let input = |records: u64| inputs[usize::from(records == large)].path();
    let mut rows = Vec::new();
    for &strategy in &plan.strategies {
        let exe = executable(strategy)?;
        let instructions =
            kit::callgrind::per_iteration(&exe, Scope::Program, small, large, |n| {
                child_args(strategy, input(n), n, plan.batch)
            })?;
        let counted = |records: u64| {
            let plan = Plan {
                records,
                ..plan.clone()
            };
            run_child(strategy, input(records), &plan).map(|s| allocs(&s.counts))
        };
        let allocations =
            (counted(large)? as f64 - counted(small)? as f64) / (large - small) as f64;
        rows.push(InstructionRow {
            strategy,
            instructions,
            allocations,
        });
    }
    Ok(Instructions {
        valgrind,
        records: COUNTED_RECORDS,
        rows,
    })
}
// ANCHOR_END: count_instructions

/// Builds the report from every child's sample.
pub fn aggregate(plan: &Plan, samples: Vec<Sample>) -> Report {
    // ANCHOR: task_compare_aggregate
    let of = |s: Strategy| -> Vec<&Sample> { samples.iter().filter(|x| x.strategy == s).collect() };
    let system_wall = |run: usize| {
        samples
            .iter()
            .find(|x| x.strategy == Strategy::System && x.run == run)
            .map(|x| x.wall_secs)
    };
    let us = |ns: u64| ns as f64 / 1000.0;
    let mut rows = Vec::new();
    let mut counts_agree = true;
    let std_counts = samples
        .iter()
        .find(|x| x.strategy.pipeline() == ex5::Pipeline::Std)
        .map(|x| x.counts);
    for &strategy in &plan.strategies {
        let ss = of(strategy);
        let Some(first) = ss.first() else { continue };
        counts_agree &= ss.iter().all(|x| x.counts == first.counts);
        if strategy.pipeline() == ex5::Pipeline::Std {
            counts_agree &= Some(first.counts) == std_counts;
        }
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
    }
    // ANCHOR_END: task_compare_aggregate
}

impl Report {
    pub fn row(&self, strategy: Strategy) -> Option<&Row> {
        self.rows.iter().find(|r| r.strategy == strategy)
    }
}

fn allocs(s: &ex1::Stats) -> u64 {
    s.allocs + s.reallocs
}

/// The four-way table.
pub fn table(r: &Report) -> kit::Table {
    let p = &r.plan;
    let mut t = kit::Table::new(
        format!(
            "{} records in batches of {}: median ±half-range of {} runs, each a fresh process",
            p.records, p.batch, p.runs
        ),
        &[
            "strategy",
            "wall time (s)",
            "vs System",
            "batch p50 (µs)",
            "batch p99 (µs)",
            "global allocs",
            "peak live heap (MiB)",
            "peak RSS (MiB)",
        ],
    );
    for row in &r.rows {
        t.row([
            row.strategy.to_string(),
            row.wall_secs.display(3),
            row.speedup
                .map_or("n/a".to_string(), |s| format!("{:.2}x", s.median)),
            row.batch_p50_us.display(0),
            row.batch_p99_us.display(0),
            allocs(&row.counts).to_string(),
            crate::mib(row.counts.peak_live_bytes as f64),
            row.peak_rss
                .map_or("n/a".to_string(), |s| crate::mib(s.median)),
        ]);
    }
    t
}

/// The callgrind counts beside the timings, when the report has them.
pub fn instructions_table(r: &Report) -> Option<kit::Table> {
    let i = r.instructions.as_ref()?;
    let system = i.rows.iter().find(|x| x.strategy == Strategy::System);
    let mut t = kit::Table::new(
        format!(
            "Instructions per record, counted by callgrind ({}) on {} and {} records \
             (a smaller input than the timed one), batches of {}",
            i.valgrind, i.records[0], i.records[1], r.plan.batch
        ),
        &[
            "strategy",
            "instructions per record",
            "System / this",
            "global allocs per record",
            "ns per record (timed above)",
        ],
    );
    for x in &i.rows {
        let timed = r.row(x.strategy).map_or("n/a".to_string(), |row| {
            format!(
                "{:.0}",
                row.wall_secs.median * 1e9 / r.plan.records.max(1) as f64
            )
        });
        t.row([
            x.strategy.to_string(),
            format!("{:.0}", x.instructions),
            system.map_or("n/a".to_string(), |s| {
                format!("{:.2}x", s.instructions / x.instructions)
            }),
            format!("{:.3}", x.allocations),
            timed,
        ]);
    }
    Some(t)
}

/// What each allocation the arena avoids costs, in instructions: the
/// counterpart of the verdict's nanoseconds per allocation avoided.
pub fn instructions_line(r: &Report) -> Option<String> {
    let i = r.instructions.as_ref()?;
    let of = |s: Strategy| i.rows.iter().find(|x| x.strategy == s);
    let (system, arena) = (of(Strategy::System)?, of(Strategy::Arena)?);
    let avoided = system.allocations - arena.allocations;
    if avoided <= 0.0 {
        return None;
    }
    let saved = system.instructions - arena.instructions;
    Some(format!(
        "Per record, the arena avoids {avoided:.3} global allocations and executes {saved:.0} \
         fewer instructions than System: {:.0} instructions per allocation avoided (its \
         `free` included).",
        saved / avoided
    ))
}

/// Allocation counts only (deterministic: the same on every machine).
pub fn counts_table(r: &Report) -> kit::Table {
    let p = &r.plan;
    let mut t = kit::Table::new(
        format!(
            "{} records in batches of {}: what each process allocated, counted by the tracker",
            p.records, p.batch
        ),
        &[
            "strategy",
            "global allocator",
            "pipeline",
            "allocs",
            "reallocs",
            "deallocs",
            "allocs per record",
            "bytes requested (MiB)",
            "peak live heap (MiB)",
        ],
    );
    for row in &r.rows {
        let c = &row.counts;
        t.row([
            row.strategy.to_string(),
            row.strategy.allocator().to_string(),
            row.strategy.pipeline().name().to_string(),
            c.allocs.to_string(),
            c.reallocs.to_string(),
            c.deallocs.to_string(),
            format!("{:.4}", allocs(c) as f64 / p.records.max(1) as f64),
            crate::mib(c.bytes_allocated as f64),
            crate::mib(c.peak_live_bytes as f64),
        ]);
    }
    t
}

/// One line on the reports: identical or not.
pub fn output_line(r: &Report) -> String {
    let n = r.rows.len();
    if r.same_output {
        format!(
            "All {n} strategies wrote the same report in every run: {} bytes, FNV-1a hash {:016x}.",
            r.report_bytes, r.report_fnv
        )
    } else {
        "The strategies' reports DIFFER: the comparison is void.".to_string()
    }
}

// ANCHOR: verdict
/// The verdict on "arena allocation can make batch processing 5–20x
/// faster", from the data: the arena's speedup over System, where it falls
/// against the claim, how it compares with simply switching the global
/// allocator, and what each avoided allocation was worth.
pub fn verdict(r: &Report) -> String {
    let (Some(system), Some(arena)) = (r.row(Strategy::System), r.row(Strategy::Arena)) else {
        return "No arena/System comparison in this run.".into();
    };
    let Some(speedup) = arena.speedup else {
        return "No arena/System comparison in this run.".into();
    };
    let x = speedup.median;
    let against_claim = if x >= 20.0 {
        "more than claimed"
    } else if x >= 5.0 {
        "within the claimed 5–20x"
    } else if x > 1.0 {
        "far below the claimed 5–20x"
    } else {
        "no speedup at all"
    };
    let mut text = format!(
        "The claim \"arenas make batch processing 5–20x faster\", measured: the arena \
         strategy ran {x:.2}x as fast as System (median of per-run ratios, {:.2}–{:.2}): \
         {against_claim}.",
        speedup.min, speedup.max
    );
    let best_allocator = r
        .rows
        .iter()
        .filter(|row| matches!(row.strategy, Strategy::Jemalloc | Strategy::Mimalloc))
        .filter_map(|row| Some((row.strategy, row.speedup?.median)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((s, y)) = best_allocator {
        text.push_str(&format!(
            " Switching the global allocator alone, the best was {s} at {y:.2}x; the arena {} it.",
            if x > y { "beat" } else { "did not beat" }
        ));
    }
    let avoided = allocs(&system.counts).saturating_sub(allocs(&arena.counts));
    let saved = system.wall_secs.median - arena.wall_secs.median;
    if avoided > 0 {
        text.push_str(&format!(
            " The arena made {avoided} fewer global allocations and saved {:.0} ms: \
             {:.0} ns per allocation avoided (the matching frees included). The rest of \
             the time is parsing and counting, which no allocator changes.",
            saved * 1000.0,
            saved * 1e9 / avoided as f64
        ));
    }
    text
}
// ANCHOR_END: verdict

/// The line under the tables: machine, build, runs.
pub fn label(r: &Report) -> String {
    let m = &r.machine;
    let p = &r.plan;
    format!(
        "Measured on {} ({} cores, {}), {} build, {}; {} run{}, each strategy in a fresh \
         process per run, order rotated between runs; {} records, batches of {}, seed {}.",
        m.cpu,
        m.cores,
        m.os,
        m.profile,
        m.rustc,
        p.runs,
        if p.runs == 1 { "" } else { "s" },
        p.records,
        p.batch,
        p.seed
    )
}
