//! What one shoot-out run records: the tracker's counts, each tool's cost
//! and agreement, jemalloc's samples, the flame graph's stacks and the
//! timings. The reference run is kept in `book/src/data/` in this shape, so
//! a field added later is `#[serde(default)]` and older runs still load.

use kit::machine::Machine;
use kit::timing::Summary;
use serde::{Deserialize, Serialize};

use super::Tool;
use crate::job::Counted;

/// One tool's run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolRun {
    /// Which tool.
    pub tool: Tool,
    /// Wall time of the whole command (the tool's own start and end
    /// included), seconds.
    pub wall_s: f64,
    /// Peak RSS of the largest process of the command, KiB.
    pub max_rss_kib: u64,
    /// The baseline it is compared with (the same binary without the tool).
    pub base_wall_s: f64,
    /// Its peak RSS, KiB.
    pub base_rss_kib: u64,
    /// What was compared with the tracker, and how it came out.
    pub agreement: String,
    /// The tool's totals matched the tracker's.
    pub agrees: bool,
}

impl ToolRun {
    /// Wall time under the tool over the baseline's.
    pub fn slowdown(&self) -> f64 {
        self.wall_s / self.base_wall_s
    }

    /// Peak RSS under the tool over the baseline's.
    pub fn memory(&self) -> f64 {
        self.max_rss_kib as f64 / self.base_rss_kib as f64
    }
}

/// One jemalloc dump checked against the tracker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JemallocSample {
    /// `lg_prof_sample`: one sample per 2^lg bytes allocated, on average.
    pub lg_sample: u32,
    /// Stacks and sampled objects in the dump.
    pub samples: u64,
    /// Live bytes the dump estimates (un-sampled as jeprof does).
    pub estimated: u64,
    /// Live bytes the tracker counted in the same process at the dump.
    pub tracker: u64,
    /// What jemalloc's size classes add to the blocks held: the estimate
    /// is compared with `tracker + rounding`.
    pub rounding: u64,
    /// The bound the estimate must be within (bytes).
    pub bound: u64,
    /// Run with `disable_large_size_classes:false`: large blocks rounded to
    /// size classes (as before 5.3.1) instead of whole pages, so that the
    /// block held and the class the profiler counts are the same size. An
    /// experiment beside the default, not part of the check.
    #[serde(default)]
    pub large_classes: bool,
}

/// The shoot-out's result: one labelled run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the run was made.
    pub machine: Machine,
    /// Records the job handled.
    pub records: u64,
    /// The tracker's counts every tool is checked against.
    pub counted: Counted,
    /// One run per tool, in [`Tool::ALL`]'s order.
    pub tools: Vec<ToolRun>,
    /// jemalloc's heap-profile samples.
    pub jemalloc: Vec<JemallocSample>,
    /// The std pipeline's allocation stacks (dhat-rs's program points, in
    /// blocks), folded, from the job's frame down: the flame graph's input.
    pub folded: Vec<String>,
    /// The hottest allocation site heaptrack names in the naive tally.
    #[serde(default)]
    pub naive_top: String,
    /// What each tool costs per record, from runs at two lengths; absent in
    /// runs recorded before it was measured (their slowdown is one whole
    /// command's wall time).
    #[serde(default)]
    pub timing: Option<Timing>,
}

impl Report {
    /// Every tool's totals matched the tracker's.
    pub fn all_agree(&self) -> bool {
        self.tools.iter().all(|t| t.agrees)
    }
}

/// Each tool timed at two job lengths, several runs each: the cost a tool
/// adds per record is the difference between the lengths, in which what it
/// pays once per run (its start-up, writing its profile) cancels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timing {
    /// Records of the shorter job.
    pub short_records: u64,
    /// Records of the longer job.
    pub long_records: u64,
    /// Runs of every tool and baseline at each length.
    pub runs: usize,
    /// One entry per tool, in [`Tool::ALL`]'s order.
    pub tools: Vec<ToolTiming>,
}

/// One tool's timings against its baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolTiming {
    /// Which tool.
    pub tool: Tool,
    /// What it is compared with.
    pub baseline: String,
    /// Per run: (tool at the long length − tool at the short) over (the
    /// same for the baseline): the slowdown of the work per record.
    pub per_record: Summary,
    /// Per run: the tool's whole short command over the baseline's, start-up
    /// and profile writing included: what one run of a small job costs.
    pub whole: Summary,
}
