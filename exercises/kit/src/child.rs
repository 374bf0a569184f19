//! One measurement per process.
//!
//! A process has exactly one global allocator, and the memory it has taken
//! from the OS (its RSS) carries over from one experiment to the next. So an
//! exercise that compares allocators, or measures RSS, runs each case in a
//! fresh child process: the parent starts a binary with a job on its command
//! line and reads its result back as JSON from its stdout. The child's
//! stderr passes through (progress bars, warnings).
//!
//! Every child starts with a clean allocator environment ([`command`]): the
//! variables that tune glibc's malloc, jemalloc or mimalloc are taken away,
//! so a `MALLOC_ARENA_MAX` left in a shell cannot change a measurement
//! unseen. A reader's experiment names them instead, with
//! `--child-env NAME=VALUE` ([`ChildEnvArgs`]); the run's label lists them.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Once, OnceLock};

use serde::de::DeserializeOwned;

/// The variables that configure an allocator: glibc's malloc (its
/// tunables and the older `MALLOC_*_` names), jemalloc (unprefixed and as
/// tikv-jemallocator builds it) and, by prefix, mimalloc's `MIMALLOC_*`.
pub const ALLOCATOR_VARS: &[&str] = &[
    "GLIBC_TUNABLES",
    "MALLOC_ARENA_MAX",
    "MALLOC_ARENA_TEST",
    "MALLOC_CHECK_",
    "MALLOC_MMAP_MAX_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_PERTURB_",
    "MALLOC_TOP_PAD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_CONF",
    "_RJEM_MALLOC_CONF",
];

/// Whether `name` configures an allocator ([`ALLOCATOR_VARS`], or
/// `MIMALLOC_*`).
pub fn is_allocator_var(name: &str) -> bool {
    ALLOCATOR_VARS.contains(&name) || name.starts_with("MIMALLOC_")
}

/// One `--child-env NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// An allocator variable ([`is_allocator_var`]).
    pub name: String,
    /// Its value, passed as given.
    pub value: String,
}

impl std::fmt::Display for EnvVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// Parses `NAME=VALUE` where NAME is an allocator variable (for clap).
pub fn parse_env_var(s: &str) -> Result<EnvVar, String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not NAME=VALUE"))?;
    if !is_allocator_var(name) {
        return Err(format!(
            "'{name}' is not an allocator variable (GLIBC_TUNABLES, MALLOC_*, _RJEM_MALLOC_CONF, \
             MIMALLOC_*)"
        ));
    }
    Ok(EnvVar {
        name: name.to_string(),
        value: value.to_string(),
    })
}

/// The option every exercise that starts measured children takes.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ChildEnvArgs {
    /// Set an allocator variable in every measured child, for an
    /// experiment: `--child-env _RJEM_MALLOC_CONF=narenas:1` (repeatable).
    /// Children otherwise start without any: the allocator variables of
    /// this shell are not passed on.
    #[arg(long = "child-env", value_name = "NAME=VALUE", value_parser = parse_env_var, global = true)]
    pub child_env: Vec<EnvVar>,
}

impl ChildEnvArgs {
    /// Makes these the variables every later [`command`] sets. Call once,
    /// from `main`, before any child starts.
    pub fn apply(&self) {
        let _ = PASSED.set(self.child_env.clone());
    }
}

/// The reader's `--child-env` settings, once [`ChildEnvArgs::apply`] ran.
static PASSED: OnceLock<Vec<EnvVar>> = OnceLock::new();

/// The variables every child is given ([`ChildEnvArgs::apply`]): empty
/// unless the reader asked. Labels of runs name them.
pub fn passed() -> &'static [EnvVar] {
    PASSED.get().map_or(&[], Vec::as_slice)
}

/// A command for `program` with a clean allocator environment: each
/// allocator variable of this process removed, then the reader's
/// `--child-env` settings set. The first time, a variable found in this
/// process's environment gets one line on stderr, so that it is not
/// dropped unseen.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    static WARNED: Once = Once::new();
    let mut cmd = Command::new(program);
    let mine: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| is_allocator_var(k))
        .collect();
    for k in ALLOCATOR_VARS
        .iter()
        .copied()
        .chain(mine.iter().map(String::as_str))
    {
        cmd.env_remove(k);
    }
    for v in passed() {
        cmd.env(&v.name, &v.value);
    }
    let unpassed: Vec<&String> = mine
        .iter()
        .filter(|k| !passed().iter().any(|v| &v.name == *k))
        .collect();
    if !unpassed.is_empty() {
        WARNED.call_once(|| {
            let names: Vec<&str> = unpassed.iter().map(|k| k.as_str()).collect();
            eprintln!(
                "note: {} not passed to the measured processes (they start with a clean \
                 allocator environment); to set one there, use --child-env NAME=VALUE",
                names.join(", ")
            );
        });
    }
    cmd
}

/// Runs `exe args...` ([`command`]: a clean allocator environment) with
/// `env` set on top, and parses its stdout as JSON. Any failure becomes a
/// one-line message.
pub fn run_json<T: DeserializeOwned>(
    exe: &Path,
    args: &[String],
    env: &[(&str, &str)],
) -> Result<T, String> {
    let out = measured(exe, args, env)?
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    result(exe, args, out.status, &out.stdout)
}

/// `exe args...` as a measured child: [`command`]'s clean allocator
/// environment, then `env`; no stdin, its stderr passed through. An error
/// if `exe` is not built.
fn measured(exe: &Path, args: &[String], env: &[(&str, &str)]) -> Result<Command, String> {
    if !exe.exists() {
        return Err(format!("{} is missing: build it first", exe.display()));
    }
    let mut cmd = command(exe);
    cmd.args(args).stdin(Stdio::null()).stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Ok(cmd)
}

