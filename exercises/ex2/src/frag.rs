//! Fragmentation stress: what a long-running server does to its heap.
//!
//! Every cycle allocates [`OBJECTS_PER_CYCLE`] blocks of mixed random sizes
//! (mostly small, some medium, a few large) and gives each a lifetime: most
//! die at the end of the cycle, a third live for 1–64 cycles, and one in
//! twenty joins a long-lived *survivor set* of bounded size, replacing a
//! random older survivor once it is full. Survivors are scattered through
//! memory that short-lived blocks also used, which is what pins pages and
//! makes an allocator hold more than the program does.
//!
//! The child samples, as it goes, the bytes the program holds (exercise 1's
//! tracker), the resident set (RSS) and, under jemalloc, jemalloc's own
//! statistics. At the end it frees everything except the survivors
//! ("drained"), then asks the allocator to give memory back ("released"):
//! jemalloc with `arena.<all>.purge`, glibc with `malloc_trim(0)`.
//!
//! The bytes the program holds are deterministic (same seed, same counts,
//! either allocator); RSS is not, which is why the book shows a labelled run.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::allocator::Evidence;
use crate::jemalloc;

/// Blocks allocated per cycle.
pub const OBJECTS_PER_CYCLE: usize = 1000;
/// The survivor set's size once full.
pub const SURVIVORS: usize = 8192;
/// Longest medium lifetime, in cycles.
pub const MAX_SPAN: usize = 64;

// ANCHOR: pattern
/// How long a block lives.
#[derive(Debug)]
pub enum Lifetime {
    /// Freed at the end of the cycle that allocated it.
    Cycle,
    /// Freed after this many cycles.
    Span(usize),
    /// Kept in the survivor set until a later survivor replaces it.
    Survivor,
}

/// A block size: 80% small (16–512 B), 18% medium (up to 16 KiB), 2% large
/// (up to 256 KiB), each range log-uniform so every size class sees use.
pub fn size(rng: &mut impl RngExt) -> usize {
    let (lo, hi): (f64, f64) = match rng.random_range(0..100) {
        0..80 => (16.0, 512.0),
        80..98 => (512.0, 16384.0),
        _ => (16384.0, 262_144.0),
    };
    (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp() as usize
}

/// A block's lifetime: 60% one cycle, 35% a span of up to [`MAX_SPAN`]
/// cycles, 5% survivors.
pub fn lifetime(rng: &mut impl RngExt) -> Lifetime {
    match rng.random_range(0..100) {
        0..60 => Lifetime::Cycle,
        60..95 => Lifetime::Span(rng.random_range(1..=MAX_SPAN)),
        _ => Lifetime::Survivor,
    }
}
// ANCHOR_END: pattern

/// Memory as the program, the kernel and the allocator see it at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The cycle just finished (0: before the first).
    pub cycle: u32,
    /// Bytes in the blocks the pattern holds (tracker: requested sizes).
    pub live: i64,
    /// Resident set size of the process (`VmRSS`: file-backed pages such
    /// as the binary and libc included; `None` off Linux).
    pub rss: Option<u64>,
    /// Anonymous resident memory (`RssAnon`): the heap's share.
    #[serde(default)]
    pub anon: Option<u64>,
    /// jemalloc's statistics (jemalloc process only).
    pub jemalloc: Option<jemalloc::Stats>,
    /// glibc's view: bytes it has from the OS and bytes free inside them
    /// (System process on glibc only).
    pub glibc: Option<GlibcStats>,
}

/// glibc malloc's own totals, from `mallinfo2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlibcStats {
    /// Heap bytes obtained with brk/sbrk plus bytes in mmapped chunks.
    pub system: u64,
    /// Bytes free inside the heap, held by glibc.
    pub free: u64,
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_stats() -> Option<GlibcStats> {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct.
    let m = unsafe { libc::mallinfo2() };
    Some(GlibcStats {
        system: (m.arena + m.hblkhd) as u64,
        free: m.fordblks as u64,
    })
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_stats() -> Option<GlibcStats> {
    None
}

/// `start_live`: what the process held before the first block (command-line
/// parsing, the containers), subtracted so `live` is the blocks alone.
fn point(cycle: u32, allocator: Allocator, start_live: i64) -> Point {
    let live = ex1::COUNTERS.totals().live_bytes - start_live;
    Point {
        cycle,
        live,
        rss: kit::rss::read().map(|r| r.current),
        anon: kit::rss::anon(),
        jemalloc: jemalloc::stats(),
        glibc: if allocator == Allocator::System {
            glibc_stats()
        } else {
            None
        },
    }
}

/// One allocator's fragmentation run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// The allocator this child was built with.
    pub allocator: Allocator,
    /// Proof of that allocator, watched in this process.
    pub evidence: Evidence,
    /// Rounds of the pattern.
    pub cycles: u32,
    /// Seed of the sizes and lifetimes: the same blocks under both allocators.
    pub seed: u64,
    /// Before the first cycle.
    pub baseline: Point,
    /// Sampled during the cycles.
    pub series: Vec<Point>,
    /// After freeing everything but the survivors.
    pub drained: Point,
    /// What gives memory back, and the state after it.
    pub release_method: String,
    /// After the release method ran.
    pub released: Point,
    /// Every allocation the cycles made (identical under both allocators).
    pub counts: ex1::Stats,
    /// The highest `RssAnon` read after every cycle (the kernel keeps no
    /// high-water mark of anonymous memory alone), and its cycle.
    #[serde(default)]
    pub peak_anon: Option<(u32, u64)>,
}

