//! The profiler shoot-out: one job (exercise 5's std pipeline, see
//! [`crate::job`]), the same input for every tool, and for each tool what
//! it reports, what that run cost, and whether its totals agree with the
//! tracker's exact count of the same work.
//!
//! | tool | runs | agreement checked |
//! |---|---|---|
//! | dhat-rs | `ex8` built with `dhat-heap` | blocks and bytes under the job's frame = the tracker's |
//! | valgrind's DHAT | `ex8-untracked` under `valgrind --tool=dhat` | the same |
//! | heaptrack | `ex8-untracked` under `heaptrack` | allocation calls under the job's frame = the tracker's |
//! | massif | `ex8-untracked` under `valgrind --tool=massif` | peak heap = the tracker's peak, within massif's peak inaccuracy |
//! | jemalloc's profiler | `ex8-jeprof` (own build, `_RJEM_MALLOC_CONF=prof:true,...`) | sampled live bytes at a dump = the tracker's, within the sampling error, at two rates |
//!
//! The tools run on the untracked binary (the system allocator alone), so
//! each tool's slowdown and memory overhead is its own, against the same
//! binary run without it. The exact counts come from `ex8 job --json`, the
//! tracked binary, in a process of its own.
//!
//! This file runs the shoot-out: every tool once, checked ([`collect`]), and
//! every tool timed ([`time_tools`]). The rest is in `shootout/`: building
//! the binaries and running one command (`process.rs`), one reader per
//! tool's output (`dhat.rs` for both dhat tools, `heaptrack.rs`,
//! `massif.rs`, `jemalloc.rs`), what a run records (`report.rs`) and what
//! it shows (`table.rs`). Folded stacks are cut and shortened in
//! [`crate::flame`].

mod dhat;
mod heaptrack;
mod jemalloc;
mod massif;
mod process;
mod report;
mod table;

use kit::machine::Machine;
use kit::timing::Summary;
use serde::{Deserialize, Serialize};

use crate::flame::{fold_under, folded_total};
use crate::job::{Counted, is_job_frame};
pub use dhat::fold_dhat;
use dhat::{dhat_under, exact_agreement};
use heaptrack::{folded_calls, heaptrack_file, naive_top_site};
use jemalloc::jemalloc_agreement;
pub use jemalloc::{
    Dumped, JEMALLOC_DEFAULT_RATE, JEMALLOC_RATES, jemalloc_bound, jemalloc_estimate,
};
use massif::{massif_agreement, peak_heap};
pub use process::Setup;
use process::{Ran, baseline_command, baseline_name, run, tool_command};
pub use report::{JemallocSample, Report, Timing, ToolRun, ToolTiming};
pub use table::{FLAME_FRAMES, agreement_table, label, problems, questions, table};

/// The tools, in the order the chapter presents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// dhat-rs: the global allocator records every block.
    DhatRs,
    /// valgrind's DHAT: the program runs on valgrind's synthetic CPU.
    ValgrindDhat,
    /// heaptrack: malloc and free intercepted by a preloaded library.
    Heaptrack,
    /// valgrind's massif: heap snapshots over time.
    Massif,
    /// jemalloc's own sampling heap profiler.
    Jemalloc,
}

impl Tool {
    /// Every tool, in the chapter's order.
    pub const ALL: [Tool; 5] = [
        Tool::DhatRs,
        Tool::ValgrindDhat,
        Tool::Heaptrack,
        Tool::Massif,
        Tool::Jemalloc,
    ];

    /// The name tables show.
    pub fn name(self) -> &'static str {
        match self {
            Tool::DhatRs => "dhat-rs",
            Tool::ValgrindDhat => "valgrind DHAT",
            Tool::Heaptrack => "heaptrack",
            Tool::Massif => "massif",
            Tool::Jemalloc => "jemalloc prof",
        }
    }

    /// The question it answers best.
    pub fn question(self) -> &'static str {
        match self {
            Tool::DhatRs => "which call stacks allocate most, in a test or CI (no valgrind)",
            Tool::ValgrindDhat => {
                "which blocks are short-lived or barely read and written (access counts)"
            }
            Tool::Heaptrack => {
                "where the temporary allocations are; an allocation flame graph; any allocator"
            }
            Tool::Massif => "what is live at the peak, and how the heap grew over time",
            Tool::Jemalloc => {
                "what is live now in a long-running process under jemalloc, cheaply (sampled)"
            }
        }
    }

    /// Whether it sees allocations jemalloc serves.
    pub fn sees_jemalloc(self) -> &'static str {
        match self {
            Tool::DhatRs => "no (it is the global allocator: System underneath)",
            Tool::ValgrindDhat | Tool::Massif => {
                "no (valgrind replaces malloc; a Rust global allocator bypasses it)"
            }
            Tool::Heaptrack => {
                "no for tikv-jemallocator (prefixed symbols): it hooks malloc and friends"
            }
            Tool::Jemalloc => "only those",
        }
    }

    /// Its viewer.
    pub fn viewer(self) -> &'static str {
        match self {
            Tool::DhatRs | Tool::ValgrindDhat => "dh_view.html (a web page)",
            Tool::Heaptrack => "heaptrack_print (text, flame graph stacks); heaptrack_gui",
            Tool::Massif => "ms_print (text chart); massif-visualizer",
            Tool::Jemalloc => "jeprof (text, SVG); pprof via jemalloc_pprof",
        }
    }
}

