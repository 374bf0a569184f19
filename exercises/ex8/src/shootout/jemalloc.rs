//! Reading jemalloc's profiler: a heap dump (`heap_v2`) un-sampled into an
//! estimate of live bytes, the bound that estimate must be within, and the
//! check of each dump against the tracker's count in the same process.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::JemallocSample;

/// Live bytes a jemalloc heap dump (`heap_v2`) estimates: each stack's
/// sampled objects and bytes scaled by `1 / (1 - exp(-mean size / period))`,
/// as jeprof and jemalloc_pprof do. Returns (sampled objects, estimate).
pub fn jemalloc_estimate(dump: &str) -> Result<(u64, f64), String> {
    let mut lines = dump.lines();
    let header = lines.next().unwrap_or_default();
    let period: f64 = header
        .strip_prefix("heap_v2/")
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| format!("not a jemalloc heap_v2 dump: {header:?}"))?;
    let (mut objs, mut est) = (0u64, 0.0);
    let mut in_stack = false;
    for line in lines {
        if line.starts_with('@') {
            in_stack = true;
            continue;
        }
        if line.starts_with("MAPPED_LIBRARIES") {
            break;
        }
        let t = line.trim_start();
        if !in_stack || !t.starts_with("t*:") {
            continue;
        }
        in_stack = false;
        // "t*: <objects>: <bytes> [<accumulated objects>: <bytes>]"
        let mut nums = t[3..]
            .split([':', '['])
            .filter_map(|s| s.trim().parse::<u64>().ok());
        let (Some(o), Some(b)) = (nums.next(), nums.next()) else {
            return Err(format!("unreadable stack line {t:?}"));
        };
        if o == 0 {
            continue;
        }
        let ratio = (b as f64 / o as f64) / period;
        let scale = 1.0 / (1.0 - (-ratio).exp());
        objs += o;
        est += b as f64 * scale;
    }
    Ok((objs, est))
}

/// The bound a sampled estimate of `live` bytes must be within at one
/// sample per `2^lg` bytes: four standard deviations of a Poisson count of
/// `live / 2^lg` samples, plus one period.
pub fn jemalloc_bound(live: u64, lg: u32) -> u64 {
    let period = (1u64 << lg) as f64;
    let expected = (live as f64 / period).max(1.0);
    (4.0 * live as f64 / expected.sqrt() + period) as u64
}

/// Sample rates the jemalloc check uses.
pub const JEMALLOC_RATES: [u32; 2] = [10, 14];
/// `lg_prof_sample` of the timed jemalloc run: jemalloc's default.
pub const JEMALLOC_DEFAULT_RATE: u32 = 19;

/// What `ex8-jeprof dump` prints.
#[derive(Debug, Deserialize, Serialize)]
pub struct Dumped {
    /// The process's live bytes as the tracker counts them (sizes asked).
    pub live_tracker: u64,
    /// What jemalloc's size classes add to the blocks held at the dump.
    pub rounding: u64,
    /// The heap profile jemalloc wrote.
    pub dump: PathBuf,
}

/// The dumps against the tracker, in words, and whether every dump of the
/// profiler as shipped (not the large-size-class experiment) is within its
/// bound.
pub(super) fn jemalloc_agreement(jemalloc: &[JemallocSample]) -> (String, bool) {
    let within = |j: &JemallocSample| j.estimated.abs_diff(j.tracker + j.rounding) <= j.bound;
    // The check is of the profiler as shipped; the experiment is reported.
    let ok = jemalloc.iter().filter(|j| !j.large_classes).all(within);
    let words: Vec<String> = jemalloc
        .iter()
        .map(|j| {
            format!(
                "lg {}{}: {} estimated, tracker {} + size-class rounding {} (bound ±{}{})",
                j.lg_sample,
                if j.large_classes {
                    " with disable_large_size_classes:false"
                } else {
                    ""
                },
                j.estimated,
                j.tracker,
                j.rounding,
                j.bound,
                if j.large_classes {
                    if within(j) { ", within" } else { ", outside" }
                } else {
                    ""
                }
            )
        })
        .collect();
    (format!("live bytes at a dump: {}", words.join("; ")), ok)
}