// ANCHOR: run
/// Runs the pattern for `cycles` cycles, sampling about `samples` times.
pub fn run(allocator: Allocator, cycles: u32, seed: u64, samples: u32) -> Run {
    let evidence = crate::allocator::detect();
    let mut rng = crate::workload::rng(seed, 0);
    // Containers are sized up front so their own growth is not in the picture.
    let mut this_cycle: Vec<Vec<u8>> = Vec::with_capacity(OBJECTS_PER_CYCLE);
    let mut expiring: Vec<Vec<Vec<u8>>> = (0..=MAX_SPAN)
        .map(|_| Vec::with_capacity(OBJECTS_PER_CYCLE))
        .collect();
    let mut survivors: Vec<Vec<u8>> = Vec::with_capacity(SURVIVORS);
    let every = (cycles / samples.max(1)).max(1);
    let mut series = Vec::with_capacity((cycles / every) as usize + 1);
    // "Live" from here on is the blocks the pattern holds, nothing else.
    let start_live = ex1::COUNTERS.totals().live_bytes;
    let baseline = point(0, allocator, start_live);

    let mut counts = ex1::Stats::default();
    let mut peak_anon: Option<(u32, u64)> = None;
    for cycle in 0..cycles as usize {
        // Only the cycle's own allocations are counted: sampling reads
        // /proc (a String whose length varies) and is kept out.
        let ((), c) = ex1::measure(|| {
            // ANCHOR: task_frag_cycle
            for _ in 0..OBJECTS_PER_CYCLE {
                // A non-zero fill makes the allocator hand over real pages:
                // the block is written, so it is resident.
                let block = vec![(cycle as u8) | 1; size(&mut rng)];
                match lifetime(&mut rng) {
                    Lifetime::Cycle => this_cycle.push(block),
                    Lifetime::Span(n) => expiring[(cycle + n) % (MAX_SPAN + 1)].push(block),
                    Lifetime::Survivor if survivors.len() < SURVIVORS => survivors.push(block),
                    Lifetime::Survivor => {
                        let i = rng.random_range(0..SURVIVORS);
                        survivors[i] = block;
                    }
                }
            }
            this_cycle.clear();
            expiring[cycle % (MAX_SPAN + 1)].clear();
            // ANCHOR_END: task_frag_cycle
        });
        counts = counts.merged(&c);
        // Every cycle: reading RssAnon allocates nothing.
        if let Some(anon) = kit::rss::anon()
            && peak_anon.is_none_or(|(_, max)| anon > max)
        {
            peak_anon = Some((cycle as u32 + 1, anon));
        }
        if (cycle as u32 + 1).is_multiple_of(every) {
            series.push(point(cycle as u32 + 1, allocator, start_live));
        }
    }

    // Drain: the server goes quiet; only the survivors stay.
    drop(this_cycle);
    drop(expiring);
    let drained = point(cycles, allocator, start_live);

    let release_method = release(allocator);
    let released = point(cycles, allocator, start_live);
    std::hint::black_box(&survivors);
    Run {
        allocator,
        evidence,
        cycles,
        seed,
        baseline,
        series,
        drained,
        release_method,
        released,
        counts,
        peak_anon,
    }
}
// ANCHOR_END: run

