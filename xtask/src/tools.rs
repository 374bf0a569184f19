//! The tools the checks need: their pinned versions, where they come from,
//! and installing them when they are missing.
//!
//! - mdbook and mdbook-quiz: built from crates.io (no registry reachable
//!   here ships them prebuilt), into one shared target folder, so the
//!   dependencies the two have in common build once.
//! - typos-cli: the binary wheel that PyPI publishes (seconds), or built
//!   with cargo where there is no pip.
//! - Debian's valgrind, heaptrack, nodejs/npm and chromium, with apt as root;
//!   not as root, one line names them.
//!
//! `cargo xtask test` starts the slow installs in the background
//! ([`Background`]) and waits for each only before the first step that
//! needs it: the builds run at a low priority in the gaps the checks leave
//! (test runs, valgrind and the exercises' own runs use one core or none).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{self, Result, fail};

/// The pinned book builder.
pub(crate) const MDBOOK_VERSION: &str = "0.5.4";
/// The pinned quiz preprocessor (the chapters' predictions).
pub(crate) const MDBOOK_QUIZ_VERSION: &str = "0.5.0";
/// The pinned spelling checker.
pub(crate) const TYPOS_VERSION: &str = "1.40.0";
/// The browser the browser tests drive: Debian's, never a download.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// valgrind's dhat viewer (valgrind 3.17+).
pub(crate) const DH_VIEW: &str = "/usr/libexec/valgrind/dh_view.html";

