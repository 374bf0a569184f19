//! Reading heaptrack's output: its data file, printed as folded stacks of
//! allocation calls (`heaptrack_print -F`), counted under the job's frame
//! for the check against the tracker, and the naive tally's hottest site.

use std::path::{Path, PathBuf};

use super::process::{Setup, run};
use crate::flame::fold_under;

/// heaptrack's data file in `dir` (heaptrack adds its compression suffix).
pub(super) fn heaptrack_file(dir: &Path) -> Result<PathBuf, String> {
    std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("heaptrack.job"))
        })
        .ok_or_else(|| format!("no heaptrack data file in {}", dir.display()))
}

/// The allocation calls of heaptrack's data file `data` as folded stacks
/// (`a;b;c N`), written to `stacks` by `heaptrack_print` and read back; its
/// messages go to `log`.
pub(super) fn folded_calls(data: &Path, stacks: &Path, log: &Path) -> Result<String, String> {
    run(
        kit::child::command("heaptrack_print")
            .arg("-f")
            .arg(data)
            .args(["--flamegraph-cost-type", "allocations", "-F"])
            .arg(stacks)
            .args(["-p", "0", "-a", "0", "-T", "0"]),
        log,
    )?;
    std::fs::read_to_string(stacks).map_err(|e| e.to_string())
}

/// The function heaptrack names first for the naive tally's allocation
/// calls (`heaptrack_print -a`), restricted to this crate's frames.
pub(super) fn naive_top_site(s: &Setup, recs: &str) -> Result<String, String> {
    let dir = s.out.join("heaptrack-naive");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut cmd = kit::child::command("heaptrack");
    cmd.arg("-o")
        .arg(dir.join("heaptrack.job"))
        .arg(&s.untracked)
        .args(["tally", "naive", recs]);
    run(&mut cmd, &s.out.join("heaptrack-naive.stderr"))?;
    let stacks = folded_calls(
        &heaptrack_file(&dir)?,
        &dir.join("folded"),
        &s.out.join("heaptrack-naive-print.stderr"),
    )?;
    let folded = fold_under(&stacks, |f: &str| f.contains("count_once (fix.rs)"));
    // The ex8 frame nearest the allocation on the heaviest stack.
    let top = folded
        .iter()
        .filter_map(|l| {
            let (stack, n) = l.rsplit_once(' ')?;
            Some((n.parse::<u64>().ok()?, stack))
        })
        .max();
    Ok(top
        .and_then(|(_, stack)| stack.split(';').rev().find(|f| f.ends_with("(fix.rs)")))
        .unwrap_or("none")
        .to_string())
}
