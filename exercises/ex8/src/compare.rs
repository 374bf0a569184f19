//! Before and after: the find-and-fix's counts (from this, the tracked,
//! process) beside its timings (from `ex8-untracked`, one process per
//! version and run, as every timing in the book).

use std::time::Instant;

use kit::machine::Machine;
use kit::output::Table;
use kit::timing::Summary;
use serde::{Deserialize, Serialize};

use crate::fix::{self, Version};

/// Records the find-and-fix counts and times.
pub const RECORDS: u64 = 20_000;

/// What one version costs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// Which version.
    pub version: Version,
    /// Exact, from the tracked process.
    pub stats: ex1::Stats,
    /// Microseconds for one fresh tally of the batch and its rows, from
    /// the untracked process.
    pub time_us: Summary,
}

/// The find-and-fix's report: one labelled run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the run was made.
    pub machine: Machine,
    /// Records in the batch tallied.
    pub records: u64,
    /// Rows and request total both versions returned (they must agree).
    pub rows: usize,
    /// Requests counted in those rows.
    pub total: u64,
    /// One row per version, naive first.
    pub versions: Vec<Row>,
    /// The naive version's time over the fixed one's, paired process by
    /// process (each pair run back to back, which goes first alternating):
    /// median and 95% interval. Absent in runs recorded before it was kept.
    #[serde(default)]
    pub speedup: Option<Summary>,
}

/// A timed sample, printed by `ex8-untracked time-fix` as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timed {
    /// Which version was timed.
    pub version: Version,
    /// Microseconds of each timed tally, in run order.
    pub micros: Vec<f64>,
}

// ANCHOR: time
/// In the untracked process: `runs` timed calls of [`fix::count_once`] on
/// one batch, after one untimed call.
pub fn time(version: Version, records: u64, runs: u32) -> Timed {
    let text = fix::lines(crate::job::SEED, records);
    let requests = fix::requests(&text);
    std::hint::black_box(fix::count_once(version, &requests));
    let micros = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(fix::count_once(version, std::hint::black_box(&requests)));
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    Timed { version, micros }
}
// ANCHOR_END: time

/// In the tracked process: both versions counted, then timed in pairs of
/// fresh untracked processes (`processes` pairs, `runs` calls each), the
/// two of a pair back to back and the one that goes first alternating.
pub fn collect(records: u64, processes: u32, runs: u32) -> Result<Report, String> {
    let text = fix::lines(crate::job::SEED, records);
    let requests = fix::requests(&text);
    let mut answers = Vec::new();
    let mut stats = Vec::new();
    for v in Version::ALL {
        let (answer, s) = ex1::measure(|| fix::count_once(v, &requests));
        answers.push(answer);
        stats.push(s);
    }
    // micros[version]: every call; medians[version]: each process's median.
    let mut micros = [Vec::new(), Vec::new()];
    let mut medians = [Vec::new(), Vec::new()];
    // Process j times version (j % 2 + j / 2) % 2: two per pair, the one
    // that goes first alternating from pair to pair.
    let version = |j: usize| (j % 2 + j / 2) % 2;
    let timed: Vec<Timed> = crate::child::SIBLINGS.fresh_runs(
        2 * processes as usize,
        |j| {
            vec![
                "time-fix".to_string(),
                Version::ALL[version(j)].name().to_string(),
                format!("--records={records}"),
                format!("--runs={runs}"),
            ]
        },
        || {},
    )?;
    for (j, t) in timed.into_iter().enumerate() {
        let i = version(j);
        medians[i].push(Summary::of_or_nan(&t.micros).median);
        micros[i].extend(t.micros);
    }
    let ratios: Vec<f64> = medians[0]
        .iter()
        .zip(&medians[1])
        .map(|(naive, fixed)| naive / fixed)
        .collect();
    let versions = Version::ALL
        .into_iter()
        .zip(stats)
        .zip(&micros)
        .map(|((version, stats), m)| Row {
            version,
            stats,
            time_us: Summary::of_or_nan(m),
        })
        .collect();
    if answers[0] != answers[1] {
        return Err(format!(
            "the two versions disagree: {:?} vs {:?}",
            answers[0], answers[1]
        ));
    }
    Ok(Report {
        machine: Machine::describe(),
        records,
        rows: answers[0].0,
        total: answers[0].1,
        versions,
        speedup: Some(Summary::of_or_nan(&ratios)),
    })
}

/// A version's counts as table cells: its name, allocations (reallocs
/// included, as dhat counts them), reallocs, bytes requested, and
/// allocations per request.
fn count_cells(version: Version, s: &ex1::Stats, records: u64) -> [String; 5] {
    [
        version.name().to_string(),
        s.dhat_blocks().to_string(),
        s.reallocs.to_string(),
        s.bytes_allocated.to_string(),
        format!("{:.2}", s.dhat_blocks() as f64 / records as f64),
    ]
}

