//! `ex2 --check`: the facts this chapter rests on, asserted. Never timings:
//! each check is true or false on any quiet or busy machine.

use kit::sibling::Role;

use crate::Allocator;
use crate::allocator::{Evidence, PROBE_BYTES};
use crate::jemalloc;

/// One check's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    /// What the check asserts, in a few words.
    pub name: String,
    /// `None`: skipped (jemalloc not built in).
    pub passed: Option<bool>,
    /// What was observed, for the reader to judge.
    pub detail: String,
}

fn outcome(name: &str, passed: Option<bool>, detail: impl Into<String>) -> Outcome {
    Outcome {
        name: name.to_string(),
        passed,
        detail: detail.into(),
    }
}

/// Runs every check. `expected` is the allocator this binary was built with.
pub fn run_all(expected: Allocator) -> Vec<Outcome> {
    let mut out = vec![this_process(expected), system_child()];
    if cfg!(jemalloc) {
        out.push(allocated_moves());
        out.push(size_classes());
        out.push(purge_lowers_resident());
    } else {
        for name in [
            "stats.allocated moves by a known block",
            "nallocx matches the documented classes",
            "purge lowers resident",
        ] {
            out.push(outcome(name, None, "jemalloc is not built in"));
        }
    }
    out.extend(counts_agree());
    out
}

// ANCHOR: check_active
fn this_process(expected: Allocator) -> Outcome {
    let e = crate::allocator::detect();
    let mut ok = e.serving() == expected;
    if expected == Allocator::Jemalloc {
        // jemalloc counted the probe at its size class: it served the Box.
        ok &= e.jemalloc_thread_allocated == Some(jemalloc::class_rule().class(PROBE_BYTES as u64));
    }
    outcome(
        &format!("this process is served by {expected}"),
        Some(ok),
        e.describe(),
    )
}
// ANCHOR_END: check_active

fn system_child() -> Outcome {
    let name = "the ex2-system child is served by System";
    match crate::spawn::run_child::<Evidence>(Allocator::System, &["detect".into()], &[]) {
        Ok(e) => outcome(name, Some(e.serving() == Allocator::System), e.describe()),
        Err(err) => outcome(name, Some(false), err),
    }
}

// ANCHOR: check_allocated
/// A 4 MiB block is a size class of its own and larger than anything the
/// thread cache keeps, so `stats.allocated` must rise by exactly 4 MiB when
/// it is allocated and fall back when it is freed. Small blocks parked in
/// the thread cache count as allocated too, and the cache hands some back
/// whenever its periodic clean-up runs (an allocation can trigger it): each
/// reading flushes the cache first, so only the block moves the statistic.
fn allocated_moves() -> Outcome {
    const SIZE: usize = 4 << 20;
    let read = || {
        jemalloc::flush_thread_cache()
            .then(jemalloc::stats)
            .flatten()
            .map(|s| s.allocated as i64)
    };
    let (Some(before), block, Some(during)) = (read(), vec![1u8; SIZE], read()) else {
        return outcome(
            "stats.allocated moves by a known block",
            Some(false),
            "stats unreadable",
        );
    };
    std::hint::black_box(&block);
    drop(block);
    let after = read().unwrap_or(i64::MIN);
    outcome(
        "stats.allocated moves by a known block",
        Some(during - before == SIZE as i64 && after == before),
        format!(
            "allocating 4 MiB: {:+} B; freeing it: {:+} B",
            during - before,
            after - during
        ),
    )
}
// ANCHOR_END: check_allocated

