//! Arena vs heap: many small objects, allocated and then all freed.
//!
//! The same `n` 32-byte objects are allocated with `Box::new` (one global
//! allocator call each) and with `bump.alloc` (one call per chunk), and then
//! freed again: `n` `free`s for the boxes, one drop of the arena. The arena
//! side runs twice: with a new arena every time (its chunks come fresh from
//! the global allocator, and from the OS) and with one arena that is `reset()`
//! and reused, the way arenas are used in a loop.
//!
//! All sides run in one process, one after the other within each run (the
//! order rotates), and each run's ratio is taken before the median of the
//! runs is reported, so a shared machine's drift cancels out. The global
//! allocator in this binary is exercise 1's tracker over the system
//! allocator: its small per-call cost is part of the `Box` column, as it is
//! of every heap allocation the program makes.

use std::hint::black_box;
use std::time::Instant;

use bumpalo::Bump;
use kit::Summary;
use kit::callgrind::Scope;
use kit::timing::Machine;
use serde::{Deserialize, Serialize};

// ANCHOR: particle
/// The small object: 32 bytes, 8-byte aligned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Particle {
    pub position: [f32; 3],
    pub velocity: [f32; 3],
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
    let t = Instant::now();
    let (_, global) = ex1::measure(|| {
        for i in 0..n {
            keep.push(Box::new(particle(black_box(i))));
        }
    });
    let alloc_ns = t.elapsed().as_nanos() as f64;
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
    let t = Instant::now();
    let (_, global) = ex1::measure(|| {
        for i in 0..n {
            keep.push(bump.alloc(particle(black_box(i))));
        }
    });
    let alloc_ns = t.elapsed().as_nanos() as f64;
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
    let t = Instant::now();
    let (_, global) = ex1::measure(|| {
        for i in 0..n {
            keep.push(bump.alloc(particle(black_box(i))));
        }
    });
    let alloc_ns = t.elapsed().as_nanos() as f64;
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

/// What the seed claimed: a bump allocator is 5-20x faster for small allocations.
pub const CLAIM: (f64, f64) = (5.0, 20.0);

/// One arena variant against the heap.
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
    /// Global allocator calls while allocating, in the last run.
    pub global_allocs: u64,
}

/// A full run, labelled with where and how it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub machine: Machine,
    pub runs: usize,
    pub objects: usize,
    pub object_size: usize,
    /// `Box::new` (its ratios are all 1).
    pub heap: Side,
    /// `bump.alloc` into a new arena each run.
    pub fresh_arena: Side,
    /// `bump.alloc` into one arena, `reset()` between runs.
    pub reused_arena: Side,
    /// Instructions per object counted by callgrind, if the run was made
    /// with `--callgrind`.
    #[serde(default)]
    pub instructions: Option<Instructions>,
}

// ANCHOR: run
/// Runs the three sides `runs` times, after one untimed warm-up round each.
pub fn run(objects: usize, runs: usize, progress: impl Fn()) -> Report {
    let mut boxes = Vec::with_capacity(objects);
    let mut pointers = Vec::with_capacity(objects);
    let mut reused = Bump::new();
    box_round(&mut boxes, objects);
    fresh_arena_round(&mut pointers, objects);
    reused_arena_round(&mut reused, &mut pointers, objects);

    let mut rounds: [Vec<Round>; 3] = Default::default();
    for run in 0..runs {
        // Rotate the order so no side always runs first.
        for k in 0..3 {
            let side = (k + run) % 3;
            let r = match side {
                0 => box_round(&mut boxes, objects),
                1 => fresh_arena_round(&mut pointers, objects),
                _ => reused_arena_round(&mut reused, &mut pointers, objects),
            };
            rounds[side].push(r);
        }
        progress();
    }
    let [heap, fresh, again] = &rounds;
    let side = |mine: &[Round]| {
        let per_object = |f: fn(&Round) -> f64| {
            Summary::of_or_nan(
                &mine
                    .iter()
                    .map(|r| f(r) / objects as f64)
                    .collect::<Vec<_>>(),
            )
        };
        let ratio = |f: fn(&Round) -> f64| {
            Summary::of_or_nan(
                &heap
                    .iter()
                    .zip(mine)
                    .map(|(h, m)| f(h) / f(m))
                    .collect::<Vec<_>>(),
            )
        };
        let alloc = |r: &Round| r.alloc_ns;
        let total = |r: &Round| r.alloc_ns + r.free_ns;
        Side {
            alloc_ns: per_object(alloc),
            total_ns: per_object(total),
            alloc_ratio: ratio(alloc),
            total_ratio: ratio(total),
            global_allocs: mine.last().map_or(0, |r| r.global_allocs),
        }
    };
    Report {
        machine: Machine::describe(),
        runs,
        objects,
        object_size: size_of::<Particle>(),
        heap: side(heap),
        fresh_arena: side(fresh),
        reused_arena: side(again),
        instructions: None,
    }
}
// ANCHOR_END: run

/// The three sides, to run one alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// `Box::new`, then one free per object.
    Heap,
    /// `bump.alloc` into a new arena, then the arena dropped.
    FreshArena,
    /// `bump.alloc` into one arena, then `reset()`.
    ReusedArena,
}

impl Which {
    /// The name `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Which::Heap => "heap",
            Which::FreshArena => "fresh-arena",
            Which::ReusedArena => "reused-arena",
        }
    }
}