/// Timed runs of each tool at each length, by default.
pub const TIMING_RUNS: usize = 5;
/// The longer job has this many times the records of the shorter.
pub const LONGER: u64 = 4;

// ANCHOR: time_tools
/// Times every tool and its baseline at `records` and [`LONGER`] times as
/// many, `runs` times, the tools in an order rotated run by run; each run's
/// four commands of a tool go back to back.
pub fn time_tools(s: &Setup, records: u64, runs: usize, tick: &dyn Fn()) -> Result<Timing, String> {
    let long = records * LONGER;
    let n = Tool::ALL.len();
    // per[tool]: (per-record ratios, whole-command ratios), in run order.
    let mut per: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); n];
    let log = s.out.join("timing.stderr");
    let dir = s.out.join("timing");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for run in 0..runs {
        for k in 0..n {
            let i = (k + run) % n;
            let tool = Tool::ALL[i];
            // The profiles written while timing are not read: only their
            // cost is.
            let wall = |records: u64| -> Result<(f64, f64), String> {
                let out = dir.join(format!("{}-{records}-{run}", tool.name()));
                let mut t = tool_command(s, tool, records, &out);
                let mut b = baseline_command(s, tool, records);
                Ok((
                    self::run(&mut t, &log)?.wall_s,
                    self::run(&mut b, &log)?.wall_s,
                ))
            };
            let (tool_short, base_short) = wall(records)?;
            let (tool_long, base_long) = wall(long)?;
            per[i]
                .0
                .push((tool_long - tool_short) / (base_long - base_short));
            per[i].1.push(tool_short / base_short);
            tick();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Timing {
        short_records: records,
        long_records: long,
        runs,
        tools: Tool::ALL
            .into_iter()
            .zip(per)
            .map(|(tool, (p, w))| ToolTiming {
                tool,
                baseline: baseline_name(tool).to_string(),
                per_record: Summary::of_or_nan(&p),
                whole: Summary::of_or_nan(&w),
            })
            .collect(),
    })
}
// ANCHOR_END: time_tools

