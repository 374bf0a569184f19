//! The parent's side of "one allocator per process": start the binary built
//! with an allocator as a child, hand it a job on its command line, read its
//! result as JSON from its stdout. The plumbing is `kit::child`, shared with
//! the other exercises that need a fresh process per measurement.

use std::path::Path;

use kit::sibling::Role;
use serde::de::DeserializeOwned;

use crate::Allocator;

// ANCHOR: spawn
/// Runs `<allocator's binary> child <job args>` and parses what it prints.
/// The child starts with a clean allocator environment (`kit::child`), then
/// `env` set (the jemalloc configuration experiments set it).
pub fn run_child<T: DeserializeOwned>(
    allocator: Allocator,
    job: &[String],
    env: &[(&str, &str)],
) -> Result<T, String> {
    let exe = allocator
        .executable(Role::Counted)
        .map_err(|e| format!("cannot find this program's path: {e}"))?;
    build_siblings()?;
    run_exe(&exe, job, env)
}

/// Like [`run_child`], for a given executable.
pub fn run_exe<T: DeserializeOwned>(
    exe: &Path,
    job: &[String],
    env: &[(&str, &str)],
) -> Result<T, String> {
    let mut args = vec!["child".to_string()];
    args.extend_from_slice(job);
    kit::child::run_json(exe, &args, env)
}
// ANCHOR_END: spawn

/// Like [`run_child`], in the allocator's untracked binary (for timings:
/// the tracker's per-call cost would otherwise be part of them).
pub fn run_untracked_child<T: DeserializeOwned>(
    allocator: Allocator,
    job: &[String],
) -> Result<T, String> {
    let exe = allocator
        .executable(Role::Timed)
        .map_err(|e| format!("cannot find this program's path: {e}"))?;
    build_siblings()?;
    run_exe(&exe, job, &[])
}

/// `cargo run -p ex2` builds only `ex2`: build its siblings (once, with
/// this build's profile and features) when cargo started us.
fn build_siblings() -> Result<(), String> {
    static BUILT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let bins: Vec<String> = Allocator::available()
                .into_iter()
                .flat_map(|a| [a.binary(Role::Counted), a.binary(Role::Timed)])
                .collect();
            crate::allocator::SIBLINGS.build(&bins)
        })
        .clone()
}

/// `["--threads", "2", …]` from pairs, for job command lines.
pub fn args<const N: usize>(pairs: [(&str, String); N]) -> Vec<String> {
    pairs
        .into_iter()
        .flat_map(|(k, v)| [k.to_string(), v])
        .collect()
}