/// Runs one side alone: an untimed warm-up round, then `rounds` rounds.
/// Returns ns per object, allocate and then free all, averaged over the
/// rounds. For profilers such as callgrind, where only the work matters.
pub fn run_one(which: Which, objects: usize, rounds: usize) -> f64 {
    let mut boxes = Vec::with_capacity(objects);
    let mut pointers = Vec::with_capacity(objects);
    let mut reused = Bump::new();
    let mut round = || match which {
        Which::Heap => box_round(&mut boxes, objects),
        Which::FreshArena => fresh_arena_round(&mut pointers, objects),
        Which::ReusedArena => reused_arena_round(&mut reused, &mut pointers, objects),
    };
    round();
    let ns: f64 = (0..rounds)
        .map(|_| {
            let r = round();
            r.alloc_ns + r.free_ns
        })
        .sum();
    ns / (rounds * objects) as f64
}

/// Instructions per object, allocate and then free all, counted by
/// valgrind's callgrind: unlike a timing, the same on every run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    pub valgrind: String,
    /// Objects per round.
    pub objects: usize,
    pub heap: f64,
    pub fresh_arena: f64,
    pub reused_arena: f64,
}

/// Runs `exe versus --only SIDE --objects N --runs R` under callgrind at two
/// values of R: the difference of the totals over the difference of R is
/// one round (start-up and the warm-up round cancel); divided by N, one
/// object.
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
    })
}

/// The claim's verdict for one median ratio.
pub fn verdict(ratio: f64) -> &'static str {
    if ratio.is_nan() {
        "no data"
    } else if ratio < CLAIM.0 {
        "below 5x: the claim does not hold here"
    } else if ratio <= CLAIM.1 {
        "within 5-20x: the claim holds here"
    } else {
        "above 20x: the claim undersells it here"
    }
}

/// The report as tables: timings and verdicts, then global allocator calls.
pub fn tables(r: &Report) -> Vec<kit::Table> {
    let mut t = kit::Table::new(
        format!(
            "{} objects of {} bytes: ns per object, median ±half-range of {} runs",
            r.objects, r.object_size, r.runs
        ),
        &[
            "phase",
            "`Box::new`",
            "`bump.alloc`, new arena",
            "`bump.alloc`, reset arena",
            "Box / new arena",
            "Box / reset arena",
        ],
    );
    let (h, f, a) = (&r.heap, &r.fresh_arena, &r.reused_arena);
    t.row([
        "allocate".to_string(),
        h.alloc_ns.display(2),
        f.alloc_ns.display(2),
        a.alloc_ns.display(2),
        format!("{:.1}x", f.alloc_ratio.median),
        format!("{:.1}x", a.alloc_ratio.median),
    ]);
    t.row([
        "allocate, then free all".to_string(),
        h.total_ns.display(2),
        f.total_ns.display(2),
        a.total_ns.display(2),
        format!("{:.1}x", f.total_ratio.median),
        format!("{:.1}x", a.total_ratio.median),
    ]);

    let mut v = kit::Table::new(
        "The claim \"bump allocation is 5-20x faster for small allocations\", per case",
        &["case", "median ratio", "per-run range", "verdict"],
    );
    for (case, s) in [
        ("new arena, allocate", &f.alloc_ratio),
        ("new arena, allocate + free", &f.total_ratio),
        ("reset arena, allocate", &a.alloc_ratio),
        ("reset arena, allocate + free", &a.total_ratio),
    ] {
        v.row([
            case.to_string(),
            format!("{:.1}x", s.median),
            format!("{:.1}-{:.1}x", s.min, s.max),
            verdict(s.median).to_string(),
        ]);
    }

    let mut c = kit::Table::new(
        "Global allocator calls while allocating (exercise 1's tracker)",
        &["side", "allocs", "per object"],
    );
    for (side, s) in [
        ("`Box::new`", h),
        ("`bump.alloc`, new arena", f),
        ("`bump.alloc`, reset arena", a),
    ] {
        c.row([
            side.to_string(),
            s.global_allocs.to_string(),
            format!("{:.5}", s.global_allocs as f64 / r.objects as f64),
        ]);
    }
    let mut tables = vec![t, v, c];
    tables.extend(instructions_table(r));
    tables
}

/// The callgrind counts beside the timings, when the report has them.
fn instructions_table(r: &Report) -> Option<kit::Table> {
    let i = r.instructions.as_ref()?;
    let mut t = kit::Table::new(
        format!(
            "Instructions per object, allocate then free all ({} objects a round), \
             counted by callgrind ({})",
            i.objects, i.valgrind
        ),
        &[
            "side",
            "instructions",
            "Box / this side",
            "ns (timed above)",
        ],
    );
    for (side, n, timed) in [
        ("`Box::new`", i.heap, &r.heap),
        ("`bump.alloc`, new arena", i.fresh_arena, &r.fresh_arena),
        ("`bump.alloc`, reset arena", i.reused_arena, &r.reused_arena),
    ] {
        t.row([
            side.to_string(),
            format!("{n:.1}"),
            format!("{:.1}x", i.heap / n),
            timed.total_ns.display(2),
        ]);
    }
    Some(t)
}

/// The line the book prints under the timing tables.
pub fn label(r: &Report) -> String {
    let m = &r.machine;
    format!(
        "Measured on {} ({} cores, {}), {} build, {}; ratios are medians of per-run ratios.",
        m.cpu, m.cores, m.os, m.profile, m.rustc
    )
}
