//! Untracked timings, tracked counts.
//!
//! A tracking allocator costs something on every call it sees, and a
//! comparison in which one side calls the global allocator a million times
//! and the other a dozen would charge that cost to one side only. So every
//! timing the book shows is taken in a process whose global allocator is
//! untracked (the system allocator, jemalloc or mimalloc as they are), and
//! the counts come from a separate run of the same work in the exercise's
//! own, tracked, binary.
//!
//! Convention: an exercise `exN` that times things has a second binary,
//! `exN-untracked`, built from the same library with an untracked global
//! allocator. The tracked binary starts it with [`run_untracked`] and reads
//! the timings back as JSON (one measurement per process, as in
//! [`crate::child`]).

use std::path::PathBuf;

use serde::de::DeserializeOwned;

/// The untracked binary of `package`: `<package>-untracked`, beside this one.
pub fn untracked_exe(package: &str) -> Result<PathBuf, String> {
    crate::child::sibling(&untracked_name(package)).map_err(|e| e.to_string())
}

/// `ex3` → `ex3-untracked`.
pub fn untracked_name(package: &str) -> String {
    format!("{package}-untracked")
}

/// The untracked binary of `package`, built first when this process was
/// started by cargo (for callgrind, which runs it itself).
pub fn built_untracked_exe(package: &str) -> Result<PathBuf, String> {
    crate::child::build_siblings_under_cargo(package, &[&untracked_name(package)], &[])?;
    untracked_exe(package)
}

/// Runs `args` in `package`'s untracked binary (built first when this
/// process was started by cargo) and parses its JSON result.
pub fn run_untracked<T: DeserializeOwned>(package: &str, args: &[String]) -> Result<T, String> {
    let name = untracked_name(package);
    crate::child::build_siblings_under_cargo(package, &[&name], &[])?;
    crate::child::run_json(&untracked_exe(package)?, args, &[])
}

/// Says what a process's global allocator is, for the labels of timing runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timed {
    /// Timed in an untracked process (the allocator named by the row).
    Untracked,
    /// Timed under a tracking allocator: data from before the split.
    Tracked,
}
