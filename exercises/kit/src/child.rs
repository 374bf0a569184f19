//! One measurement per process.
//!
//! A process has exactly one global allocator, and the memory it has taken
//! from the OS (its RSS) carries over from one experiment to the next. So an
//! exercise that compares allocators, or measures RSS, runs each case in a
//! fresh child process: the parent starts a binary with a job on its command
//! line and reads its result back as JSON from its stdout. The child's
//! stderr passes through (progress bars, warnings).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::de::DeserializeOwned;

/// Runs `exe args...` with `remove_env` taken away and then `env` set, and
/// parses its stdout as JSON. Any failure becomes a one-line message.
pub fn run_json<T: DeserializeOwned>(
    exe: &Path,
    args: &[String],
    env: &[(&str, &str)],
    remove_env: &[&str],
) -> Result<T, String> {
    if !exe.exists() {
        return Err(format!("{} is missing: build it first", exe.display()));
    }
    let mut cmd = Command::new(exe);
    cmd.args(args);
    // Removals first, so `env` can set a variable `remove_env` names.
    for k in remove_env {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {} failed ({})",
            exe.display(),
            args.join(" "),
            out.status
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{} printed no valid result: {e}", exe.display()))
}

/// The path of another binary of the same package, beside this one.
pub fn sibling(name: &str) -> std::io::Result<PathBuf> {
    let me = std::env::current_exe()?;
    Ok(me.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

/// `cargo run -p exN` builds only the binary it runs, not its siblings. When
/// this process was started by cargo (which sets `$CARGO`), build `bins` of
/// `package` with the same profile and the given feature flags, so that no
/// sibling is missing or older than the parent. Started any other way, the
/// siblings must already be built (`cargo build --release -p exN` builds all).
pub fn build_siblings_under_cargo(
    package: &str,
    bins: &[&str],
    feature_args: &[&str],
) -> Result<(), String> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Ok(());
    };
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "-p", package]);
    for b in bins {
        cmd.args(["--bin", b]);
    }
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    cmd.args(feature_args);
    match cmd.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("building {} failed ({s})", bins.join(", "))),
        Err(e) => Err(format!(
            "cannot run cargo to build {}: {e}",
            bins.join(", ")
        )),
    }
}
