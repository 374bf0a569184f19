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

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kit::Summary;
use kit::callgrind::Scope;
use kit::finding::Effect;
use kit::machine::Machine;
use serde::{Deserialize, Serialize};

use crate::{Sample, Strategy};

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

/// Instructions per record for each strategy, counted by valgrind's
/// callgrind: unlike a timing, nearly the same on every run (a count
/// moves by a fraction of a percent between processes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    /// `valgrind --version` of the run.
    pub valgrind: String,
    /// The two input sizes run (same seed and batch size as the comparison):
    /// the figures are per record of the difference between them.
    pub records: [u64; 2],
    /// One row per strategy.
    pub rows: Vec<InstructionRow>,
}

impl Instructions {
    /// The counts of `strategy`, if it was counted.
    pub fn row(&self, strategy: Strategy) -> Option<&InstructionRow> {
        self.rows.iter().find(|x| x.strategy == strategy)
    }
}

/// One strategy's counts per record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstructionRow {
    /// The strategy counted.
    pub strategy: Strategy,
    /// Instructions per record.
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
/// cancel). Callgrind runs the untracked binaries, so no tracker is counted;
/// the tracked ones run the same two inputs outside callgrind for the
/// allocation counts over the same records.
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
        let exe = executable(strategy, false)?;
        let instructions =
            kit::callgrind::per_iteration(&exe, Scope::Program, small, large, |n| {
                child_args(strategy, input(n), n, plan.batch)
            })?;
        let counted = |records: u64| {
            let plan = Plan {
                records,
                ..plan.clone()
            };
            run_child(strategy, input(records), &plan, true).map(|s| allocs(&s.counts))
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

/// The comparison table: timings from the untracked runs, counts and
/// memory from the tracked one.
pub fn table(r: &Report) -> kit::Table {
    let p = &r.plan;
    let mut t = kit::Table::new(
        format!(
            "{}: {} records in batches of {}, {} of {} runs, each a fresh untracked \
             process; allocations and anonymous memory (RssAnon, sampled after every \
             batch, and before the job) from one tracked run",
            r.machine.short(),
            p.records,
            p.batch,
            kit::timing::SPREAD_NOTE,
            p.runs
        ),
        &[
            "strategy",
            "wall time (s)",
            "vs System (95% interval)",
            "batch p50 (µs)",
            "batch p99 (µs)",
            "global allocs",
            "peak live heap (MiB)",
            "RssAnon at start (MiB)",
            "peak RssAnon (MiB)",
        ],
    );
    for row in &r.rows {
        t.row([
            row.strategy.to_string(),
            row.wall_secs.display(3),
            row.speedup.map_or("n/a".to_string(), |s| {
                format!("{:.2}x ({}x)", s.median, s.interval(2))
            }),
            row.batch_p50_us.display(0),
            row.batch_p99_us.display(0),
            allocs(&row.counts).to_string(),
            kit::format::mib(row.counts.peak_live_bytes as f64),
            kit::format::mib_or_na(row.baseline_anon),
            kit::format::mib_or_na(row.peak_anon),
        ]);
    }
    t
}

/// The callgrind counts beside the timings, when the report has them.
pub fn instructions_table(r: &Report) -> Option<kit::Table> {
    let i = r.instructions.as_ref()?;
    let system = i.row(Strategy::System);
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

// ANCHOR: pairs
/// The pairs that differ in one thing each, and what that thing is.
pub const PAIRS: [(Strategy, Strategy, &str); 6] = {
    use Strategy::*;
    [
        (System, Borrowed, "copying: seven `String`s per record"),
        (
            Borrowed,
            Arena,
            "where blocks come from: malloc/free → arenas",
        ),
        (System, Jemalloc, "global allocator: glibc → jemalloc"),
        (System, Mimalloc, "global allocator: glibc → mimalloc"),
        (
            Arena,
            ArenaJemalloc,
            "the arenas' allocator: glibc → jemalloc",
        ),
        (
            Arena,
            ArenaMimalloc,
            "the arenas' allocator: glibc → mimalloc",
        ),
    ]
};
// ANCHOR_END: pairs

/// One row per pair: the time ratio paired run by run, and, when callgrind
/// counted this run, instructions and global allocations per record on
/// each side.
pub fn pairs_table(r: &Report) -> kit::Table {
    let i = r.instructions.as_ref();
    let counted = |s: Strategy| i.and_then(|i| i.row(s));
    let mut t = kit::Table::new(
        format!(
            "{}, {} runs: each pair differs in one thing. Time ratio paired run by run (above \
             1, the second is faster; median, 95% interval); per record, the instructions and \
             global allocations callgrind counted",
            r.machine.short(),
            r.plan.runs
        ),
        &[
            "pair",
            "differs in",
            "time ratio",
            "instructions per record",
            "allocs per record",
            "instructions per alloc avoided",
        ],
    );
    for (a, b, what) in PAIRS {
        let Some(time) = paired(r, a, b) else {
            continue;
        };
        let (ca, cb) = (counted(a), counted(b));
        let both = |f: fn(&InstructionRow) -> String| match (ca, cb) {
            (Some(x), Some(y)) => format!("{} → {}", f(x), f(y)),
            _ => "n/a".to_string(),
        };
        let per_avoided = match (ca, cb) {
            (Some(x), Some(y)) if x.allocations - y.allocations >= 0.5 => format!(
                "{:.0}",
                (x.instructions - y.instructions) / (x.allocations - y.allocations)
            ),
            _ => "n/a".to_string(),
        };
        t.row([
            format!("`{a}` → `{b}`"),
            what.to_string(),
            ratio(&time),
            both(|x| format!("{:.0}", x.instructions)),
            both(|x| format!("{:.3}", x.allocations)),
            per_avoided,
        ]);
    }
    t
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
            kit::format::mib(c.bytes_allocated as f64),
            kit::format::mib(c.peak_live_bytes as f64),
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

/// The claim: "arena allocation can make batch processing 5–20x faster".
pub const CLAIM: kit::Claim = kit::Claim {
    low: 5.0,
    high: 20.0,
};

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

/// `1.23x (1.20-1.26x)`.
fn ratio(s: &Summary) -> String {
    format!("{:.2}x ({}x)", s.median, s.interval(2))
}

// ANCHOR: verdict
/// The verdict on "arena allocation can make batch processing 5–20x
/// faster", from the data: the arena strategy's wall time against System's,
/// paired run by run, with the 95% interval of its median. The pairs table
/// splits it into its parts.
pub fn verdict(r: &Report) -> String {
    let Some(speedup) = r.row(Strategy::Arena).and_then(|a| a.speedup) else {
        return "No arena/System comparison in this run.".into();
    };
    format!(
        "The claim \"arenas make batch processing 5–20x faster\", measured: the arena \
         strategy ran {} as fast as System (median of per-run ratios, 95% interval): {}.",
        ratio(&speedup),
        CLAIM.judge(&speedup).describe(&CLAIM)
    )
}
// ANCHOR_END: verdict

/// The runs measured with the pipelines as they are now; older series are
/// shown but not judged with them.
fn current(runs: &[Report]) -> Vec<&Report> {
    runs.iter().filter(|r| r.one_code_path).collect()
}

/// The verdict on the claim over every machine measured: stated as a result
/// only where all agree, "machine-dependent" otherwise.
pub fn across_machines(runs: &[Report]) -> String {
    let runs = current(runs);
    format!(
        "On every machine that measured the current pipelines ({}): {}.{}",
        kit::machine::Machine::varied_short(&runs.iter().map(|r| &r.machine).collect::<Vec<_>>()),
        claim_across(&runs).describe(&CLAIM),
        // Said once for all machines: their labels give each one's runs.
        runs.iter()
            .map(|r| r.plan.runs)
            .min()
            .and_then(kit::timing::few_runs_note)
            .map_or(String::new(), |n| format!(" Note: {n}."))
    )
}

/// The claim's verdict over every machine's arena speed-up.
fn claim_across(runs: &[&Report]) -> kit::Verdict {
    kit::Verdict::across(
        runs.iter()
            .filter_map(|r| Some(CLAIM.judge(&r.row(Strategy::Arena)?.speedup?))),
    )
}

// ANCHOR: finding
/// The chapter's finding, from every machine's pairs: what not copying
/// (`system` → `borrowed`) and bumping (`borrowed` → `arena`) each did, and
/// the advice that follows from the two effects. Chosen by the verdicts, so
/// it cannot contradict the data; the instruction counts, the same on every
/// machine, are quoted beside them.
pub fn finding(runs: &[Report]) -> String {
    use Strategy::*;
    let runs = current(runs);
    let pairs = |a: Strategy, b: Strategy| -> Vec<(String, Summary)> {
        runs.iter()
            .filter_map(|r| Some((r.machine.short(), paired(r, a, b)?)))
            .collect()
    };
    let instructions = |a: Strategy, b: Strategy| -> String {
        let counted = runs.iter().find_map(|r| {
            let i = r.instructions.as_ref()?;
            Some((i.row(a)?.instructions, i.row(b)?.instructions))
        });
        counted.map_or(String::new(), |(x, y)| {
            format!(" (callgrind: {x:.0} → {y:.0} instructions per record)")
        })
    };
    let part = |what: &str, a: Strategy, b: Strategy| -> (Effect, String) {
        let pairs = pairs(a, b);
        let sums: Vec<Summary> = pairs.iter().map(|p| p.1).collect();
        let effect = Effect::of(&sums);
        let each: Vec<String> = pairs
            .iter()
            .map(|(m, s)| format!("{} on {m}", ratio(s)))
            .collect();
        let text = format!(
            "{what} {}{}{}",
            effect.describe(runs.len()),
            if each.is_empty() {
                String::new()
            } else {
                format!(": {}", each.join("; "))
            },
            instructions(a, b)
        );
        (effect, text)
    };
    let (copy, copy_text) = part(
        "Not copying (`system` → `borrowed`: the same code without the seven `String`s per \
         record)",
        System,
        Borrowed,
    );
    let (bump, bump_text) = part(
        "Arenas instead of malloc/free for the blocks that were left (`borrowed` → `arena`)",
        Borrowed,
        Arena,
    );
    let advice = match (copy.pays(), bump.pays()) {
        (true, false) => {
            "So stop copying first. Use an arena where lifetimes already line up, for \
             the memory it gives back in one step, not for speed."
        }
        (true, true) => "So stop copying first; an arena then adds a further gain.",
        (false, true) => "Here the gain is in the arena, not in copying less.",
        (false, false) => {
            "Neither change paid on every machine measured: measure your own job before \
             restructuring it."
        }
    };
    format!(
        "Against the claim \"arenas make batch processing 5–20x faster\", on every machine \
         that measured the current pipelines ({}): {}. {copy_text}. {bump_text}. {advice}\n",
        runs.len(),
        claim_across(&runs).describe(&CLAIM)
    )
}
// ANCHOR_END: finding

/// The line under the tables: machine, build, runs.
pub fn label(r: &Report) -> String {
    let p = &r.plan;
    format!(
        "{}; {} run{}, each strategy in a fresh process per run, order rotated \
         between runs; {} records, batches of {}, seed {}.{}",
        r.machine.measured_on(),
        p.runs,
        if p.runs == 1 { "" } else { "s" },
        p.records,
        p.batch,
        p.seed,
        if r.one_code_path {
            ""
        } else {
            " An older method: exercise 5's two pipelines, whose pairs also differed in \
             their line readers and maps; not counted in the findings."
        }
    )
}
