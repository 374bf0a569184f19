//! Instruction counts from valgrind's callgrind, to put beside per-operation
//! timings.
//!
//! A timing on a shared machine wanders from run to run; the number of
//! instructions a loop executes does not. Callgrind counts every instruction
//! a program executes (in user space: not the kernel's work, such as page
//! faults), so an exercise that reports "ns per operation" can also report
//! "instructions per operation", and that second figure is the same on every
//! run whatever else the machine is doing.
//!
//! The exercise offers a mode that runs one case alone for `n` iterations
//! (exercise 1's `overhead --only WHICH --iters N`, for example).
//! [`per_iteration`] runs that mode under callgrind at two values of `n`: the
//! difference of the two totals, divided by the difference of `n`, cancels
//! everything that does not repeat (start-up, warm-up, exit) and leaves the
//! cost of one iteration.
//!
//! When an iteration does more than the step to be counted (a tree must be
//! built before it can be walked), the mode wraps that step in [`counted`]
//! and is run with [`Scope::Counted`]: callgrind then counts only what runs
//! inside `counted`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// valgrind's version line (`valgrind-3.19.0`), which labels the counts; an
/// error that says what is missing when valgrind cannot be run.
pub fn valgrind_version() -> Result<String, String> {
    let out = Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run valgrind ({e}); install it to use --callgrind"))?;
    if !out.status.success() {
        return Err(format!("`valgrind --version` exited with {}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What callgrind counts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every instruction, from start to exit.
    Program,
    /// Only the instructions executed inside [`counted`] (and whatever it
    /// calls).
    Counted,
}

/// The name callgrind knows [`counted`] by.
const COUNTED: &str = "kit::callgrind::counted";

/// Runs `f` and returns its result. Under callgrind with [`Scope::Counted`],
/// only the instructions executed in here are counted. Never inlined, so
/// that it stays a function callgrind can see; otherwise just a call.
#[inline(never)]
pub fn counted<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// The instructions `exe args` executes (all of them, or only inside
/// [`counted`]), as callgrind counts them. The program's output is discarded.
pub fn instructions(exe: &Path, args: &[String], scope: Scope) -> Result<u64, String> {
    // One output file per call, so that concurrent callers never share one.
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let out = std::env::temp_dir().join(format!(
        "callgrind-{}-{}.out",
        std::process::id(),
        CALLS.fetch_add(1, Relaxed)
    ));
    let mut valgrind = crate::child::command("valgrind");
    valgrind
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()));
    if scope == Scope::Counted {
        valgrind.arg(format!("--toggle-collect={COUNTED}"));
    }
    let run = valgrind
        .arg(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run valgrind ({e}); install it to use --callgrind"))?;
    let text = std::fs::read_to_string(&out);
    let _ = std::fs::remove_file(&out);
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(format!(
            "valgrind exited with {} running `{} {}`{}",
            run.status,
            exe.display(),
            args.join(" "),
            last.map_or(String::new(), |l| format!(": {l}"))
        ));
    }
    let text = text.map_err(|e| format!("{}: {e}", out.display()))?;
    match total_of(&text) {
        None => Err("no instruction total in callgrind's output".to_string()),
        Some(0) if scope == Scope::Counted => Err(format!(
            "callgrind counted nothing inside {COUNTED} running `{} {}`",
            exe.display(),
            args.join(" ")
        )),
        Some(n) => Ok(n),
    }
}

/// The total from a callgrind output file: its `summary:` (or, in older
/// versions, `totals:`) line.
fn total_of(callgrind_out: &str) -> Option<u64> {
    callgrind_out
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

// ANCHOR: per_iteration
/// Instructions per iteration of `exe args(n)`, from two runs under
/// callgrind, at `n = small` and at `n = large`: whatever the program does
/// once (start-up, warm-up, printing, exit) is in both totals and cancels.
pub fn per_iteration(
    exe: &Path,
    scope: Scope,
    small: u64,
    large: u64,
    args: impl Fn(u64) -> Vec<String>,
) -> Result<f64, String> {
    assert!(large > small, "per_iteration needs large > small");
    let a = instructions(exe, &args(small), scope)?;
    let b = instructions(exe, &args(large), scope)?;
    Ok((b as f64 - a as f64) / (large - small) as f64)
}
// ANCHOR_END: per_iteration

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_summary_line() {
        let out = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\n\nsummary: 12030363\n\n\ntotals: 12030363\n";
        assert_eq!(total_of(out), Some(12_030_363));
        assert_eq!(total_of("totals: 7\n"), Some(7));
        assert_eq!(total_of("events: Ir\n"), None);
    }
}
