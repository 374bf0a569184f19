//! Arena against heap on time: building labels, and building, walking and
//! freeing a tree.
//!
//! Each run is a fresh process of `ex4-untracked` (the system allocator, no
//! tracker in front of it): one untimed warm-up of each side, then the heap
//! version and the arena version of every step one after the other, the
//! order alternating between runs. The ratio heap / arena is taken within
//! the run, and the report gives the median of those ratios, so drift on a
//! shared machine cancels out. Runs in one process would share its heap and
//! its warmed caches, and look more alike than separate programs are
//! (chapter 3 measured that).

use std::hint::black_box;
use std::time::Instant;

use bumpalo::Bump;
use kit::Summary;
use kit::callgrind::Scope;
use kit::machine::Machine;
use serde::{Deserialize, Serialize};

use crate::{strings, tree};

/// One step's timings: ns per item (label or node).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    /// The step's name, from [`STEPS`].
    pub step: String,
    /// ns per item on the heap.
    pub heap_ns: Summary,
    /// ns per item in the arena.
    pub arena_ns: Summary,
    /// Median of the per-run ratios heap / arena.
    pub ratio: Summary,
}

/// A full run, labelled with where and how it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the run was made.
    pub machine: Machine,
    /// How the timed process's global allocator was set up (runs from
    /// before the split have no such field: they were tracked).
    #[serde(default = "tracked")]
    pub timed: kit::sibling::Timed,
    /// Timed runs of each side.
    pub runs: usize,
    /// Labels built per run.
    pub labels: usize,
    /// Nodes in each tree.
    pub nodes: usize,
    /// Children per node.
    pub children: usize,
    /// One entry per step of [`STEPS`], in order.
    pub steps: Vec<Step>,
    /// Instructions per label or node counted by callgrind, if the run was
    /// made with `--callgrind`.
    #[serde(default)]
    pub instructions: Option<Instructions>,
}

fn tracked() -> kit::sibling::Timed {
    kit::sibling::Timed::Tracked
}

fn ns(t: Instant) -> f64 {
    t.elapsed().as_nanos() as f64
}

/// One run's heap and arena times for each step, in ns: what one fresh
/// process measures and prints.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Times {
    /// Each step of [`STEPS`] on the heap.
    pub heap: [f64; 5],
    /// Each step of [`STEPS`] in the arena.
    pub arena: [f64; 5],
}

/// The steps, in the order of every per-step array.
pub const STEPS: [&str; 5] = [
    "labels: build and free",
    "tree: build",
    "tree: walk (down and up)",
    "tree: free",
    "tree: build, walk, free",
];

// ANCHOR: bench_tree
/// Runs one side's steps in order; `step` indexes [`STEPS`]. The timed run
/// times every step ([`Timed`]); a callgrind run counts one ([`OneStep`]).
trait Steps {
    fn run<R>(&mut self, step: usize, f: impl FnOnce() -> R) -> R;
}

fn heap_side(s: &mut impl Steps, labels: usize, nodes: usize, k: usize) {
    s.run(0, || drop(black_box(strings::heap_labels(labels))));

    let root = s.run(1, || tree::build_rc(nodes, k));
    s.run(2, || black_box(tree::walk_rc(&root)));
    s.run(3, || drop(root)); // one free per node and per child list
}

fn arena_side(s: &mut impl Steps, labels: usize, nodes: usize, k: usize) {
    s.run(0, || {
        let bump = Bump::new();
        black_box(strings::arena_labels(&bump, labels));
    });

    let bump = Bump::new();
    let built = s.run(1, || tree::build_arena(&bump, nodes, k));
    s.run(2, || black_box(tree::walk_arena(built.root)));
    s.run(3, || drop(bump)); // one free per chunk
}

/// Times every step into its slot, in ns.
struct Timed<'t>(&'t mut [f64; 5]);

impl Steps for Timed<'_> {
    fn run<R>(&mut self, step: usize, f: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let result = f();
        self.0[step] = ns(start);
        result
    }
}
// ANCHOR_END: bench_tree

