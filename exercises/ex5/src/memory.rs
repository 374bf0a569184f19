//! The tables the chapter shows, and the runs behind its RSS figures.
//!
//! Allocation counts and live heap bytes come from the tracker and are the
//! same on every run; they are printed by `phases` and `batch`, in one
//! process. Resident memory is different: a process that has already run a
//! pipeline keeps whatever its allocator kept, so every RSS figure comes from
//! a *fresh process* per run (`memory` starts this same binary once per
//! configuration and reads its `run --json` output), and from a labelled
//! reference run, since RSS varies by machine.

use std::path::Path;

use kit::Table;
use kit::machine::Machine;
use serde::{Deserialize, Serialize};

use crate::meter::{Pipeline, RunStats};
use crate::phase_arena::Phase;

use kit::format::{mib, mib_or_na as mib_opt};

fn batch_name(batch: Option<u64>) -> String {
    batch.map_or("none".to_string(), |b| b.to_string())
}

/// Per phase, what each pipeline allocated (deterministic).
pub fn phases_table(runs: &[&RunStats]) -> Table {
    let mut t = Table::new(
        "Per phase: global allocations and live heap",
        &[
            "pipeline",
            "phase",
            "allocs",
            "reallocs",
            "deallocs",
            "bytes requested (MiB)",
            "peak live heap (MiB)",
            "live heap at end (MiB)",
        ],
    );
    for r in runs {
        for p in &r.phases {
            t.row([
                r.pipeline.name().to_string(),
                p.phase.name().to_string(),
                p.allocs.to_string(),
                p.reallocs.to_string(),
                p.deallocs.to_string(),
                mib(p.bytes_requested as f64),
                mib(p.peak_live_bytes as f64),
                mib(p.live_bytes_after as f64),
            ]);
        }
    }
    t
}

/// What each phase arena reported about itself (deterministic).
pub fn arenas_table(run: &RunStats) -> Table {
    let mut t = Table::new(
        "The phase arenas, as they report themselves",
        &[
            "arena",
            "chunks",
            "capacity (KiB)",
            "used (KiB)",
            "peak capacity (KiB)",
            "resets",
            "global allocs while it lived",
        ],
    );
    for a in &run.arenas {
        t.row([
            a.phase.name().to_string(),
            a.chunks.to_string(),
            (a.capacity_bytes / 1024).to_string(),
            (a.used_bytes / 1024).to_string(),
            (a.peak_capacity_bytes / 1024).to_string(),
            a.resets.to_string(),
            a.global_allocs.to_string(),
        ]);
    }
    t
}

fn dropped_what(pipeline: Pipeline, phase: Phase) -> &'static str {
    match (pipeline, phase) {
        (Pipeline::Arena, Phase::Parse) => "parse arena",
        (Pipeline::Arena, _) => "transform arena",
        (Pipeline::Std, Phase::Parse) => "`Vec<OwnedRequest>`",
        (Pipeline::Std, _) => "`Summary` (maps, keys)",
    }
}

/// Live heap on either side of each drop (deterministic).
pub fn drops_table(runs: &[&RunStats]) -> Table {
    let mut t = Table::new(
        "Dropping a phase's memory: live heap before and after",
        &[
            "pipeline",
            "dropped",
            "memory of phase",
            "live heap before (MiB)",
            "live heap after (MiB)",
        ],
    );
    for r in runs {
        for d in &r.drops {
            t.row([
                r.pipeline.name().to_string(),
                dropped_what(r.pipeline, d.phase).to_string(),
                d.phase.name().to_string(),
                mib(d.live_bytes_before as f64),
                mib(d.live_bytes_after as f64),
            ]);
        }
    }
    t
}

/// Batch mode against one batch, at two sizes (deterministic).
pub fn batch_table(runs: &[RunStats]) -> Table {
    let mut t = Table::new(
        "Batches: the parse memory is reused, so the peak does not grow with the input",
        &[
            "pipeline",
            "records",
            "batch",
            "batches",
            "parse allocs",
            "all allocs",
            "peak live heap (MiB)",
            "parse arena peak (KiB)",
        ],
    );
    for r in runs {
        let parse = r.phase(Phase::Parse);
        let parse_arena = r.arenas.iter().find(|a| a.phase == Phase::Parse);
        t.row([
            r.pipeline.name().to_string(),
            r.records.to_string(),
            batch_name(r.batch),
            r.batches.to_string(),
            parse.map_or(0, |p| p.allocs + p.reallocs).to_string(),
            r.allocs().to_string(),
            mib(r.peak_live_bytes() as f64),
            parse_arena.map_or("-".to_string(), |a| {
                (a.peak_capacity_bytes / 1024).to_string()
            }),
        ]);
    }
    t
}

