//! Running commands, timing steps, and the one error type.

use std::borrow::BorrowMut;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Every failure is one line for the user.
pub type Result<T> = std::result::Result<T, String>;

/// Fails with `msg`.
pub(crate) fn fail<T>(msg: impl Into<String>) -> Result<T> {
    Err(msg.into())
}

/// A root chosen at run time (`set_root`), instead of where this program
/// was built.
static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes `root()` answer `dir` from now on (`cargo xtask learn` works on the
/// workspace it is run in: a starter copy shares its build folder with the
/// project, so its binary may have been built from the project's sources).
pub(crate) fn set_root(dir: PathBuf) {
    let _ = ROOT.set(dir);
}

/// Makes the root the current folder: paths the commands print and run
/// with are relative to it.
pub fn enter_root() -> Result<()> {
    std::env::set_current_dir(root()).map_err(|e| format!("{}: {e}", root().display()))
}

/// The repository root (the xtask crate's parent folder).
pub fn root() -> PathBuf {
    if let Some(r) = ROOT.get() {
        return r.clone();
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Cargo's target folder, as the workspace's own commands use it.
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Lexical normalisation of `a/./b/../c` (no file system access).
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The release binary of an exercise.
pub(crate) fn release_bin(ex: &str) -> PathBuf {
    target_dir().join("release").join(ex)
}

/// Builds the release binaries the runs use: every package but the xtask,
/// which nothing runs optimised.
pub(crate) fn build_release() -> Result<()> {
    run(&mut cargo(&[
        "build",
        "--release",
        "--workspace",
        "--exclude",
        "xtask",
        "--locked",
        "--quiet",
    ]))
}

/// `program` (an exercise's binary, or a tool that runs one) from the root,
/// without `CARGO` in its environment. An exercise started by cargo (which
/// sets `CARGO`) builds its sibling binaries first with `cargo build -p
/// exN` (`kit::child`), and a build of one package resolves features
/// differently from the workspace's: every shared crate would compile again.
/// The steps that run exercises have built the whole workspace already.
pub(crate) fn exercise_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_remove("CARGO").current_dir(root());
    cmd
}

/// A command, for printing.
fn show(cmd: &Command) -> String {
    let mut s = String::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            s += &format!("{}={} ", k.to_string_lossy(), v.to_string_lossy());
        }
    }
    s += &cmd.get_program().to_string_lossy();
    for a in cmd.get_args() {
        s.push(' ');
        s += &a.to_string_lossy();
    }
    s
}

/// Runs `cmd` with inherited output; fails if it does not exit 0.
pub(crate) fn run(mut cmd: impl BorrowMut<Command>) -> Result<()> {
    let cmd = cmd.borrow_mut();
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {}: {e}", show(cmd)))?;
    if !status.success() {
        return fail(format!("{} failed ({status})", show(cmd)));
    }
    Ok(())
}

/// Sends `cmd`'s stdout and stderr, in order, to the file `log`: a new
/// file, or appended to it when `append`.
pub(crate) fn output_to(cmd: &mut Command, log: &Path, append: bool) -> Result<()> {
    let file = std::fs::File::options()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(log)
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    cmd.stdout(file).stderr(err);
    Ok(())
}