/// One timed run in this process, after one untimed warm-up of each side;
/// `first` runs first.
pub fn one_run(first: Side, labels: usize, nodes: usize, k: usize) -> Times {
    let mut warm = Times::default();
    heap_side(&mut Timed(&mut warm.heap), labels, nodes, k);
    arena_side(&mut Timed(&mut warm.arena), labels, nodes, k);
    let mut t = Times::default();
    match first {
        Side::Heap => {
            heap_side(&mut Timed(&mut t.heap), labels, nodes, k);
            arena_side(&mut Timed(&mut t.arena), labels, nodes, k);
        }
        Side::Arena => {
            arena_side(&mut Timed(&mut t.arena), labels, nodes, k);
            heap_side(&mut Timed(&mut t.heap), labels, nodes, k);
        }
    }
    t.heap[4] = t.heap[1] + t.heap[2] + t.heap[3];
    t.arena[4] = t.arena[1] + t.arena[2] + t.arena[3];
    t
}

/// The report of runs each taken in its own process ([`one_run`]).
pub fn report(all: &[Times], labels: usize, nodes: usize, k: usize) -> Report {
    let runs = all.len();
    let steps = STEPS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let per = if i == 0 { labels } else { nodes } as f64;
            let col = |f: fn(&Times) -> &[f64; 5]| {
                Summary::of_or_nan(&all.iter().map(|t| f(t)[i] / per).collect::<Vec<_>>())
            };
            Step {
                step: name.to_string(),
                heap_ns: col(|t| &t.heap),
                arena_ns: col(|t| &t.arena),
                ratio: Summary::of_or_nan(
                    &all.iter()
                        .map(|t| t.heap[i] / t.arena[i])
                        .collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    Report {
        machine: Machine::describe(),
        timed: kit::sibling::Timed::Untracked,
        runs,
        labels,
        nodes,
        children: k,
        steps,
        instructions: None,
    }
}

/// The two sides, to run one alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    /// `String`s and `Box`/`Rc` nodes on the heap.
    Heap,
    /// The same labels and nodes in a bumpalo arena.
    Arena,
}

impl Side {
    /// The name `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Side::Heap => "heap",
            Side::Arena => "arena",
        }
    }
}

/// The steps of one round, one of them counted: that one runs inside
/// [`kit::callgrind::counted`] (so that callgrind can count it alone) and is
/// timed; the others just run.
struct OneStep {
    counted: usize,
    ns: f64,
}

impl Steps for OneStep {
    fn run<R>(&mut self, step: usize, f: impl FnOnce() -> R) -> R {
        if step != self.counted {
            return f();
        }
        let start = Instant::now();
        let result = kit::callgrind::counted(f);
        self.ns += ns(start);
        result
    }
}

/// Runs one side alone `rounds` times, the same steps as the timed run, and
/// counts step `step` (an index into [`STEPS`], 0 to 3). Returns that step's
/// ns per label or node over all rounds.
pub fn repeat(
    side: Side,
    step: usize,
    rounds: usize,
    labels: usize,
    nodes: usize,
    k: usize,
) -> f64 {
    let mut s = OneStep {
        counted: step,
        ns: 0.0,
    };
    for _ in 0..rounds {
        match side {
            Side::Heap => heap_side(&mut s, labels, nodes, k),
            Side::Arena => arena_side(&mut s, labels, nodes, k),
        }
    }
    let per = if step == 0 { labels } else { nodes };
    s.ns / (rounds * per) as f64
}

/// Instructions per label or per node for each step of [`STEPS`], heap and
/// arena, counted by valgrind's callgrind: unlike a timing, the same on
/// every run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    /// `valgrind --version` of the run.
    pub valgrind: String,
    /// In the order of [`STEPS`].
    pub heap: Vec<f64>,
    /// In the order of [`STEPS`].
    pub arena: Vec<f64>,
}

