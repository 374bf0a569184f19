//! How the shoot-out starts its processes: the binaries it builds, the
//! command each tool runs and the baseline it is compared with, and one
//! command run to the end with its wall time and peak memory.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::Tool;
use super::jemalloc::JEMALLOC_DEFAULT_RATE;

/// The command that runs `tool` on `records` records, writing its profile
/// to `out` (dhat-rs: a folder; heaptrack: the name it starts its file
/// with; the valgrind tools: a file; jemalloc's is not written).
pub(super) fn tool_command(s: &Setup, tool: Tool, records: u64, out: &Path) -> Command {
    let recs = format!("--records={records}");
    let valgrind = |tool: &str, flag: &str| {
        let mut cmd = kit::child::command("valgrind");
        cmd.args([format!("--tool={tool}"), "--quiet".to_string()])
            .arg(format!("{flag}={}", out.display()))
            .arg(&s.untracked)
            .args(["job", &recs]);
        cmd
    };
    match tool {
        Tool::DhatRs => {
            let mut cmd = kit::child::command(&s.dhat_rs);
            cmd.args(["job", &recs]).env("DHAT_OUT_DIR", out);
            cmd
        }
        Tool::ValgrindDhat => valgrind("dhat", "--dhat-out-file"),
        Tool::Massif => valgrind("massif", "--massif-out-file"),
        Tool::Heaptrack => {
            let mut cmd = kit::child::command("heaptrack");
            cmd.arg("-o")
                .arg(out)
                .arg(&s.untracked)
                .args(["job", &recs]);
            cmd
        }
        Tool::Jemalloc => jeprof_job(
            s,
            &recs,
            &format!("prof:true,lg_prof_sample:{JEMALLOC_DEFAULT_RATE}"),
        ),
    }
}

/// The command `tool` is compared with: the same job without the tool
/// (jemalloc: the same binary with profiling off, so that the pair differs
/// in profiling alone; [`baseline_name`] says which).
pub(super) fn baseline_command(s: &Setup, tool: Tool, records: u64) -> Command {
    let recs = format!("--records={records}");
    match tool {
        Tool::Jemalloc => jeprof_job(s, &recs, "prof:false"),
        _ => {
            let mut cmd = kit::child::command(&s.untracked);
            cmd.args(["job", &recs]);
            cmd
        }
    }
}

/// What [`baseline_command`] runs for `tool`, in words.
pub(super) fn baseline_name(tool: Tool) -> &'static str {
    match tool {
        Tool::Jemalloc => "the same jemalloc binary, profiling off",
        _ => "the untracked binary alone",
    }
}

/// `ex8-jeprof job` with jemalloc's options `conf`.
fn jeprof_job(s: &Setup, recs: &str, conf: &str) -> Command {
    let mut cmd = kit::child::command(&s.jeprof);
    cmd.args(["job", recs]).env("_RJEM_MALLOC_CONF", conf);
    cmd
}

/// How the shoot-out finds its binaries and where it writes.
#[derive(Debug)]
pub struct Setup {
    /// `ex8-untracked`.
    pub untracked: PathBuf,
    /// `ex8` (tracked).
    pub tracked: PathBuf,
    /// `ex8` built with `dhat-heap`.
    pub dhat_rs: PathBuf,
    /// `ex8-jeprof`.
    pub jeprof: PathBuf,
    /// Tool outputs.
    pub out: PathBuf,
}

/// The target folder this binary was built in (`<target>/release/ex8`).
fn target_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{}: no target folder", exe.display()))
}

// ANCHOR: own_build
/// Builds `bin` of ex8 with `features` in a target folder of its own, in a
/// cargo invocation of its own: nothing else is built with those features,
/// so they cannot leak into other crates' builds by feature unification.
fn build_variant(features: &str, bin: &str, dir: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = kit::child::command(cargo)
        .args(["build", "--release", "--quiet", "--locked", "-p", "ex8"])
        .args(["--bin", bin, "--features", features, "--target-dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo to build {bin} with {features}: {e}"))?;
    if !status.success() {
        return Err(format!("building {bin} with {features} failed ({status})"));
    }
    Ok(dir.join("release").join(bin))
}
// ANCHOR_END: own_build

impl Setup {
    /// Builds what is missing: the untracked sibling (under cargo), the
    /// dhat build (target/dhat-build, as `cargo xtask dhat` makes it) and
    /// the jemalloc profiling build (target/jeprof).
    pub fn prepare() -> Result<Setup, String> {
        let untracked = crate::child::SIBLINGS.built_untracked()?;
        let target = target_dir()?;
        let dhat_rs = build_variant("dhat-heap", "ex8", &target.join("dhat-build"))?;
        let jeprof = build_variant("jeprof", "ex8-jeprof", &target.join("jeprof"))?;
        let out = target.join("shootout");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        Ok(Setup {
            untracked,
            tracked: std::env::current_exe().map_err(|e| e.to_string())?,
            dhat_rs,
            jeprof,
            out,
        })
    }
}

/// What one command cost.
pub(super) struct Ran {
    pub(super) wall_s: f64,
    pub(super) max_rss_kib: u64,
    pub(super) stdout: String,
}

// ANCHOR: wait4
/// Runs `cmd` to the end and returns its wall time, the peak RSS of its
/// largest process (Linux's `wait4` reports the child's own and that of
/// the children it waited for) and its stdout. Its stderr goes to `log`.
pub(super) fn run(cmd: &mut Command, log: &Path) -> Result<Ran, String> {
    let err = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)
            .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    }
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child.id()` is our child, not yet waited for (we never call
    // `child.wait`); `status` and `usage` are valid for writes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall_s = start.elapsed().as_secs_f64();
    if pid < 0 {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "{:?} {:?} failed (status {status}); its messages are in {}",
            cmd.get_program(),
            cmd.get_args().collect::<Vec<_>>(),
            log.display()
        ));
    }
    Ok(Ran {
        wall_s,
        max_rss_kib: usage.ru_maxrss as u64,
        stdout,
    })
}
// ANCHOR_END: wait4