/// Every request from 1 B to 64 KiB, and both neighbours of every power of two
/// up to 1 GiB: `nallocx` agrees with the rule in jemalloc's manual.
fn size_classes() -> Outcome {
    let mut requests: Vec<u64> = (1..=65_536).collect();
    for k in 17..=30 {
        requests.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    let rule = jemalloc::class_rule();
    let mismatches: Vec<String> = requests
        .iter()
        .filter_map(|&r| {
            let got = jemalloc::nallocx(r);
            let want = rule.class(r);
            (got != Some(want)).then(|| format!("{r}: nallocx {got:?}, documented {want}"))
        })
        .collect();
    outcome(
        "nallocx matches the documented classes",
        Some(mismatches.is_empty()),
        if mismatches.is_empty() {
            format!(
                "{} requests, 1 B to 1 GiB + 1; rule {rule:?}",
                requests.len()
            )
        } else {
            format!("{} mismatches, first: {}", mismatches.len(), mismatches[0])
        },
    )
}

/// In a fresh jemalloc child with default options: free 64 MiB of small
/// blocks, and an explicit purge must give at least half of it back.
fn purge_lowers_resident() -> Outcome {
    let name = "purge lowers resident";
    let job = ["probe", "--burst-mib", "64", "--waits-ms", "0"].map(String::from);
    let probe = crate::spawn::run_child::<crate::conf::Probe>(Allocator::Jemalloc, &job, &[]);
    match probe {
        Ok(p) => {
            let freed = p.after_free.first().and_then(|(_, m)| m.resident);
            let purged = p.after_purge.resident;
            match (freed, purged) {
                (Some(f), Some(g)) => outcome(
                    name,
                    Some(g + (p.burst_bytes / 2) <= f),
                    format!(
                        "resident after freeing 64 MiB: {}; after purge: {}",
                        kit::format::bytes(f as f64),
                        kit::format::bytes(g as f64)
                    ),
                ),
                _ => outcome(name, Some(false), "resident unreadable"),
            }
        }
        Err(e) => outcome(name, Some(false), e),
    }
}

/// The same seeded work in the `ex2` and `ex2-system` binaries makes exactly
/// the same allocation calls (the tracker counts them in each).
fn counts_agree() -> Vec<Outcome> {
    let me = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return vec![outcome("counts agree", Some(false), e.to_string())],
    };
    let system = match Allocator::System.executable(kit::sibling::Role::Counted) {
        Ok(p) => p,
        Err(e) => return vec![outcome("counts agree", Some(false), e.to_string())],
    };
    let bench_job =
        ["bench", "--threads", "2", "--units", "3000", "--seed", "42"].map(String::from);
    let frag_job = ["frag", "--cycles", "40", "--seed", "42", "--samples", "4"].map(String::from);
    let mut out = Vec::new();
    let b = (
        crate::spawn::run_exe::<crate::bench::Sample>(&me, &bench_job, &[]),
        crate::spawn::run_exe::<crate::bench::Sample>(&system, &bench_job, &[]),
    );
    out.push(compare(
        "counts agree: requests, 2 threads",
        b.0.map(|s| s.counts),
        b.1.map(|s| s.counts),
    ));
    let f = (
        crate::spawn::run_exe::<crate::frag::Run>(&me, &frag_job, &[]),
        crate::spawn::run_exe::<crate::frag::Run>(&system, &frag_job, &[]),
    );
    out.push(compare(
        "counts agree: fragmentation stress",
        f.0.map(|r| r.counts),
        f.1.map(|r| r.counts),
    ));
    out
}

fn compare(name: &str, a: Result<ex1::Stats, String>, b: Result<ex1::Stats, String>) -> Outcome {
    match (a, b) {
        (Ok(a), Ok(b)) => outcome(
            name,
            Some(a == b && a.allocs > 0),
            format!(
                "{}: {} allocs, {} reallocs, {} B; {}: {} allocs, {} reallocs, {} B",
                Allocator::Jemalloc.binary(Role::Counted),
                a.allocs,
                a.reallocs,
                a.bytes_allocated,
                Allocator::System.binary(Role::Counted),
                b.allocs,
                b.reallocs,
                b.bytes_allocated
            ),
        ),
        (Err(e), _) | (_, Err(e)) => outcome(name, Some(false), e),
    }
}