/// The before/after table of one run.
pub fn table(r: &Report) -> Table {
    let mut t = Table::new(
        format!(
            "The tally of {} requests ({} rows), before and after the fix",
            r.records, r.rows
        ),
        &[
            "version",
            "allocations",
            "of which realloc",
            "bytes requested",
            "allocations per request",
            "time (µs)",
        ],
    );
    for v in &r.versions {
        t.row(
            count_cells(v.version, &v.stats, r.records)
                .into_iter()
                .chain([v.time_us.display(0)]),
        );
    }
    t
}

/// The run's label, with the speedup.
pub fn label(r: &Report) -> String {
    let (naive, fixed) = (&r.versions[0].time_us, &r.versions[1].time_us);
    let speedup = match r.speedup {
        Some(s) => format!(
            "the fix is {:.2}x as fast here (95% interval {}x, {} pairs of processes{})",
            s.median,
            s.interval(2),
            s.runs,
            kit::timing::few_runs_note(s.runs).map_or(String::new(), |n| format!("; {n}"))
        ),
        // A run from before the pairs: the ratio of the medians.
        None => format!(
            "the fix is {:.2}x as fast here (ratio of the medians, unpaired)",
            naive.median / fixed.median
        ),
    };
    format!(
        "Counts: exact, from the tracker. Times: {} timed calls in fresh untracked processes, {}; {speedup}. {}, {}{}.",
        naive.runs,
        naive.spread_note(),
        r.machine.short(),
        r.machine.date,
        if r.machine.provisional {
            " (provisional: a short run on a busy machine)"
        } else {
            ""
        }
    )
}

/// The find-and-fix's exact counts, and the job's: deterministic, so they
/// are generated into the book straight from the tracked binary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counts {
    /// Records in the batch tallied.
    pub records: u64,
    /// One entry per version, naive first.
    pub versions: Vec<VersionCounts>,
}

/// One version's counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionCounts {
    /// Which version.
    pub version: Version,
    /// A fresh tally of the batch, and its rows.
    pub fresh: ex1::Stats,
    /// Counting the same batch again into the warm tally, checked against
    /// a zero budget (`None`: within it).
    pub again: ex1::Stats,
    /// How `again` broke its budget (`None`: it did not).
    pub again_budget: Option<String>,
    /// The rows of the warm tally, checked against a one-allocation budget.
    pub rows: ex1::Stats,
    /// How `rows` broke its budget (`None`: it did not).
    pub rows_budget: Option<String>,
}

/// Counts both versions and checks them against the fix's budgets
/// ([`fix::check_budgets`]).
pub fn counts(records: u64) -> Result<Counts, String> {
    use ex1::budget::Error;
    let text = fix::lines(crate::job::SEED, records);
    let requests = fix::requests(&text);
    let verdict = |r: Result<ex1::Stats, Error>| match r {
        Ok(s) => Ok((s, None)),
        Err(Error::Exceeded { stats, .. }) => Ok((stats, Some("exceeded".to_string()))),
        Err(e) => Err(e.to_string()),
    };
    let mut versions = Vec::new();
    for v in Version::ALL {
        let (_, fresh) = ex1::measure(|| fix::count_once(v, &requests));
        let budgets = match v {
            Version::Naive => fix::check_budgets::<fix::NaiveTally>(&requests),
            Version::Fixed => fix::check_budgets::<fix::Tally>(&requests),
        };
        let (again, again_budget) = verdict(budgets.again)?;
        let (rows, rows_budget) = verdict(budgets.rows)?;
        versions.push(VersionCounts {
            version: v,
            fresh,
            again,
            again_budget,
            rows,
            rows_budget,
        });
    }
    Ok(Counts { records, versions })
}

/// The counts as tables.
pub fn counts_tables(c: &Counts) -> Vec<Table> {
    let mut fresh = Table::new(
        format!(
            "A fresh tally of {} requests and its rows (exact)",
            c.records
        ),
        &[
            "version",
            "allocations",
            "of which realloc",
            "bytes requested",
            "per request",
        ],
    );
    let mut budgets = Table::new(
        "The same versions against the fix's budgets (exact)",
        &[
            "version",
            "the same batch again: allocations",
            "budget 0",
            "rows: allocations",
            "budget 1",
        ],
    );
    let held = |b: &Option<String>| b.as_deref().unwrap_or("held").to_string();
    for v in &c.versions {
        fresh.row(count_cells(v.version, &v.fresh, c.records));
        budgets.row([
            v.version.name().to_string(),
            v.again.dhat_blocks().to_string(),
            held(&v.again_budget),
            v.rows.dhat_blocks().to_string(),
            held(&v.rows_budget),
        ]);
    }
    vec![fresh, budgets]
}

/// What a person sees of [`crate::job::counted`]: the job's allocations in
/// one row. (Not in job.rs, whose frames every profile counts as the job's.)
pub fn job_table(c: &crate::job::Counted) -> kit::Table {
    let mut t = kit::Table::new(
        format!("The std pipeline over {} records", c.records),
        &[
            "allocations",
            "reallocs",
            "bytes requested",
            "peak live bytes",
        ],
    );
    t.row([
        c.stats.dhat_blocks(),
        c.stats.reallocs,
        c.stats.bytes_allocated,
        c.stats.peak_live_bytes as u64,
    ]);
    t
}