/// A labelled set of fresh-process runs: what `cargo xtask reference` keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemoryReport {
    /// Where the runs were made.
    pub machine: Machine,
    /// True when the timeline and drop figures are anonymous resident
    /// memory (`RssAnon`); data recorded before have `VmRSS`.
    #[serde(default)]
    pub rss_is_anon: bool,
    /// Seed of the generated input.
    pub seed: u64,
    /// Lines in the generated input.
    pub records: u64,
    /// Lines per batch of the batched runs.
    pub batch: u64,
    /// One run per pipeline and batching, each in a fresh process.
    pub runs: Vec<RunStats>,
}

/// The configurations `memory` runs: each pipeline on `records` records in
/// one batch, in batches, and on ten times the records in batches.
pub fn configurations(records: u64, batch: u64) -> Vec<(Pipeline, u64, Option<u64>)> {
    let mut v = Vec::new();
    for (n, b) in [
        (records, None),
        (records, Some(batch)),
        (records * 10, Some(batch)),
    ] {
        for p in [Pipeline::Arena, Pipeline::Std] {
            v.push((p, n, b));
        }
    }
    v
}

// ANCHOR: fresh_process
/// Runs one configuration in a fresh process (`exe run ... --json`), so its
/// RSS starts from nothing that an earlier run left in the allocator.
pub fn run_in_child(
    exe: &Path,
    pipeline: Pipeline,
    seed: u64,
    records: u64,
    batch: Option<u64>,
) -> Result<RunStats, String> {
    let mut args = vec!["run", "--json", "--quiet", "--pipeline", pipeline.name()]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    args.extend([
        "--seed".into(),
        seed.to_string(),
        "--records".into(),
        records.to_string(),
    ]);
    if let Some(b) = batch {
        args.extend(["--batch".into(), b.to_string()]);
    }
    kit::child::run_json(exe, &args, &[])
}
// ANCHOR_END: fresh_process

/// RSS per run, and what each drop gave back to the operating system.
pub fn memory_tables(r: &MemoryReport) -> Vec<Table> {
    // What the RSS figures are: anonymous memory, or (older data) VmRSS.
    let rss = if r.rss_is_anon { "RssAnon" } else { "RSS" };
    let h = |s: &str| s.replace("RSS", rss);
    let mut runs = Table::new(
        "Memory per run (each run in a fresh process)",
        &[
            "pipeline",
            "records",
            "batch",
            "global allocs",
            "peak live heap (MiB)",
            "peak RSS, file pages included (MiB)",
            &h("RSS at end (MiB)"),
        ],
    );
    let mut drops = Table::new(
        h("Dropping a phase's memory: live heap and RSS before and after"),
        &[
            "pipeline",
            "records",
            "batch",
            "dropped",
            "live heap freed (MiB)",
            &h("RSS before (MiB)"),
            &h("RSS after (MiB)"),
            &h("RSS returned (MiB)"),
        ],
    );
    for run in &r.runs {
        let end_rss = run.timeline.last().and_then(|s| s.rss);
        runs.row([
            run.pipeline.name().to_string(),
            run.records.to_string(),
            batch_name(run.batch),
            run.allocs().to_string(),
            mib(run.peak_live_bytes() as f64),
            mib_opt(run.peak_rss),
            mib_opt(end_rss),
        ]);
        for d in &run.drops {
            let returned = match (d.rss_before, d.rss_after) {
                (Some(b), Some(a)) => mib(b as f64 - a as f64),
                _ => "n/a".to_string(),
            };
            drops.row([
                run.pipeline.name().to_string(),
                run.records.to_string(),
                batch_name(run.batch),
                dropped_what(run.pipeline, d.phase).to_string(),
                mib((d.live_bytes_before - d.live_bytes_after) as f64),
                mib_opt(d.rss_before),
                mib_opt(d.rss_after),
                returned,
            ]);
        }
    }
    vec![runs, drops]
}

/// One line naming where and how the reference data was measured.
pub fn label(r: &MemoryReport) -> String {
    format!(
        "{}; seed {}, one fresh process per row. {}",
        r.machine.measured_on(),
        r.seed,
        if r.rss_is_anon {
            "RssAnon is anonymous resident memory (the heap's share); the peak RSS is \
             VmHWM, which includes the binary's and libc's file-backed pages."
        } else {
            "RSS is VmRSS, which includes the binary's and libc's file-backed pages \
             (a run from before RssAnon was read, to be redone)."
        }
    )
}
