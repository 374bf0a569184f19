//! The job every profiler in the shoot-out runs: exercise 5's std pipeline
//! (parse, transform, output with `String`, `Vec` and `HashMap`) over
//! generated access-log lines, unchanged.
//!
//! Its allocations all happen under [`std_pipeline`], a frame of this file
//! that no inlining removes: the profiles are filtered to the stacks that
//! pass through it, which leaves out what the runtime, the command line and
//! the profilers' own start-up allocate.

use ex5::{access_log::Options, meter::Pipeline};
use serde::{Deserialize, Serialize};

/// The frame the profiles are filtered on, as each tool names it: by path
/// (valgrind), by name and file (dhat-rs, heaptrack).
pub const FRAMES: [&str; 3] = [
    "ex8::job::std_pipeline (",
    "std_pipeline (ex8/src/job.rs:",
    "std_pipeline (job.rs)",
];

/// Whether a frame, as a tool printed it, is the job's.
pub fn is_job_frame(frame: &str) -> bool {
    FRAMES.iter().any(|f| frame.contains(f))
}

/// Seed of the generated input (the same as exercise 5's default).
pub const SEED: u64 = 1;

// ANCHOR: job
/// Runs exercise 5's std pipeline over `records` generated lines, the
/// report going nowhere, and returns its fingerprint (report bytes, hash).
#[inline(never)]
pub fn std_pipeline(records: u64) -> Result<(u64, u64), ex5::access_log::Error> {
    let stats = ex5::run_generated(
        Pipeline::Std,
        SEED,
        records,
        &Options::default(),
        std::io::sink(),
        None,
    )?;
    Ok((stats.report_bytes, stats.report_fnv))
}
// ANCHOR_END: job

/// What the tracked run of the job counted: the numbers every profiler's
/// totals are checked against.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counted {
    /// Records the job handled.
    pub records: u64,
    /// Bytes of the report it wrote.
    pub report_bytes: u64,
    /// FNV-1a hash of that report: the same job, the same hash.
    pub report_fnv: u64,
    /// What the job allocated on its thread (exact).
    pub stats: ex1::Stats,
    /// Live bytes of the whole process (Rust's allocations) when the job
    /// started: what a whole-process peak has on top of the job's own.
    pub live_before: i64,
    /// The same totals as dhat counts them (each realloc a new block).
    pub dhat_blocks: u64,
    /// Bytes of those blocks.
    pub dhat_bytes: u64,
}

/// Runs the job under the tracker (the global allocator of the `ex8`
/// binary) and returns its counts.
pub fn counted(records: u64) -> Result<Counted, ex5::access_log::Error> {
    let live_before = ex1::COUNTERS.totals().live_bytes;
    let (out, stats) = ex1::measure(|| std_pipeline(records));
    let (report_bytes, report_fnv) = out?;
    Ok(Counted {
        records,
        report_bytes,
        report_fnv,
        stats,
        live_before,
        dhat_blocks: stats.dhat_blocks(),
        dhat_bytes: stats.bytes_allocated,
    })
}