/// A child's result: its stdout as JSON, once it exited successfully.
fn result<T: DeserializeOwned>(
    exe: &Path,
    args: &[String],
    status: std::process::ExitStatus,
    stdout: &[u8],
) -> Result<T, String> {
    if !status.success() {
        return Err(format!(
            "{} {} failed ({status})",
            exe.display(),
            args.join(" ")
        ));
    }
    serde_json::from_slice(stdout)
        .map_err(|e| format!("{} printed no valid result: {e}", exe.display()))
}

/// Samples of a child's anonymous resident memory: `(ms since it started,
/// bytes)`, oldest first.
pub type RssSeries = Vec<(u32, u64)>;

/// Most samples [`run_json_sampled`] keeps: when full, every second one is
/// dropped and the interval doubles, so a long run keeps its whole span.
pub const MAX_SAMPLES: usize = 4096;

/// Like [`run_json`], and samples the child's anonymous resident memory
/// (`RssAnon` in `/proc/<pid>/status`) from this process every `every`
/// while it runs. The child runs no sampler thread: nothing of the
/// sampling is allocated, scheduled or counted inside the process measured.
pub fn run_json_sampled<T: DeserializeOwned>(
    exe: &Path,
    args: &[String],
    env: &[(&str, &str)],
    every: std::time::Duration,
) -> Result<(T, RssSeries), String> {
    use std::io::Read;
    let start = std::time::Instant::now();
    let mut child = measured(exe, args, env)?
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let pid = child.id();
    // The result is read on its own thread, so a large one cannot fill the
    // pipe and stall the child while this thread samples.
    let mut stdout = child.stdout.take().ok_or("no stdout from the child")?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let mut series = RssSeries::new();
    let mut every = every;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for {}: {e}", exe.display())),
        }
        if let Some(b) = crate::rss::anon_of(pid) {
            if series.len() == MAX_SAMPLES {
                let mut k = 0;
                series.retain(|_| {
                    k += 1;
                    k % 2 == 1
                });
                every *= 2;
            }
            series.push((start.elapsed().as_millis() as u32, b));
        }
        std::thread::sleep(every);
    };
    let out = reader
        .join()
        .map_err(|_| "the thread reading the child's output panicked".to_string())?
        .map_err(|e| format!("cannot read {}'s output: {e}", exe.display()))?;
    Ok((result(exe, args, status, &out)?, series))
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
    let mut cmd = command(cargo);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Set by the test below in the copy of this test binary it starts.
    const PROBE: &str = "KIT_CHILD_ENV_PROBE";

    /// The parent sets every allocator variable (and a mimalloc one) in its
    /// own environment; a child started with [`command`] sees none of them.
    /// The parent is a second run of this test binary, started with them
    /// set, because a test cannot safely change its own environment.
    #[test]
    fn children_never_inherit_allocator_variables() {
        if std::env::var_os(PROBE).is_some() {
            let out = command("env").output().expect("run env");
            let seen = String::from_utf8_lossy(&out.stdout);
            let leaked: Vec<&str> = seen
                .lines()
                .filter_map(|l| l.split_once('=').map(|(k, _)| k))
                .filter(|k| is_allocator_var(k))
                .collect();
            assert!(leaked.is_empty(), "a child inherited {leaked:?}");
            assert!(
                seen.contains("KIT_CHILD_ENV_PROBE=1"),
                "other variables pass"
            );
            return;
        }
        let mut parent = Command::new(std::env::current_exe().unwrap());
        parent.args([
            "--exact",
            "child::tests::children_never_inherit_allocator_variables",
            "--test-threads=1",
            "--nocapture",
        ]);
        parent.env(PROBE, "1");
        for k in ALLOCATOR_VARS {
            parent.env(k, "1");
        }
        parent.env("MIMALLOC_SHOW_STATS", "1");
        let out = parent.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        // The filter matched the test: one passed, not zero.
        assert!(text.contains("1 passed"), "{text}");
        // The dropped variables were reported, once.
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.matches("not passed to the measured").count(),
            1,
            "{err}"
        );
    }

    /// The parent samples a child that lives 200 ms, and still reads its
    /// result; a child that fails is an error.
    #[test]
    fn a_child_is_sampled_from_outside() {
        let sh = Path::new("/bin/sh");
        let script = |s: &str| vec!["-c".to_string(), s.to_string()];
        let every = std::time::Duration::from_millis(5);
        let (v, series): (serde_json::Value, _) =
            run_json_sampled(sh, &script("sleep 0.2; echo '{\"ok\": 1}'"), &[], every).unwrap();
        assert_eq!(v["ok"], 1);
        assert!(series.len() >= 2, "{series:?}");
        assert!(series.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(series.iter().all(|&(_, b)| b > 0));
        assert!(run_json_sampled::<serde_json::Value>(sh, &script("exit 3"), &[], every).is_err());
    }

    #[test]
    fn only_allocator_variables_can_be_passed() {
        let v = parse_env_var("_RJEM_MALLOC_CONF=narenas:1").unwrap();
        assert_eq!(v.to_string(), "_RJEM_MALLOC_CONF=narenas:1");
        assert!(parse_env_var("MIMALLOC_ALLOW_THP=0").is_ok());
        assert!(parse_env_var("GLIBC_TUNABLES=glibc.malloc.tcache_count=1000").is_ok());
        assert!(parse_env_var("PATH=/").is_err());
        assert!(parse_env_var("MALLOC_ARENA_MAX").is_err());
    }
}
