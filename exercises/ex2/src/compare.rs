//! The comparing side: runs the children, one process per allocator (and per run),
//! and puts their results side by side.

use serde::{Deserialize, Serialize};

use crate::allocator::Evidence;
use crate::jemalloc::{self, SizeClass};
use crate::spawn::{args, run_child, run_untracked_child};
use crate::{Allocator, bench, frag};

/// `bench --threads T --units N --seed S`
fn bench_job(threads: usize, units: u64, seed: u64) -> Vec<String> {
    [
        vec!["bench".to_string()],
        args([
            ("--threads", threads.to_string()),
            ("--units", units.to_string()),
            ("--seed", seed.to_string()),
        ]),
    ]
    .concat()
}

// ANCHOR: run_bench
/// Every run, every thread count, every allocator: a fresh untracked child
/// each time, for the timings. The order of the allocators alternates
/// between runs so neither always goes first (a machine warms up and
/// throttles). Then each (thread count, allocator) once in its tracked
/// binary, for the allocation counts.
pub fn run_bench(
    allocators: &[Allocator],
    threads: &[usize],
    runs: usize,
    units: u64,
    seed: u64,
    quiet: bool,
) -> Result<bench::Report, String> {
    let total = ((runs + 1) * threads.len() * allocators.len()) as u64;
    let pb = kit::output::progress(total, "bench", quiet);
    let mut samples = Vec::new();
    for run in 0..runs {
        for &t in threads {
            for k in 0..allocators.len() {
                let allocator = allocators[(k + run) % allocators.len()];
                let job = bench_job(t, units, seed);
                samples.push(run_untracked_child::<bench::Sample>(allocator, &job)?);
                pb.inc(1);
            }
        }
    }
    // The same jobs once more in the tracked binaries: the counts.
    for &t in threads {
        for &allocator in allocators {
            let job = bench_job(t, units, seed);
            samples.push(run_child::<bench::Sample>(allocator, &job, &[])?);
            pb.inc(1);
        }
    }
    pb.finish_and_clear();
    Ok(bench::aggregate(
        samples, threads, allocators, runs, units, seed,
    ))
}
// ANCHOR_END: run_bench

/// The fragmentation stress under every available allocator.
pub fn run_frag(cycles: u32, seed: u64, samples: u32, quiet: bool) -> Result<frag::Report, String> {
    let allocators = Allocator::available();
    let pb = kit::output::progress(allocators.len() as u64, "frag", quiet);
    let mut runs = Vec::new();
    for a in allocators {
        let job = [
            vec!["frag".to_string()],
            args([
                ("--cycles", cycles.to_string()),
                ("--seed", seed.to_string()),
                ("--samples", samples.to_string()),
            ]),
        ]
        .concat();
        runs.push(run_child::<frag::Run>(a, &job, &[])?);
        pb.inc(1);
    }
    pb.finish_and_clear();
    let counts_agree = runs.windows(2).all(|w| w[0].counts == w[1].counts);
    Ok(frag::Report {
        machine: kit::machine::Machine::describe(),
        malloc_conf: crate::malloc_conf_env(),
        runs,
        counts_agree,
    })
}

/// One thread count of the `counts` comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountsRow {
    /// Threads handling requests at once.
    pub threads: usize,
    /// Each allocator's counts for the same requests.
    pub per_allocator: Vec<(Allocator, ex1::Stats)>,
    /// Every allocator's counts were identical.
    pub agree: bool,
}

/// The seeded request workload in each allocator's process: the tracker's
/// counts must be identical.
pub fn counts(threads: &[usize], units: u64, seed: u64) -> Result<Vec<CountsRow>, String> {
    let mut rows = Vec::new();
    for &t in threads {
        let mut per_allocator = Vec::new();
        for a in Allocator::available() {
            let job = [
                vec!["bench".to_string()],
                args([
                    ("--threads", t.to_string()),
                    ("--units", units.to_string()),
                    ("--seed", seed.to_string()),
                ]),
            ]
            .concat();
            let s = run_child::<bench::Sample>(a, &job, &[])?;
            per_allocator.push((a, s.counts));
        }
        let agree = per_allocator.windows(2).all(|w| w[0].1 == w[1].1);
        rows.push(CountsRow {
            threads: t,
            per_allocator,
            agree,
        });
    }
    Ok(rows)
}

