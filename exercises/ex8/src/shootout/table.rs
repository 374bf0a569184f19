//! What a shoot-out run shows: the comparison table, what each tool is for,
//! the agreement details, the run's label, and the problems `--check`
//! reports.

use kit::output::Table;

use super::{Report, Tool};

/// The comparison table.
pub fn table(r: &Report) -> Table {
    let Some(timing) = &r.timing else {
        return one_run_table(r);
    };
    let mut t = Table::new(
        format!(
            "Five heap profilers on the std pipeline: the slowdown of the work per record \
             ({} against {} records; median and 95% interval of {} runs), one whole command \
             at {} records, and memory",
            timing.long_records, timing.short_records, timing.runs, timing.short_records
        ),
        &[
            "tool",
            "slowdown per record",
            "whole command",
            "memory (peak RSS, file pages included)",
            "agrees with the tracker",
        ],
    );
    for tr in &r.tools {
        let Some(tt) = timing.tools.iter().find(|x| x.tool == tr.tool) else {
            continue;
        };
        t.row([
            tr.tool.name().to_string(),
            format!(
                "{:.1}x ({}x)",
                tt.per_record.median,
                tt.per_record.interval(1)
            ),
            format!("{:.1}x", tt.whole.median),
            format!("{:.1}x", tr.memory()),
            if tr.agrees { "yes" } else { "NO" }.to_string(),
        ]);
    }
    t
}

/// The table of a run recorded before the timing at two lengths: one whole
/// command per tool.
fn one_run_table(r: &Report) -> Table {
    let mut t = Table::new(
        format!(
            "Five heap profilers on one run of the std pipeline ({} records; an older \
             method: one whole command each, start-up and profile writing included)",
            r.records
        ),
        &[
            "tool",
            "slowdown",
            "memory (peak RSS, file pages included)",
            "agrees with the tracker",
        ],
    );
    for tr in &r.tools {
        t.row([
            tr.tool.name().to_string(),
            format!("{:.1}x", tr.slowdown()),
            format!("{:.1}x", tr.memory()),
            if tr.agrees { "yes" } else { "NO" }.to_string(),
        ]);
    }
    t
}

/// What each tool is for (no measurement in it).
pub fn questions() -> Table {
    let mut t = Table::new(
        "Which profiler answers which question",
        &[
            "tool",
            "question it answers",
            "sees jemalloc's allocations",
            "viewer",
        ],
    );
    for tool in Tool::ALL {
        t.row([
            tool.name(),
            tool.question(),
            tool.sees_jemalloc(),
            tool.viewer(),
        ]);
    }
    t
}

/// The agreement details: exact numbers, deterministic.
pub fn agreement_table(r: &Report) -> Table {
    let mut t = Table::new(
        format!(
            "What each tool reported against the tracker ({} blocks, {} bytes, peak {} live bytes)",
            r.counted.dhat_blocks, r.counted.dhat_bytes, r.counted.stats.peak_live_bytes
        ),
        &["tool", "compared"],
    );
    for tr in &r.tools {
        t.row([tr.tool.name().to_string(), tr.agreement.clone()]);
    }
    t
}

/// The run's label.
pub fn label(r: &Report) -> String {
    format!(
        "{}Slowdown and memory against the same binary without the tool \
         (jemalloc: the same binary with profiling off). Memory is the peak RSS of the \
         largest process of the command (`ru_maxrss` from `wait4`): unlike the book's other \
         memory figures it counts file-backed pages, and under valgrind the tool's own memory \
         too. The heaviest stack of heaptrack's \
         allocation calls in the naive tally ends in `{}`. {}, {}{}.",
        match &r.timing {
            Some(t) => format!(
                "Each tool and its baseline ran {} times at each length, the tools in an order \
                 rotated run by run; memory and agreement come from one run at {} records. ",
                t.runs, r.records
            ),
            None => "One run of each tool. ".to_string(),
        },
        r.naive_top,
        r.machine.short(),
        r.machine.date,
        if r.machine.provisional {
            " (provisional: a short run on a busy machine)"
        } else {
            ""
        }
    )
}

/// Frames the allocation flame graph of the std pipeline must have.
pub const FLAME_FRAMES: [&str; 3] = [
    "std_pipeline (ex8/src/job.rs)",
    "parse<> (ex5/src/std_pipeline.rs)",
    "new (ex5/src/std_pipeline.rs)",
];

/// What is wrong with a shoot-out run: tools that disagree with the
/// tracker, a flame graph without the pipeline's frames, a hot site that
/// is not the naive route key.
pub fn problems(r: &Report) -> Vec<String> {
    let mut p: Vec<String> = r
        .tools
        .iter()
        .filter(|t| !t.agrees)
        .map(|t| format!("{} disagrees: {}", t.tool.name(), t.agreement))
        .collect();
    match crate::flame::svg(&r.folded, "check") {
        Ok(svg) => {
            let frames = crate::flame::frames(&svg);
            for want in FLAME_FRAMES {
                if !frames.iter().any(|f| f.contains(want)) {
                    p.push(format!("the flame graph has no frame {want}"));
                }
            }
        }
        Err(e) => p.push(e),
    }
    if r.naive_top != "add (fix.rs)" {
        p.push(format!(
            "heaptrack's hottest site in the naive tally is {:?}, not add (fix.rs)",
            r.naive_top
        ));
    }
    p
}
