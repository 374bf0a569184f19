//! What the exercises' tests share: running a binary the way a test must
//! (no `$CARGO`, a clean allocator environment), the usage-error promise
//! every binary keeps, and reading JSON results. A dev-dependency only, so
//! none of it is in the programs themselves.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Runs `exe args...` and asserts what every exercise promises for bad input:
/// exit code 2, exactly one `error:` line on stderr (clap's), which comes
/// first, no panic, and nothing on stdout.
pub fn assert_usage_error(exe: &str, args: &[&str]) {
    let out = Command::new(exe)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.starts_with("error:"), "{args:?}: {err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{args:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} printed results");
}

/// Runs `exe args` as the tests run a binary: without `$CARGO` (started by
/// `cargo test`, a parent would rebuild its siblings with cargo, which the
/// test build has already built) and without any allocator settings from
/// the environment ([`kit::child::command`]), then with `env` set.
pub fn run_with(exe: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = kit::child::command(exe);
    cmd.args(args).env_remove("CARGO");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"))
}

/// [`run_with`] and no environment of its own.
pub fn run(exe: &str, args: &[&str]) -> Output {
    run_with(exe, args, &[])
}

/// What the process wrote on stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `exe args` ([`run_with`]), asserts it succeeded and parses its
/// stdout as JSON into `T` (a `serde_json::Value` when the test reads it
/// field by field).
pub fn json_with<T: DeserializeOwned>(exe: &str, args: &[&str], env: &[(&str, &str)]) -> T {
    let out = run_with(exe, args, env);
    assert!(
        out.status.success(),
        "{exe} {args:?} failed: {}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{exe} {args:?} printed no valid JSON: {e}"))
}

/// [`json_with`] and no environment of its own.
pub fn json<T: DeserializeOwned>(exe: &str, args: &[&str]) -> T {
    json_with(exe, args, &[])
}

/// Saves `report` (as a `--json` run printed it) to a file, runs
/// `exe args --from FILE flags`, asserts it succeeded and returns what it
/// printed: a saved report renders without measuring.
pub fn render_saved(exe: &str, args: &[&str], report: &impl Serialize, flags: &[&str]) -> String {
    let dir = temp_dir("saved");
    let path = dir.join("report.json");
    let text = serde_json::to_string_pretty(report).expect("a report serialises");
    std::fs::write(&path, text).expect("the report is saved");
    let path = path.to_str().expect("a UTF-8 temporary path");
    let argv: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--from", path])
        .chain(flags.iter().copied())
        .collect();
    let out = run(exe, &argv);
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "{argv:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts what every exercise promises for a failure at run time: exit
/// code 1, exactly one line on stderr, `error: ` first and `contains` in
/// it, no panic, and nothing on stdout presented as a result.
pub fn assert_runtime_error(o: &Output, contains: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(contains), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "output after an error: {err}");
}

/// A fresh directory for one test's files, unique to this process and
/// `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("{exe}-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
