//! Arena vs heap: many small objects, allocated and then all freed.
//!
//! The same `n` 32-byte objects are allocated with `Box::new` (one global
//! allocator call each) and with `bump.alloc` (one call per chunk), and then
//! freed again: `n` `free`s for the boxes, one drop of the arena. The arena
//! side runs twice: with a new arena every time (its chunks come from the
//! global allocator again each time) and with one arena that is `reset()`
//! and reused, the way arenas are used in a loop.
//!
//! All sides run in one process, one after the other within each run (the
//! order rotates), and each run's ratio is taken before the median of the
//! runs is reported, so a shared machine's drift cancels out. Each run times
//! many rounds of each side, so that one scheduler tick cannot decide it.
//!
//! The timings come from `ex3-untracked`, whose global allocator is the
//! system allocator as it is: a tracker would charge its per-call cost to
//! the `Box` side only. The global allocator calls are counted by the
//! tracked `ex3` running the same rounds (`kit::sibling`).

use std::hint::black_box;
use std::time::Instant;

use bumpalo::Bump;
use kit::Summary;
use kit::callgrind::Scope;
use kit::machine::Machine;
use serde::{Deserialize, Serialize};

// ANCHOR: particle
/// The small object: 32 bytes, 8-byte aligned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Particle {
    /// Where it is.
    pub position: [f32; 3],
    /// Where it moves per step.
    pub velocity: [f32; 3],
    /// Which particle it is: its index.
    pub id: u64,
}

fn particle(i: usize) -> Particle {
    let f = i as f32;
    Particle {
        position: [f, f + 1.0, f + 2.0],
        velocity: [0.5, -0.5, 0.25],
        id: i as u64,
    }
}
// ANCHOR_END: particle

/// One side's result in one run.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    /// Nanoseconds to allocate all objects.
    pub alloc_ns: f64,
    /// Nanoseconds to free them all again.
    pub free_ns: f64,
    /// Global allocator calls made while allocating.
    pub global_allocs: u64,
}

// ANCHOR: box_round
/// `n` objects on the heap, one `Box` each, then all freed. `keep` is empty
/// and is reused from run to run, so its own buffer is not part of the cost.
pub fn box_round(keep: &mut Vec<Box<Particle>>, n: usize) -> Round {
    keep.reserve(n);
    let (alloc_ns, global) = ex1::measure(|| {
        let t = Instant::now();
        for i in 0..n {
            keep.push(Box::new(particle(black_box(i))));
        }
        t.elapsed().as_nanos() as f64
    });
    black_box(&keep);
    let t = Instant::now();
    keep.clear(); // n frees
    let free_ns = t.elapsed().as_nanos() as f64;
    Round {
        alloc_ns,
        free_ns,
        global_allocs: global.allocs,
    }
}
// ANCHOR_END: box_round

// ANCHOR: bump_round
/// The same `n` objects in a fresh arena, then the arena dropped. `keep`
/// holds where they are, as the heap side's `Vec` does.
pub fn fresh_arena_round(keep: &mut Vec<*const Particle>, n: usize) -> Round {
    // ANCHOR: task_fresh_arena_round
    keep.reserve(n);
    let bump = Bump::new(); // allocates nothing yet
    let (alloc_ns, global) = ex1::measure(|| {
        let t = Instant::now();
        for i in 0..n {
            keep.push(bump.alloc(particle(black_box(i))));
        }
        t.elapsed().as_nanos() as f64
    });
    black_box(&keep);
    let t = Instant::now();
    keep.clear();
    drop(bump); // one free per chunk
    let free_ns = t.elapsed().as_nanos() as f64;
    Round {
        alloc_ns,
        free_ns,
        global_allocs: global.allocs,
    }
    // ANCHOR_END: task_fresh_arena_round
}