/// Runs `cmd` and returns its stdout (stderr passes through); fails if it
/// does not exit 0.
pub(crate) fn output(mut cmd: impl BorrowMut<Command>) -> Result<String> {
    let cmd = cmd.borrow_mut();
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", show(cmd)))?;
    if !out.status.success() {
        return fail(format!("{} failed ({})", show(cmd), out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{}: output is not UTF-8", show(cmd)))
}

/// `cargo` with the given arguments, run from the root.
pub(crate) fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(args).current_dir(root());
    cmd
}

/// Whether `program` is on the PATH.
pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Numbered steps with the time each took, as the test command prints them.
pub(crate) struct Steps {
    start: Instant,
    current: Option<(String, Instant)>,
    done: Vec<(String, f64)>,
}

impl Steps {
    pub(crate) fn new() -> Steps {
        Steps {
            start: Instant::now(),
            current: None,
            done: Vec::new(),
        }
    }

    /// Ends the running step (if any) and starts `name`.
    pub(crate) fn step(&mut self, name: &str) {
        self.finish();
        let t = self.start.elapsed().as_secs();
        println!("\n==> [{}m{:02}s] {name}", t / 60, t % 60);
        self.current = Some((name.to_string(), Instant::now()));
    }

    fn finish(&mut self) {
        if let Some((name, started)) = self.current.take() {
            let secs = started.elapsed().as_secs_f64();
            println!("    ({secs:.1} s)");
            self.done.push((name, secs));
        }
    }

    /// Seconds since the first step started.
    pub(crate) fn total(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Ends the last step and prints every step's time.
    pub(crate) fn summary(&mut self) {
        self.finish();
        println!("\nsteps and their times:");
        for (name, secs) in &self.done {
            println!("{secs:8.1} s  {name}");
        }
        println!("{:8.1} s  in all", self.start.elapsed().as_secs_f64());
    }
}

/// Writes `data` to `path` unless it already holds exactly that (so cargo
/// does not rebuild what did not change).
pub(crate) fn write_if_changed(path: &Path, data: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == data) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads a text file, with its path in the error.
pub(crate) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A path relative to the root, for messages.
pub(crate) fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every file under `dir`, recursively, sorted.
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The project's files under `tops` (files or folders), relative to the
/// root: tracked and untracked-but-not-ignored files (a new test file
/// belongs in the starter copy before it is committed); without git, a walk
/// of the same folders.
pub fn project_files(tops: &[&str]) -> Vec<String> {
    let root = root();
    let git = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
        ])
        .args(tops)
        .current_dir(&root)
        .output();
    if let Ok(out) = git
        && out.status.success()
    {
        let files: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|f| !f.is_empty() && root.join(f).is_file())
            .map(str::to_string)
            .collect();
        if !files.is_empty() {
            return files.into_iter().collect();
        }
    }
    let mut files = Vec::new();
    for top in tops {
        let p = root.join(top);
        if p.is_file() {
            files.push(top.to_string());
        } else if p.is_dir() {
            files.extend(
                walk(&p)
                    .iter()
                    .map(|f| rel(f))
                    .filter(|f| !f.contains("/target/")),
            );
        }
    }
    files.sort();
    files
}

/// A fresh temporary folder under the target folder.
pub(crate) fn temp_dir(label: &str) -> Result<PathBuf> {
    let dir = target_dir()
        .join("xtask-tmp")
        .join(format!("{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Each workspace member's workspace dependencies, by package name:
/// (normal and build dependencies, dev-dependencies), from `cargo metadata`.
pub(crate) type Deps = std::collections::BTreeMap<
    String,
    (
        std::collections::BTreeSet<String>,
        std::collections::BTreeSet<String>,
    ),
>;

/// The workspace's packages and the workspace packages each depends on.
pub(crate) fn workspace_deps() -> Result<Deps> {
    let out = output(cargo(&[
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--locked",
        "--offline",
    ]))?;
    let meta: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut deps = Deps::new();
    for p in meta["packages"].as_array().into_iter().flatten() {
        let Some(name) = p["name"].as_str() else {
            continue;
        };
        let entry = deps.entry(name.to_string()).or_default();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            // A workspace package is a path dependency.
            let (Some(dep), true) = (d["name"].as_str(), d["path"].is_string()) else {
                continue;
            };
            if d["kind"] == "dev" {
                entry.1.insert(dep.to_string());
            } else {
                entry.0.insert(dep.to_string());
            }
        }
    }
    Ok(deps)
}

/// The workspace packages that `cargo test -p ex` builds: `ex`, its
/// dependencies and dev-dependencies, and theirs (not their dev ones).
pub(crate) fn tests_build(deps: &Deps, ex: &str) -> std::collections::BTreeSet<String> {
    let mut built = std::collections::BTreeSet::from([ex.to_string()]);
    let mut todo: Vec<String> = deps
        .get(ex)
        .map(|(normal, dev)| normal.iter().chain(dev).cloned().collect())
        .unwrap_or_default();
    while let Some(p) = todo.pop() {
        if built.insert(p.clone())
            && let Some((normal, _)) = deps.get(&p)
        {
            todo.extend(normal.iter().cloned());
        }
    }
    built
}