/// `program --version`'s output, trimmed, if it runs.
fn version(program: &str) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`.
fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

/// Where the tools are built: one folder for both, so their common
/// dependencies build once. Kept between runs (under the target folder).
fn tools_target() -> PathBuf {
    util::target_dir().join("tools")
}

/// `cargo install` of both book tools in one command, pinned, into the
/// shared tools folder.
fn install_args() -> Vec<String> {
    vec![
        "install".into(),
        format!("mdbook@{MDBOOK_VERSION}"),
        format!("mdbook-quiz@{MDBOOK_QUIZ_VERSION}"),
        "--locked".into(),
        // Unoptimised: it builds in half the time, and the book is small
        // enough that mdbook's speed does not matter.
        "--debug".into(),
        "--quiet".into(),
        "--target-dir".into(),
        tools_target().to_string_lossy().to_string(),
    ]
}

fn mdbook_present() -> bool {
    version("mdbook").as_deref() == Some(&format!("mdbook v{MDBOOK_VERSION}"))
}

fn mdbook_quiz_present() -> bool {
    version("mdbook-quiz").as_deref() == Some(&format!("mdbook-quiz {MDBOOK_QUIZ_VERSION}"))
}

/// Installs the pinned mdbook and mdbook-quiz if missing or other versions.
pub(crate) fn ensure_book_tools() -> Result<()> {
    if mdbook_present() && mdbook_quiz_present() {
        return Ok(());
    }
    println!(
        "installing mdbook {MDBOOK_VERSION} and mdbook-quiz {MDBOOK_QUIZ_VERSION} \
         (built from source: a few minutes)"
    );
    util::run(util::cargo(&[]).args(install_args()))
}

/// Installs the pinned typos-cli if missing: PyPI's binary wheel, unpacked
/// by pip into a temporary folder, its binary moved beside cargo's; with
/// cargo (minutes) where there is no pip.
pub(crate) fn ensure_typos() -> Result<()> {
    if version("typos").as_deref() == Some(&format!("typos-cli {TYPOS_VERSION}")) {
        return Ok(());
    }
    let pip = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !pip {
        println!("installing typos-cli {TYPOS_VERSION} with cargo (no pip here: a few minutes)");
        return util::run(util::cargo(&[
            "install",
            &format!("typos-cli@{TYPOS_VERSION}"),
            "--locked",
            "--quiet",
        ]));
    }
    println!("installing typos-cli {TYPOS_VERSION} (PyPI's binary wheel)");
    let dir = util::temp_dir("typos")?;
    util::run(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--root-user-action=ignore",
                "--no-deps",
                "--only-binary=:all:",
                "--target",
            ])
            .arg(&dir)
            .arg(format!("typos=={TYPOS_VERSION}")),
    )?;
    let bin = cargo_bin();
    std::fs::create_dir_all(&bin).map_err(|e| format!("{}: {e}", bin.display()))?;
    let to = bin.join("typos");
    std::fs::copy(dir.join("bin/typos"), &to).map_err(|e| format!("typos wheel: {e}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    if version("typos").as_deref() != Some(&format!("typos-cli {TYPOS_VERSION}")) {
        return fail(format!(
            "typos-cli {TYPOS_VERSION} was put in {}, but `typos` on the PATH is another \
             (put {} first on the PATH)",
            to.display(),
            bin.display()
        ));
    }
    Ok(())
}

/// rustfmt and clippy, with rustup, if missing.
pub(crate) fn ensure_components() -> Result<()> {
    let installed = util::output(Command::new("rustup").args(["component", "list", "--installed"]))
        .unwrap_or_default();
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|l| l.starts_with(component)) {
            util::run(Command::new("rustup").args(["component", "add", component]))?;
        }
    }
    Ok(())
}

/// Debian's packages the checks need that are missing here.
fn missing_packages() -> Vec<&'static str> {
    let mut apt: Vec<&str> = Vec::new();
    if !util::on_path("valgrind") {
        apt.push("valgrind");
    }
    // Exercise 8's profiler shoot-out: heaptrack and heaptrack_print.
    if !util::on_path("heaptrack") || !util::on_path("heaptrack_print") {
        apt.push("heaptrack");
    }
    if !util::on_path("node") || !util::on_path("npm") {
        apt.extend(["nodejs", "npm"]);
    }
    if !Path::new(CHROMIUM).is_file() {
        apt.push("chromium");
    }
    apt
}

/// Fails naming the packages to install unless this runs as root.
fn check_root(apt: &[&str]) -> Result<()> {
    let uid = util::output(Command::new("id").arg("-u")).unwrap_or_default();
    if uid.trim() != "0" {
        return fail(format!(
            "please install Debian's {} (e.g. sudo apt-get install {})",
            apt.join(", "),
            apt.join(" ")
        ));
    }
    Ok(())
}

/// Installs Debian's packages the checks need, as root; otherwise fails
/// naming them.
fn ensure_packages() -> Result<()> {
    let apt = missing_packages();
    if apt.is_empty() {
        return Ok(());
    }
    check_root(&apt)?;
    println!("installing Debian's {}", apt.join(", "));
    util::run(Command::new("apt-get").args(["update", "-qq"]))?;
    util::run(
        Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&apt)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// `cargo xtask install`: everything, in the foreground.
pub fn install() -> Result<()> {
    ensure_components()?;
    ensure_typos()?;
    ensure_book_tools()?;
    ensure_packages()?;
    println!("{}", present());
    Ok(())
}

fn present() -> String {
    format!(
        "mdbook v{MDBOOK_VERSION}, mdbook-quiz {MDBOOK_QUIZ_VERSION}, typos-cli {TYPOS_VERSION}, \
         valgrind, heaptrack, node, chromium: present"
    )
}

/// An install running as a child process (its own process group), its
/// output in a log file. Dropped before it ends (a check failed), it is
/// stopped with everything it started.
pub(crate) struct Background {
    what: &'static str,
    log: PathBuf,
    started: Instant,
    child: Option<std::process::Child>,
}

impl Background {
    /// Starts `cmd` (or nothing, when `cmd` is `None`: already installed).
    fn start(what: &'static str, cmd: Option<Command>) -> Result<Background> {
        use std::os::unix::process::CommandExt;
        let slug: String = what.chars().filter(char::is_ascii_alphanumeric).collect();
        let log = util::temp_dir(&format!("install-{slug}"))?.join("log");
        let child = match cmd {
            None => None,
            Some(mut cmd) => {
                println!(
                    "{what}: installing in the background (log: {})",
                    util::rel(&log)
                );
                util::output_to(&mut cmd, &log, false)?;
                let child = cmd
                    .stdin(Stdio::null())
                    .process_group(0)
                    .spawn()
                    .map_err(|e| format!("{what}: cannot start the install: {e}"))?;
                Some(child)
            }
        };
        Ok(Background {
            what,
            log,
            started: Instant::now(),
            child,
        })
    }

    /// Waits for the install to end; fails with its log's tail if it did.
    pub(crate) fn wait(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let waited = Instant::now();
        let status = child.wait().map_err(|e| format!("{}: {e}", self.what))?;
        println!(
            "{}: installed ({:.0} s after it started in the background; waited {:.0} s for it)",
            self.what,
            self.started.elapsed().as_secs_f64(),
            waited.elapsed().as_secs_f64()
        );
        if !status.success() {
            let text = util::read(&self.log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("{}", lines[lines.len().saturating_sub(30)..].join("\n"));
            return fail(format!("{}: the install failed ({status})", self.what));
        }
        Ok(())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The whole group: cargo and the compilers it started.
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
    }
}

/// The slow installs of `cargo xtask test`, started in the background.
pub(crate) struct Installs {
    /// mdbook and mdbook-quiz (the book and browser steps).
    pub(crate) book: Background,
    /// Debian's packages (valgrind for tests and memcheck, exercise 8's
    /// profilers, the browser).
    pub(crate) packages: Background,
}

/// Installs what is quick now (rustup components, typos), starts the rest
/// in the background: the book's tools at a low priority, so that they
/// take the CPU only when the checks leave it idle.
pub(crate) fn start_installs() -> Result<Installs> {
    ensure_components()?;
    ensure_typos()?;
    let book = (!mdbook_present() || !mdbook_quiz_present()).then(|| {
        let mut cmd = Command::new("nice");
        cmd.args(["-n", "15"])
            .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(install_args());
        cmd
    });
    let apt = missing_packages();
    let packages = if apt.is_empty() {
        None
    } else {
        check_root(&apt)?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(
                "apt-get update -qq && apt-get install -y -qq {}",
                apt.join(" ")
            ))
            .env("DEBIAN_FRONTEND", "noninteractive");
        Some(cmd)
    };
    Ok(Installs {
        packages: Background::start("Debian's packages", packages)?,
        book: Background::start("mdbook and mdbook-quiz", book)?,
    })
}
