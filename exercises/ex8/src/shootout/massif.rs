//! Reading massif's output: the peak of the whole heap over its snapshots,
//! checked against the tracker's peak within massif's own inaccuracy.

use crate::job::Counted;

/// The largest heap size of massif's snapshots (`mem_heap_B=`), bytes; 0
/// when it took none.
pub(super) fn peak_heap(massif_out: &str) -> u64 {
    massif_out
        .lines()
        .filter_map(|l| l.strip_prefix("mem_heap_B=")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

/// massif's peak heap against the tracker's: the process's live bytes
/// when the job started plus the job's own peak. massif finds the peak to
/// within its `--peak-inaccuracy` (1% by default), and it also counts what
/// C code allocates outside Rust's allocator (a few KiB here).
pub(super) fn massif_agreement(peak: u64, c: &Counted) -> (String, bool) {
    let tracker = (c.live_before + c.stats.peak_live_bytes).max(0) as u64;
    let slack = tracker / 100 + MASSIF_SLACK;
    (
        format!(
            "massif: peak heap {peak} bytes; tracker {tracker} (within 1% + {} KiB: {})",
            MASSIF_SLACK / 1024,
            peak.abs_diff(tracker) <= slack
        ),
        peak.abs_diff(tracker) <= slack,
    )
}

/// What massif's whole-process heap may hold beyond Rust's allocations.
const MASSIF_SLACK: u64 = 16 * 1024;
