//! Reading a dhat profile, dhat-rs's or valgrind's DHAT's (the same file
//! format): the blocks and bytes allocated under the job's frame, for the
//! exact check against the tracker, and its program points as the flame
//! graph's folded stacks.

use std::path::Path;

use serde::Deserialize;

use crate::flame::short_frame;
use crate::job::{Counted, is_job_frame};

/// A dhat profile, dhat-rs's or valgrind's (the same file format).
#[derive(Deserialize)]
struct DhatFile {
    pps: Vec<Pp>,
    ftbl: Vec<String>,
}

/// One program point: its total bytes and blocks, and its stack (indices
/// into [`DhatFile::ftbl`]).
#[derive(Deserialize)]
struct Pp {
    tb: u64,
    tbk: u64,
    fs: Vec<usize>,
}

/// The dhat profile at `path`.
fn read(path: &Path) -> Result<DhatFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// (blocks, bytes) of the program points whose stack passes through the
/// job's frame.
pub(super) fn dhat_under(path: &Path) -> Result<(u64, u64), String> {
    let f = read(path)?;
    let hit: Vec<bool> = f.ftbl.iter().map(|s| is_job_frame(s)).collect();
    Ok(f.pps
        .iter()
        .filter(|pp| pp.fs.iter().any(|&i| hit.get(i) == Some(&true)))
        .fold((0, 0), |(k, b), pp| (k + pp.tbk, b + pp.tb)))
}

/// A dhat tool's (blocks, bytes) under the job's frame against the
/// tracker's: they must be equal.
pub(super) fn exact_agreement(what: &str, seen: (u64, u64), c: &Counted) -> (String, bool) {
    let ok = seen == (c.dhat_blocks, c.dhat_bytes);
    (
        format!(
            "{what}: {} blocks, {} bytes under the job's frame; tracker {} / {}",
            seen.0, seen.1, c.dhat_blocks, c.dhat_bytes
        ),
        ok,
    )
}

/// Folded stacks (`root;...;leaf blocks`) from a dhat profile's program
/// points whose stack passes through the job's frame, cut to start there.
/// Frames lose their address, generic arguments and line numbers (which
/// move with the compiler), and dhat's own allocator frame.
pub fn fold_dhat(path: &Path) -> Result<Vec<String>, String> {
    let f = read(path)?;
    let mut out: std::collections::BTreeMap<String, u64> = Default::default();
    for pp in &f.pps {
        // dhat lists a program point's frames from the allocation outwards.
        let frames: Vec<&str> = pp
            .fs
            .iter()
            .rev()
            .filter_map(|&i| f.ftbl.get(i).map(String::as_str))
            .collect();
        let Some(start) = frames.iter().position(|f| is_job_frame(f)) else {
            continue;
        };
        let kept: Vec<String> = frames[start..]
            .iter()
            .map(|f| short_frame(f))
            .filter(|f| !f.contains("(dhat-"))
            .collect();
        *out.entry(kept.join(";")).or_default() += pp.tbk;
    }
    Ok(out.into_iter().map(|(s, n)| format!("{s} {n}")).collect())
}