// ANCHOR: release
/// Asks the process's allocator to return free memory to the OS; says how.
fn release(allocator: Allocator) -> String {
    match allocator {
        Allocator::Jemalloc if jemalloc::purge_all() => "arena.4096.purge (all arenas)".into(),
        Allocator::Jemalloc => "arena.4096.purge (failed)".into(),
        Allocator::System => malloc_trim(),
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_trim() -> String {
    // SAFETY: malloc_trim only walks glibc's own free lists; 0 = keep no
    // padding at the top of the heap.
    let released_something = unsafe { libc::malloc_trim(0) } == 1;
    format!(
        "malloc_trim(0) ({})",
        if released_something {
            "released memory"
        } else {
            "nothing to release"
        }
    )
}
// ANCHOR_END: release

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn malloc_trim() -> String {
    "none (malloc_trim is glibc-only)".into()
}

/// Both allocators' runs, labelled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the runs were made.
    pub machine: kit::machine::Machine,
    /// `_RJEM_MALLOC_CONF` as the children saw it, if set.
    pub malloc_conf: Option<String>,
    /// One run per allocator.
    pub runs: Vec<Run>,
    /// The tracker counted identical allocations under both allocators.
    pub counts_agree: bool,
}

fn ratio(rss: Option<u64>, live: i64) -> String {
    match rss {
        Some(r) if live > 0 => format!("{:.2}x", r as f64 / live as f64),
        _ => "n/a".into(),
    }
}

fn opt_bytes(b: Option<u64>) -> String {
    b.map(|b| kit::format::bytes(b as f64))
        .unwrap_or_else(|| "n/a".into())
}

/// The side-by-side summary: at the busiest point, after draining, after
/// releasing.
pub fn table(r: &Report) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "Fragmentation stress: {} cycles x {} blocks, survivor set of {}",
            r.runs.first().map(|x| x.cycles).unwrap_or(0),
            OBJECTS_PER_CYCLE,
            SURVIVORS
        ),
        &[
            "allocator",
            "moment",
            "live (program)",
            "RSS (file pages included)",
            "RssAnon (anonymous)",
            "RssAnon / live",
        ],
    );
    for run in &r.runs {
        // The sample where RSS was highest.
        let busiest = run
            .series
            .iter()
            .max_by_key(|p| p.rss.unwrap_or(0))
            .copied()
            .unwrap_or(run.drained);
        let row = |t: &mut kit::Table, moment: String, p: &Point| {
            t.row([
                run.allocator.to_string(),
                moment,
                kit::format::bytes(p.live as f64),
                opt_bytes(p.rss),
                opt_bytes(p.anon),
                ratio(p.anon, p.live),
            ]);
        };
        row(
            &mut t,
            "before the cycles (baseline)".to_string(),
            &run.baseline,
        );
        row(
            &mut t,
            format!("highest sampled RSS (cycle {})", busiest.cycle),
            &busiest,
        );
        if let Some((cycle, anon)) = run.peak_anon {
            // Read after every cycle: only the anonymous peak is kept.
            t.row([
                run.allocator.to_string(),
                format!("highest RssAnon, read after every cycle (cycle {cycle})"),
                "-".to_string(),
                "-".to_string(),
                kit::format::bytes(anon as f64),
                "-".to_string(),
            ]);
        }
        row(&mut t, "drained: survivors only".to_string(), &run.drained);
        row(
            &mut t,
            format!("after {}", run.release_method),
            &run.released,
        );
    }
    t
}

/// jemalloc's own statistics at the same moments.
pub fn jemalloc_table(r: &Report) -> Option<kit::Table> {
    let run = r.runs.iter().find(|x| x.allocator == Allocator::Jemalloc)?;
    let mut t = kit::Table::new(
        "jemalloc's statistics at the same moments",
        &[
            "moment",
            "allocated",
            "active",
            "resident",
            "mapped",
            "retained",
        ],
    );
    let busiest = run
        .series
        .iter()
        .max_by_key(|p| p.rss.unwrap_or(0))
        .copied()
        .unwrap_or(run.drained);
    for (moment, p) in [
        ("highest RSS", busiest),
        ("drained", run.drained),
        ("after purge", run.released),
    ] {
        if let Some(s) = p.jemalloc {
            t.row([
                moment.to_string(),
                kit::format::bytes(s.allocated as f64),
                kit::format::bytes(s.active as f64),
                kit::format::bytes(s.resident as f64),
                kit::format::bytes(s.mapped as f64),
                kit::format::bytes(s.retained as f64),
            ]);
        }
    }
    Some(t)
}

/// What releasing gave back, per allocator, in one line each.
pub fn release_lines(r: &Report) -> Vec<String> {
    r.runs
        .iter()
        .filter_map(|run| {
            let (a, b) = (run.drained.rss?, run.released.rss?);
            Some(format!(
                "{}: {} gave back {} of RSS ({} -> {}).",
                run.allocator,
                run.release_method,
                kit::format::bytes(a as f64 - b as f64),
                kit::format::bytes(a as f64),
                kit::format::bytes(b as f64)
            ))
        })
        .collect()
}

/// The line under the tables: machine, runs, seed.
pub fn label(r: &Report) -> String {
    format!(
        "{}; one run per allocator, seed {}. Live bytes are deterministic, RSS is not.",
        r.machine.measured_on(),
        r.runs.first().map(|r| r.seed).unwrap_or_default()
    )
}