/// The same again in an arena that is reset and reused from round to round,
/// the way a per-frame or per-request arena is used: its memory is already
/// there (and already touched) when the round starts.
pub fn reused_arena_round(bump: &mut Bump, keep: &mut Vec<*const Particle>, n: usize) -> Round {
    // ANCHOR: task_reused_arena_round
    keep.reserve(n);
    let (alloc_ns, global) = ex1::measure(|| {
        let t = Instant::now();
        for i in 0..n {
            keep.push(bump.alloc(particle(black_box(i))));
        }
        t.elapsed().as_nanos() as f64
    });
    black_box(&keep);
    let t = Instant::now();
    keep.clear(); // the pointers go before the memory they point to
    bump.reset();
    let free_ns = t.elapsed().as_nanos() as f64;
    Round {
        alloc_ns,
        free_ns,
        global_allocs: global.allocs,
    }
    // ANCHOR_END: task_reused_arena_round
}
// ANCHOR_END: bump_round

// ANCHOR: loop_round
/// The same loop with no allocation at all: each object is written into
/// memory reserved up front (a `Vec`'s spare capacity, bumped by an index)
/// and a pointer to it kept, as the other sides do. What the other sides
/// take beyond this is what allocating costs them.
pub fn loop_round(values: &mut Vec<Particle>, keep: &mut Vec<*const Particle>, n: usize) -> Round {
    values.reserve(n);
    keep.reserve(n);
    let slots = values.spare_capacity_mut();
    let t = Instant::now();
    for (i, slot) in slots[..n].iter_mut().enumerate() {
        keep.push(slot.write(particle(black_box(i))));
    }
    let alloc_ns = t.elapsed().as_nanos() as f64;
    black_box(&keep);
    let t = Instant::now();
    keep.clear(); // `Particle` has no `Drop`: nothing to free
    let free_ns = t.elapsed().as_nanos() as f64;
    Round {
        alloc_ns,
        free_ns,
        global_allocs: 0,
    }
}
// ANCHOR_END: loop_round

/// The common advice under test: a bump allocator is 5-20x faster for small allocations.
pub const CLAIM: kit::Claim = kit::Claim {
    low: 5.0,
    high: 20.0,
};

/// Rounds of each side timed together as one run: at 100,000 objects a
/// round lasts 1-5 ms, short enough for one scheduler tick or a burst of
/// page faults to decide it; twenty make a run of 20-100 ms.
pub const ROUNDS_PER_RUN: usize = 20;

/// Untimed rounds of each side before the timed ones: a reused arena's
/// first round fills chunks as a new arena does and its second takes one
/// bigger chunk (the reset keeps only the last); from the third on it calls
/// the global allocator no more.
pub const WARM_UP_ROUNDS: usize = 2;

/// One side against the heap.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Side {
    /// ns per object, allocation alone.
    pub alloc_ns: Summary,
    /// ns per object, allocation plus freeing everything.
    pub total_ns: Summary,
    /// Per-run `Box` time / this side's time, allocation alone.
    pub alloc_ratio: Summary,
    /// Per-run `Box` time / this side's time, allocation plus freeing.
    pub total_ratio: Summary,
    /// Per run, the allocation calls alone: (`Box` time - no-allocation
    /// time) / (this side's time - no-allocation time), allocating. What the
    /// claim describes; infinite when this side took no longer than the loop
    /// alone. NaN in runs recorded before it was kept.
    #[serde(default = "kit::Summary::nan")]
    pub call_ratio: Summary,
    /// Minor page faults per round (`getrusage`), allocate plus free.
    #[serde(default = "kit::Summary::nan")]
    pub faults_per_round: Summary,
    /// Global allocator calls while allocating one round, after the
    /// warm-up rounds: counted by the tracked binary.
    pub global_allocs: u64,
}

/// A full run, labelled with where and how it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the run was made.
    pub machine: Machine,
    /// How the timed process's global allocator was set up.
    #[serde(default = "tracked")]
    pub timed: kit::sibling::Timed,
    /// Timed runs of each side.
    pub runs: usize,
    /// Rounds per run (each run times this many rounds of each side).
    #[serde(default = "one")]
    pub rounds: usize,
    /// Objects allocated per round.
    pub objects: usize,
    /// `size_of::<Particle>()`.
    pub object_size: usize,
    /// `Box::new` (its ratios are all 1).
    pub heap: Side,
    /// `bump.alloc` into a new arena each round.
    pub fresh_arena: Side,
    /// `bump.alloc` into one arena, `reset()` between rounds.
    pub reused_arena: Side,
    /// The loop alone, no allocation ([`loop_round`]).
    #[serde(default)]
    pub no_alloc: Option<Side>,
    /// Instructions per object counted by callgrind, if the run was made
    /// with `--callgrind`.
    #[serde(default)]
    pub instructions: Option<Instructions>,
}