/// The `counts` comparison as a table: one line per thread count and allocator.
pub fn counts_table(rows: &[CountsRow], units: u64, seed: u64) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "The same seeded requests ({units} per thread, seed {seed}) in each allocator's process, counted by the tracker"
        ),
        &[
            "threads",
            "allocator",
            "allocs",
            "reallocs",
            "deallocs",
            "bytes requested",
            "identical",
        ],
    );
    for r in rows {
        for (a, s) in &r.per_allocator {
            t.row([
                r.threads.to_string(),
                a.to_string(),
                s.allocs.to_string(),
                s.reallocs.to_string(),
                s.deallocs.to_string(),
                s.bytes_allocated.to_string(),
                if r.agree { "yes" } else { "NO" }.to_string(),
            ]);
        }
    }
    t
}

/// What `facts` reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    /// jemalloc's version string (`None` without jemalloc).
    pub jemalloc_version: Option<String>,
    /// Which allocator serves the `ex2` process, proved.
    pub this_process: Evidence,
    /// The same proof from an `ex2-system` child (`None` if it failed).
    pub system_child: Option<Evidence>,
    /// The largest small (slab) size class, from jemalloc.
    pub small_max: Option<u64>,
    /// What decides a request's size class in this build.
    pub rule: jemalloc::ClassRule,
    /// The options jemalloc applied (`None` without jemalloc).
    pub options: Option<jemalloc::Options>,
    /// The size classes of [`jemalloc::EXAMPLE_REQUESTS`].
    pub size_classes: Vec<SizeClass>,
}

/// Gathers the facts: both processes' allocators, jemalloc's options and size classes.
pub fn facts() -> Facts {
    let rule = jemalloc::class_rule();
    let system_child = match run_child::<Evidence>(Allocator::System, &["detect".into()], &[]) {
        Ok(e) => Some(e),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    };
    Facts {
        jemalloc_version: jemalloc::version().map(str::to_string),
        this_process: crate::allocator::detect(),
        system_child,
        small_max: jemalloc::small_max(),
        rule,
        options: jemalloc::options(),
        size_classes: jemalloc::EXAMPLE_REQUESTS
            .iter()
            .map(|&r| SizeClass::of(r, &rule))
            .collect(),
    }
}

/// The facts as tables, in the order `ex2 facts` prints them.
pub fn facts_tables(f: &Facts) -> Vec<kit::Table> {
    let mut who = kit::Table::new(
        format!(
            "Which allocator serves each process (probe: one {} B Box)",
            crate::allocator::PROBE_BYTES
        ),
        &[
            "process",
            "jemalloc's thread.allocated",
            "glibc's in-use bytes",
            "served by",
        ],
    );
    let moved = |x: Option<i64>| {
        x.map(|n| format!("{n:+} B"))
            .unwrap_or_else(|| "n/a".into())
    };
    for (allocator, e) in [
        (Allocator::Jemalloc, Some(f.this_process)),
        (Allocator::System, f.system_child),
    ] {
        if let Some(e) = e {
            who.row([
                allocator.binary(kit::sibling::Role::Counted),
                moved(e.jemalloc_thread_allocated.map(|n| n as i64)),
                moved(e.glibc_in_use),
                e.serving().to_string(),
            ]);
        }
    }
    let small_max = f.small_max.unwrap_or(14_336);
    let mut classes = kit::Table::new(
        match &f.jemalloc_version {
            Some(v) => format!("Size classes: what jemalloc {v} hands out for a request (nallocx)"),
            None => {
                "Size classes jemalloc would hand out (its documented rule; jemalloc not built in)"
                    .into()
            }
        },
        &[
            "request B",
            "class B",
            "documented B",
            "waste B",
            "waste %",
            "kind",
            "5.3.0 table B",
        ],
    );
    for c in &f.size_classes {
        let class = c.class.unwrap_or(c.documented);
        classes.row([
            c.request.to_string(),
            c.class
                .map(|x| x.to_string())
                .unwrap_or_else(|| "n/a".into()),
            c.documented.to_string(),
            c.waste().to_string(),
            format!("{:.1}", 100.0 * c.waste() as f64 / class as f64),
            if class <= small_max {
                "small (slab)"
            } else {
                "large (extent)"
            }
            .to_string(),
            c.geometric.to_string(),
        ]);
    }
    let mut tables = vec![who, classes];
    if let Some(o) = &f.options {
        let mut t = kit::Table::new(
            "jemalloc's options in this process (change them with _RJEM_MALLOC_CONF)",
            &["option", "value"],
        );
        t.row(["dirty_decay_ms".to_string(), o.dirty_decay_ms.to_string()]);
        t.row(["muzzy_decay_ms".to_string(), o.muzzy_decay_ms.to_string()]);
        t.row([
            "background_thread".to_string(),
            o.background_thread.to_string(),
        ]);
        t.row(["tcache".to_string(), o.tcache.to_string()]);
        t.row(["tcache_max".to_string(), o.tcache_max.to_string()]);
        tables.push(t);
    }
    tables
}