/// Runs `exe bench --only SIDE --step I --runs R` under callgrind at two
/// values of R, for every side and step, counting only the step: the
/// difference of the totals over the difference of R is one round's step
/// (whatever happens once, such as the first round's fresh memory, cancels).
pub fn count_instructions(
    exe: &std::path::Path,
    labels: usize,
    nodes: usize,
    k: usize,
) -> Result<Instructions, String> {
    let per_item = |side: Side, step: usize| {
        let per = if step == 0 { labels } else { nodes } as f64;
        kit::callgrind::per_iteration(exe, Scope::Counted, 2, 5, |rounds| {
            let numbers = [step, labels, nodes, k, rounds as usize].map(|n| n.to_string());
            [
                "bench",
                "--only",
                side.name(),
                "--step",
                &numbers[0],
                "--labels",
                &numbers[1],
                "--nodes",
                &numbers[2],
                "--children",
                &numbers[3],
                "--runs",
                &numbers[4],
            ]
            .map(String::from)
            .to_vec()
        })
        .map(|per_round| per_round / per)
    };
    let side = |side: Side| -> Result<Vec<f64>, String> {
        let mut steps = (0..4)
            .map(|step| per_item(side, step))
            .collect::<Result<Vec<f64>, String>>()?;
        steps.push(steps[1] + steps[2] + steps[3]); // build, walk, free
        Ok(steps)
    };
    Ok(Instructions {
        valgrind: kit::callgrind::valgrind_version()?,
        heap: side(Side::Heap)?,
        arena: side(Side::Arena)?,
    })
}

/// The report as a table.
pub fn table(r: &Report) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "ns per label ({} labels) or per node ({} nodes, {} children each): {} of {} runs",
            r.labels,
            r.nodes,
            r.children,
            r.steps
                .first()
                .map_or(kit::timing::SPREAD_NOTE, |s| s.heap_ns.spread_note()),
            r.runs
        ),
        &["step", "heap", "arena", "heap / arena"],
    );
    for (i, s) in r.steps.iter().enumerate() {
        let items = if i == 0 { r.labels } else { r.nodes };
        t.row([
            s.step.clone(),
            s.heap_ns.display(2),
            s.arena_ns.display(2),
            ratio_or_totals(
                s.heap_ns.median,
                s.arena_ns.median,
                s.ratio.median,
                items,
                "µs",
                1e-3,
            ),
        ]);
    }
    t
}

/// One compact table over every machine measured: each step's heap / arena
/// time ratio (median of per-run ratios, its 95% interval), a column per
/// machine. The full tables stay in each machine's page.
pub fn summary(runs: &[Report]) -> kit::Table {
    let mut headers = vec!["step".to_string()];
    headers.extend(
        runs.iter()
            .map(|r| format!("{}: heap / arena", r.machine.short())),
    );
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = kit::Table::new(
        "Heap time over arena time per step, median of per-run ratios (95% interval), \
         on every machine measured",
        &refs,
    );
    let Some(first) = runs.first() else {
        return t;
    };
    for (i, step) in first.steps.iter().enumerate() {
        let mut row = vec![step.step.clone()];
        for r in runs {
            row.push(match r.steps.get(i) {
                Some(s) if s.arena_ns.median.abs() >= NEAR_ZERO => {
                    format!("{} ({}x)", ratio(s.ratio.median), s.ratio.interval(1))
                }
                Some(_) => "no ratio: the arena side is near zero".to_string(),
                None => "-".to_string(),
            });
        }
        t.row(row);
    }
    t
}

/// Below this many ns (or instructions) per item, a side's figure is near
/// zero: a ratio over it says more about the clock's resolution than about
/// the work, so the table gives the two totals instead.
pub const NEAR_ZERO: f64 = 0.1;

/// `ratio_of` as `2.6x`, or for a near-zero arena side, both sides' totals
/// over all `items` (`1374 µs vs 0.3 µs in all`), each per-item figure
/// times `items` times `scale`.
fn ratio_or_totals(
    heap: f64,
    arena: f64,
    ratio_of: f64,
    items: usize,
    unit: &str,
    scale: f64,
) -> String {
    if arena.abs() < NEAR_ZERO {
        let total = |x: f64| x * items as f64 * scale;
        let fmt = |x: f64| {
            if x.abs() < 10.0 {
                format!("{x:.1}")
            } else {
                format!("{x:.0}")
            }
        };
        format!(
            "no ratio: {} {unit} vs {} {unit} in all",
            fmt(total(heap)),
            fmt(total(arena))
        )
    } else {
        ratio(ratio_of)
    }
}

/// The callgrind counts beside the timings, when the report has them.
pub fn instructions_table(r: &Report) -> Option<kit::Table> {
    let i = r.instructions.as_ref()?;
    let mut t = kit::Table::new(
        format!(
            "Instructions per label or per node, the same sizes, counted by callgrind ({})",
            i.valgrind
        ),
        &["step", "heap", "arena", "heap / arena"],
    );
    for (k, (step, (heap, arena))) in STEPS.iter().zip(i.heap.iter().zip(&i.arena)).enumerate() {
        let items = if k == 0 { r.labels } else { r.nodes };
        t.row([
            step.to_string(),
            instructions(*heap),
            instructions(*arena),
            ratio_or_totals(*heap, *arena, heap / arena, items, "instructions", 1.0),
        ]);
    }
    Some(t)
}