fn tracked() -> kit::sibling::Timed {
    kit::sibling::Timed::Tracked
}

fn one() -> usize {
    1
}

/// The four sides, in the order `run` rotates through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// `Box::new`, then one free per object.
    Heap,
    /// `bump.alloc` into a new arena, then the arena dropped.
    FreshArena,
    /// `bump.alloc` into one arena, then `reset()`.
    ReusedArena,
    /// The same loop writing into a reserved `Vec`: no allocation.
    NoAlloc,
}

impl Which {
    pub(crate) const ALL: [Which; 4] = [
        Which::Heap,
        Which::FreshArena,
        Which::ReusedArena,
        Which::NoAlloc,
    ];

    /// The name `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Which::Heap => "heap",
            Which::FreshArena => "fresh-arena",
            Which::ReusedArena => "reused-arena",
            Which::NoAlloc => "no-alloc",
        }
    }
}

/// Everything the rounds of one process reuse.
#[derive(Default)]
struct Sides {
    #[allow(clippy::vec_box)] // one heap allocation per object is the point
    boxes: Vec<Box<Particle>>,
    pointers: Vec<*const Particle>,
    values: Vec<Particle>,
    reused: Bump,
}

impl Sides {
    fn warm_up(&mut self, objects: usize) {
        for _ in 0..WARM_UP_ROUNDS {
            for which in Which::ALL {
                self.round(which, objects);
            }
        }
    }

    fn round(&mut self, which: Which, objects: usize) -> Round {
        match which {
            Which::Heap => box_round(&mut self.boxes, objects),
            Which::FreshArena => fresh_arena_round(&mut self.pointers, objects),
            Which::ReusedArena => reused_arena_round(&mut self.reused, &mut self.pointers, objects),
            Which::NoAlloc => loop_round(&mut self.values, &mut self.pointers, objects),
        }
    }
}

/// `rounds` rounds of one side, summed, with the minor faults they took.
fn timed_rounds(sides: &mut Sides, which: Which, objects: usize, rounds: usize) -> (Round, u64) {
    let faults = kit::rss::minor_faults().unwrap_or(0);
    let mut sum = Round {
        alloc_ns: 0.0,
        free_ns: 0.0,
        global_allocs: 0,
    };
    for _ in 0..rounds {
        let r = sides.round(which, objects);
        sum.alloc_ns += r.alloc_ns;
        sum.free_ns += r.free_ns;
        sum.global_allocs = r.global_allocs;
    }
    let faults = kit::rss::minor_faults().unwrap_or(0).saturating_sub(faults);
    (sum, faults)
}

