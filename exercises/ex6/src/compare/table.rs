//! The comparison's tables: timings and memory, instructions per record,
//! the pairs that differ in one thing each, the counts, and the line that
//! says whether every child wrote the same report.

use kit::Summary;

use super::{InstructionRow, Report, allocs, paired};
use crate::Strategy;

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

/// `1.23x (1.20-1.26x)`.
pub(super) fn ratio(s: &Summary) -> String {
    format!("{:.2}x ({}x)", s.median, s.interval(2))
}

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