// ANCHOR: collect
/// Runs every tool once on `records` records.
pub fn collect(s: &Setup, records: u64) -> Result<Report, String> {
    let recs = format!("--records={records}");
    let log = |name: &str| s.out.join(format!("{name}.stderr"));

    // The exact count: the tracked binary, in a process of its own.
    let tracked = run(
        kit::child::command(&s.tracked).args(["job", &recs, "--json"]),
        &log("tracked"),
    )?;
    let c: Counted = serde_json::from_str(&tracked.stdout).map_err(|e| e.to_string())?;
    if c.dhat_blocks == 0 {
        return Err("the tracked job counted nothing: is ex8 built with dhat-heap?".into());
    }

    // The baseline: the untracked binary alone.
    let base = run(
        &mut baseline_command(s, Tool::DhatRs, records),
        &log("baseline"),
    )?;
    let tool_run = |tool, ran: &Ran, base: &Ran, (agreement, agrees): (String, bool)| ToolRun {
        tool,
        wall_s: ran.wall_s,
        max_rss_kib: ran.max_rss_kib,
        base_wall_s: base.wall_s,
        base_rss_kib: base.max_rss_kib,
        agreement,
        agrees,
    };
    let mut tools = Vec::new();

    // dhat-rs: its own build of the tracked binary.
    let dir = s.out.join("dhat-rs");
    let ran = run(
        &mut tool_command(s, Tool::DhatRs, records, &dir),
        &log("dhat-rs"),
    )?;
    let seen = dhat_under(&dir.join("dhat-heap-ex8.json"))?;
    let folded = fold_dhat(&dir.join("dhat-heap-ex8.json"))?;
    tools.push(tool_run(
        Tool::DhatRs,
        &ran,
        &base,
        exact_agreement("dhat-rs", seen, &c),
    ));

    // valgrind's DHAT on the untracked binary.
    let file = s.out.join("dhat.out");
    let mut cmd = tool_command(s, Tool::ValgrindDhat, records, &file);
    let ran = run(&mut cmd, &log("valgrind-dhat"))?;
    let seen = dhat_under(&file)?;
    tools.push(tool_run(
        Tool::ValgrindDhat,
        &ran,
        &base,
        exact_agreement("DHAT", seen, &c),
    ));

    // heaptrack: its allocation calls under the job's frame.
    let dir = s.out.join("heaptrack");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut cmd = tool_command(s, Tool::Heaptrack, records, &dir.join("heaptrack.job"));
    let ran = run(&mut cmd, &log("heaptrack"))?;
    let stacks = folded_calls(
        &heaptrack_file(&dir)?,
        &s.out.join("heaptrack.folded"),
        &log("heaptrack_print"),
    )?;
    let calls = folded_total(&fold_under(&stacks, is_job_frame));
    tools.push(tool_run(
        Tool::Heaptrack,
        &ran,
        &base,
        (
            format!(
                "heaptrack: {calls} allocation calls under the job's frame; tracker {}",
                c.dhat_blocks
            ),
            calls == c.dhat_blocks,
        ),
    ));

    // massif: the peak of the whole heap.
    let file = s.out.join("massif.out");
    let mut cmd = tool_command(s, Tool::Massif, records, &file);
    let ran = run(&mut cmd, &log("massif"))?;
    let peak = peak_heap(&std::fs::read_to_string(&file).map_err(|e| e.to_string())?);
    tools.push(tool_run(
        Tool::Massif,
        &ran,
        &base,
        massif_agreement(peak, &c),
    ));

    // jemalloc: timed at its default rate against the same binary without
    // profiling; then a dump at two rates, each against the tracker.
    let je_base = run(
        &mut baseline_command(s, Tool::Jemalloc, records),
        &log("jemalloc-base"),
    )?;
    let ran = run(
        &mut tool_command(s, Tool::Jemalloc, records, &s.out),
        &log("jemalloc"),
    )?;
    let mut jemalloc = Vec::new();
    // The default at each rate, then the finest rate with large size classes
    // back: 5.3.1 rounds a large block to pages, but its profiler scales a
    // sample by the block's size class (prof.c, prof_data.c), so a large
    // buffer may be counted above what it holds.
    let dumps = JEMALLOC_RATES
        .map(|lg| (lg, false))
        .into_iter()
        .chain([(JEMALLOC_RATES[0], true)]);
    for (lg, large_classes) in dumps {
        let name = format!("{lg}{}", if large_classes { "-large-classes" } else { "" });
        let dump = s.out.join(format!("jemalloc-{name}.heap"));
        let conf = format!(
            "prof:true,lg_prof_sample:{lg}{}",
            if large_classes {
                ",disable_large_size_classes:false"
            } else {
                ""
            }
        );
        let out = run(
            kit::child::command(&s.jeprof)
                .args(["dump", &recs])
                .arg(&dump)
                .env("_RJEM_MALLOC_CONF", conf),
            &log(&format!("jemalloc-dump-{name}")),
        )?;
        let d: Dumped = serde_json::from_str(&out.stdout).map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(&d.dump).map_err(|e| e.to_string())?;
        let (samples, est) = jemalloc_estimate(&text)?;
        jemalloc.push(JemallocSample {
            lg_sample: lg,
            samples,
            estimated: est.round() as u64,
            tracker: d.live_tracker,
            rounding: d.rounding,
            bound: jemalloc_bound(d.live_tracker + d.rounding, lg),
            large_classes,
        });
    }
    tools.push(tool_run(
        Tool::Jemalloc,
        &ran,
        &je_base,
        jemalloc_agreement(&jemalloc),
    ));

    // The hot site of the naive tally, as heaptrack names it.
    let naive_top = naive_top_site(s, &recs)?;

    Ok(Report {
        machine: Machine::describe(),
        records,
        counted: c,
        tools,
        jemalloc,
        folded,
        naive_top,
        timing: None,
    })
}
// ANCHOR_END: collect