/// `123.4`; three decimals below 1 (an arena frees a whole tree in a few
/// hundred instructions: a fraction of one per node).
fn instructions(n: f64) -> String {
    if n.abs() < 1.0 {
        format!("{n:.3}")
    } else {
        format!("{n:.1}")
    }
}

/// `2.6x`; whole numbers once the ratio is large.
fn ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.1}x")
    }
}

/// The line the book prints under the table.
pub fn label(r: &Report) -> String {
    format!(
        "{}; each run a fresh process; ratios are medians of per-run ratios; {}.",
        r.machine.measured_on(),
        match r.timed {
            kit::sibling::Timed::Untracked => "timed with the system allocator, untracked",
            kit::sibling::Timed::Tracked =>
                "timed under the tracker (a run from before the split, to be redone)",
        }
    )
}

/// How much `bench` measures; the tracked `ex4` and the untracked
/// `ex4-untracked` take the same flags.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Size {
    /// Repetitions; the report gives their median and spread.
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u16).range(1..=101))]
    pub runs: u16,
    /// Labels built per run.
    #[arg(long, default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
    pub labels: u64,
    /// Tree nodes built per run.
    #[arg(long, default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
    pub nodes: u64,
    /// Children per tree node.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=64))]
    pub children: u64,
    /// Which side a timed run starts with (set by `ex4 bench` for each of
    /// its fresh processes, alternating).
    #[arg(long, value_enum, default_value_t = Side::Heap, hide = true)]
    pub first: Side,
    /// Run only this side, `--runs` times without warm-up, and time only
    /// `--step` (for profilers such as callgrind); prints ns per item.
    #[arg(long, value_enum)]
    pub only: Option<Side>,
    /// With `--only`: the step to count, 0 to 3 (labels, tree build, tree
    /// walk, tree free).
    #[arg(long, default_value_t = 0, requires = "only",
          value_parser = clap::value_parser!(u8).range(0..=3))]
    pub step: u8,
}

impl Size {
    /// The untracked binary's command line for one timed run.
    pub fn untracked_args(&self, first: Side) -> Vec<String> {
        let n = [self.labels, self.nodes, self.children].map(|n| n.to_string());
        [
            "bench",
            "--labels",
            &n[0],
            "--nodes",
            &n[1],
            "--children",
            &n[2],
            "--first",
            first.name(),
        ]
        .map(String::from)
        .to_vec()
    }

    /// One timed run in this process (the untracked binary's job).
    pub fn one_run(&self) -> Times {
        one_run(
            self.first,
            self.labels as usize,
            self.nodes as usize,
            self.children as usize,
        )
    }

    /// `--runs` timed runs, each in a fresh untracked process, the side
    /// that goes first alternating; `progress` after each.
    pub fn measure(&self, progress: impl Fn()) -> Result<Report, String> {
        let first = |run: usize| {
            if run.is_multiple_of(2) {
                Side::Heap
            } else {
                Side::Arena
            }
        };
        let all: Vec<Times> = crate::child::SIBLINGS.fresh_runs(
            self.runs.into(),
            |run| self.untracked_args(first(run)),
            progress,
        )?;
        Ok(report(
            &all,
            self.labels as usize,
            self.nodes as usize,
            self.children as usize,
        ))
    }
}

/// With `--only`: one side's step alone, as one line; `None` otherwise.
pub fn only_line(size: &Size) -> Option<String> {
    let side = size.only?;
    let step = size.step as usize;
    let ns = repeat(
        side,
        step,
        size.runs as usize,
        size.labels as usize,
        size.nodes as usize,
        size.children as usize,
    );
    Some(format!(
        "{} side, {}: {ns:.2} ns per {} ({} rounds, no warm-up)",
        side.name(),
        STEPS[step],
        if step == 0 { "label" } else { "node" },
        size.runs
    ))
}

/// What a person or the book sees of a report: its tables and its label.
pub fn page(r: &Report) -> kit::report::Page {
    kit::report::Page::new([table(r)])
        .tables(instructions_table(r))
        .line(label(r))
}