// ANCHOR: run
/// Runs the four sides `runs` times, each time `rounds` rounds of each
/// side, after untimed warm-up rounds.
pub fn run(objects: usize, runs: usize, rounds: usize, progress: impl Fn()) -> Report {
    let mut sides = Sides::default();
    sides.warm_up(objects);
    let mut timed: [Vec<(Round, u64)>; 4] = Default::default();
    for run in 0..runs {
        // Rotate the order so no side always runs first.
        for k in 0..4 {
            let which = Which::ALL[(k + run) % 4];
            timed[which as usize].push(timed_rounds(&mut sides, which, objects, rounds));
        }
        progress();
    }
    let per_object = (objects * rounds) as f64;
    let [heap, fresh, again, none] = &timed;
    let side = |mine: &[(Round, u64)]| {
        let of = |f: &dyn Fn(&Round) -> f64| {
            let v: Vec<f64> = mine.iter().map(|(r, _)| f(r) / per_object).collect();
            Summary::of_or_nan(&v)
        };
        let ratio = |f: &dyn Fn(&Round) -> f64| {
            let v: Vec<f64> = heap
                .iter()
                .zip(mine)
                .map(|((h, _), (m, _))| f(h) / f(m))
                .collect();
            Summary::of_or_nan(&v)
        };
        let alloc = |r: &Round| r.alloc_ns;
        let total = |r: &Round| r.alloc_ns + r.free_ns;
        // The loop's own work (building and storing each object) taken off
        // both sides, run by run: what is left is the allocation calls.
        let calls: Vec<f64> = heap
            .iter()
            .zip(mine)
            .zip(none)
            .map(|(((h, _), (m, _)), (n, _))| {
                let (box_calls, these) = (h.alloc_ns - n.alloc_ns, m.alloc_ns - n.alloc_ns);
                if these > 0.0 {
                    box_calls / these
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let faults: Vec<f64> = mine
            .iter()
            .map(|(_, f)| *f as f64 / rounds as f64)
            .collect();
        Side {
            alloc_ns: of(&alloc),
            total_ns: of(&total),
            alloc_ratio: ratio(&alloc),
            total_ratio: ratio(&total),
            call_ratio: Summary::of_or_nan(&calls),
            faults_per_round: Summary::of_or_nan(&faults),
            global_allocs: mine.last().map_or(0, |(r, _)| r.global_allocs),
        }
    };
    Report {
        machine: Machine::describe(),
        timed: kit::sibling::Timed::Untracked,
        runs,
        rounds,
        objects,
        object_size: size_of::<Particle>(),
        heap: side(heap),
        fresh_arena: side(fresh),
        reused_arena: side(again),
        no_alloc: Some(side(none)),
        instructions: None,
    }
}
// ANCHOR_END: run

/// The global allocator calls of one round of each side after the warm-up,
/// as `run` makes them: for the tracked binary, which runs the same rounds
/// as the untimed one to count them.
pub fn count_calls(objects: usize) -> [u64; 4] {
    let mut sides = Sides::default();
    sides.warm_up(objects);
    Which::ALL.map(|which| sides.round(which, objects).global_allocs)
}

/// Puts the tracked binary's counts ([`count_calls`]) into a report timed
/// elsewhere.
pub fn add_counts(r: &mut Report, counts: [u64; 4]) {
    r.heap.global_allocs = counts[0];
    r.fresh_arena.global_allocs = counts[1];
    r.reused_arena.global_allocs = counts[2];
    if let Some(n) = r.no_alloc.as_mut() {
        n.global_allocs = counts[3];
    }
}

/// Runs one side alone: untimed warm-up rounds, then `rounds` rounds.
/// Returns ns per object, allocate and then free all, averaged over the
/// rounds. For profilers such as callgrind, where only the work matters.
pub fn run_one(which: Which, objects: usize, rounds: usize) -> f64 {
    let mut sides = Sides::default();
    for _ in 0..WARM_UP_ROUNDS {
        sides.round(which, objects);
    }
    let ns: f64 = (0..rounds)
        .map(|_| {
            let r = sides.round(which, objects);
            r.alloc_ns + r.free_ns
        })
        .sum();
    ns / (rounds * objects) as f64
}

/// Instructions per object, allocate and then free all, counted by
/// valgrind's callgrind: unlike a timing, the same on every run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    /// `valgrind --version` of the run.
    pub valgrind: String,
    /// Objects per round.
    pub objects: usize,
    /// `Box::new`, then one free per object.
    pub heap: f64,
    /// `bump.alloc` into a new arena, then the arena dropped.
    pub fresh_arena: f64,
    /// `bump.alloc` into one arena, then `reset()`.
    pub reused_arena: f64,
    /// The loop alone, without allocating.
    #[serde(default)]
    pub no_alloc: Option<f64>,
}

/// Runs `exe versus --only SIDE --objects N --runs R` under callgrind at two
/// values of R: the difference of the totals over the difference of R is
/// one round (start-up and the warm-up round cancel); divided by N, one
/// object. `exe` is the untracked binary, so the counts hold no tracker.
pub fn count_instructions(exe: &std::path::Path, objects: usize) -> Result<Instructions, String> {
    let per_object = |which: Which| {
        kit::callgrind::per_iteration(exe, Scope::Program, 2, 6, |rounds| {
            let (objects, rounds) = (objects.to_string(), rounds.to_string());
            [
                "versus",
                "--only",
                which.name(),
                "--objects",
                &objects,
                "--runs",
                &rounds,
            ]
            .map(String::from)
            .to_vec()
        })
        .map(|per_round| per_round / objects as f64)
    };
    Ok(Instructions {
        valgrind: kit::callgrind::valgrind_version()?,
        objects,
        heap: per_object(Which::Heap)?,
        fresh_arena: per_object(Which::FreshArena)?,
        reused_arena: per_object(Which::ReusedArena)?,
        no_alloc: Some(per_object(Which::NoAlloc)?),
    })
}

/// Times `size.runs` runs, each in a fresh untracked process
/// ([`kit::sibling`]), and reports them as one: every process's run is one
/// sample of each figure.
///
/// Why not all runs in one process: the runs of one process agree closely
/// with each other, but two processes started one after the other can
/// disagree by far more (on this book's reference machine the same ratios
/// moved by up to half between back-to-back processes, while each
/// process's own quartiles stayed within a few percent). Where the heap,
/// the arena's chunks and the code land differs from process to process;
/// a spread taken inside one process hides that, so each run gets its own.
pub fn timed_in_fresh_processes(size: &Size) -> Result<Report, String> {
    // ANCHOR: fresh_processes
    let one = Size { runs: 1, ..*size };
    let reports: Vec<Report> =
        crate::child::SIBLINGS.fresh_runs(size.runs.into(), |_| one.untracked_args(), || {})?;
    // ANCHOR_END: fresh_processes
    let first = reports.first().ok_or("no runs")?.clone();
    let across = |side: &dyn Fn(&Report) -> Option<&Side>| -> Option<Side> {
        let sides: Vec<&Side> = reports.iter().filter_map(side).collect();
        let of = |f: &dyn Fn(&Side) -> &Summary| {
            Summary::of_or_nan(&sides.iter().map(|s| f(s).median).collect::<Vec<f64>>())
        };
        Some(Side {
            alloc_ns: of(&|s| &s.alloc_ns),
            total_ns: of(&|s| &s.total_ns),
            alloc_ratio: of(&|s| &s.alloc_ratio),
            total_ratio: of(&|s| &s.total_ratio),
            call_ratio: of(&|s| &s.call_ratio),
            faults_per_round: of(&|s| &s.faults_per_round),
            global_allocs: sides.first()?.global_allocs,
        })
    };
    Ok(Report {
        runs: reports.len(),
        heap: across(&|r| Some(&r.heap)).ok_or("no heap side")?,
        fresh_arena: across(&|r| Some(&r.fresh_arena)).ok_or("no fresh-arena side")?,
        reused_arena: across(&|r| Some(&r.reused_arena)).ok_or("no reused-arena side")?,
        no_alloc: across(&|r| r.no_alloc.as_ref()),
        ..first
    })
}

/// How much `versus` measures; the tracked and the untracked binary take
/// the same flags.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Size {
    /// How many small objects each side allocates per round.
    #[arg(long, default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
    pub objects: u64,
    /// Runs, each in a fresh process; the report gives their median,
    /// quartiles and the interval of the median.
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u16).range(1..=101))]
    pub runs: u16,
    /// Rounds of each side timed together as one run.
    #[arg(long, default_value_t = ROUNDS_PER_RUN as u16,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub rounds: u16,
}

impl Size {
    /// The untracked binary's command line for a full timed run.
    pub fn untracked_args(&self) -> Vec<String> {
        [
            "versus",
            "--objects",
            &self.objects.to_string(),
            "--runs",
            &self.runs.to_string(),
            "--rounds",
            &self.rounds.to_string(),
        ]
        .map(String::from)
        .to_vec()
    }

    /// A full timed run in this process (the untracked binary's job).
    pub fn run(&self) -> Report {
        run(
            self.objects as usize,
            self.runs as usize,
            self.rounds as usize,
            || {},
        )
    }
}

/// `--only SIDE`: one side alone, `--runs` rounds after a warm-up, as one
/// line (for callgrind or perf, where only the work matters).
pub fn only_line(which: Which, size: &Size) -> String {
    let ns = run_one(which, size.objects as usize, size.runs as usize);
    format!(
        "{}: {ns:.2} ns per object, allocate then free all ({} objects, {} rounds after a warm-up)",
        which.name(),
        size.objects,
        size.runs
    )
}
