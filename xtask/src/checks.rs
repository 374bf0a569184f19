//! The tools the checks need, and the checks that only run a tool.

use std::process::Command;

use crate::manifest::{self, Manifest};
use crate::util::{self, Result, fail, release_bin, root};

/// The pinned book builder.
pub const MDBOOK_VERSION: &str = "0.5.4";
/// The pinned quiz preprocessor (the chapters' predictions).
pub const MDBOOK_QUIZ_VERSION: &str = "0.5.0";
/// The pinned spelling checker.
pub const TYPOS_VERSION: &str = "1.40.0";
/// The browser the browser tests drive: Debian's, never a download.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// valgrind's dhat viewer (valgrind 3.17+).
pub const DH_VIEW: &str = "/usr/libexec/valgrind/dh_view.html";

/// `program --version`'s output, trimmed, if it runs.
fn version(program: &str) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Installs the pinned mdbook if it is missing or another version.
pub fn ensure_mdbook() -> Result<()> {
    if version("mdbook").as_deref() != Some(&format!("mdbook v{MDBOOK_VERSION}")) {
        println!("installing mdbook {MDBOOK_VERSION} (takes a couple of minutes)");
        util::run(util::cargo(&[
            "install",
            "mdbook",
            "--version",
            MDBOOK_VERSION,
            "--locked",
            "--quiet",
        ]))?;
    }
    Ok(())
}

/// Installs the pinned mdbook-quiz if it is missing or another version.
pub fn ensure_mdbook_quiz() -> Result<()> {
    if version("mdbook-quiz").as_deref() != Some(&format!("mdbook-quiz {MDBOOK_QUIZ_VERSION}")) {
        println!("installing mdbook-quiz {MDBOOK_QUIZ_VERSION} (takes a few minutes)");
        util::run(util::cargo(&[
            "install",
            "mdbook-quiz",
            "--version",
            MDBOOK_QUIZ_VERSION,
            "--locked",
            "--quiet",
        ]))?;
    }
    Ok(())
}

/// `cargo xtask install`: what the checks need, installed when missing
/// (quick when all is present): rustfmt and clippy, the pinned mdbook,
/// mdbook-quiz and typos-cli, and Debian's valgrind, heaptrack, nodejs/npm and
/// chromium (as root).
pub fn install() -> Result<()> {
    let installed = util::output(Command::new("rustup").args(["component", "list", "--installed"]))
        .unwrap_or_default();
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|l| l.starts_with(component)) {
            util::run(Command::new("rustup").args(["component", "add", component]))?;
        }
    }
    ensure_mdbook()?;
    ensure_mdbook_quiz()?;
    if version("typos").as_deref() != Some(&format!("typos-cli {TYPOS_VERSION}")) {
        println!("installing typos-cli {TYPOS_VERSION} (takes a few minutes)");
        util::run(util::cargo(&[
            "install",
            "typos-cli",
            "--version",
            TYPOS_VERSION,
            "--locked",
            "--quiet",
        ]))?;
    }
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
    if !std::path::Path::new(CHROMIUM).is_file() {
        apt.push("chromium");
    }
    if !apt.is_empty() {
        let uid = util::output(Command::new("id").arg("-u")).unwrap_or_default();
        if uid.trim() != "0" {
            return fail(format!(
                "please install Debian's {} (e.g. sudo apt-get install {})",
                apt.join(", "),
                apt.join(" ")
            ));
        }
        util::run(Command::new("apt-get").args(["update", "-qq"]))?;
        util::run(
            Command::new("apt-get")
                .args(["install", "-y", "-qq"])
                .args(&apt),
        )?;
    }
    println!(
        "mdbook v{MDBOOK_VERSION}, mdbook-quiz {MDBOOK_QUIZ_VERSION}, typos-cli {TYPOS_VERSION}, valgrind, heaptrack, node, chromium: present"
    );
    Ok(())
}

/// `cargo xtask spelling`: typos in the book and the code (words that are
/// really names are allowed in `_typos.toml`).
pub fn spelling() -> Result<()> {
    util::run(Command::new("typos").current_dir(root()))?;
    println!("spelling: no typos found");
    Ok(())
}

/// `cargo xtask memcheck`: the manifest's memcheck runs under valgrind: any
/// invalid read or write or use of uninitialised memory fails. (Stable Rust
/// has no Miri or sanitizers; valgrind is the tool for allocator code.)
pub fn memcheck(m: &Manifest) -> Result<()> {
    crate::generate::build_release()?;
    for (ex, e) in &m.exercises {
        for args in &e.memcheck {
            println!("memcheck: {ex} {args}");
            util::output(
                Command::new("valgrind")
                    .args(["--quiet", "--error-exitcode=99", "--leak-check=no"])
                    .arg(release_bin(ex))
                    .args(manifest::args(args))
                    .current_dir(root()),
            )?;
        }
    }
    Ok(())
}

/// The target folder of the builds without default features.
pub fn no_default_features_dir() -> std::path::PathBuf {
    util::target_dir().join("no-default-features")
}

/// `cargo xtask checks`: each exercise's fact checks (`check`), and its
/// build without default features (`check_without_default_features`: what
/// Windows MSVC gets), kept lint-clean, tested and run, in a target folder
/// of its own so it never replaces the normal build's binaries. The
/// exercises share that folder: their common dependencies, built with the
/// same features, are built once.
pub fn exercise_checks(m: &Manifest) -> Result<()> {
    crate::generate::build_release()?;
    let started = std::time::Instant::now();
    for (ex, e) in &m.exercises {
        for args in &e.check {
            println!(
                "check: {ex} {args} ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
            util::run(
                Command::new(release_bin(ex))
                    .args(manifest::args(args))
                    .current_dir(root()),
            )?;
        }
        if e.check_without_default_features.is_empty() {
            continue;
        }
        let dir = no_default_features_dir();
        let dir_s = dir.to_string_lossy().to_string();
        println!(
            "{ex} without default features, target dir {} ({:.1} s)",
            util::rel(&dir),
            started.elapsed().as_secs_f64()
        );
        let common = [
            "--locked",
            "--quiet",
            "-p",
            ex,
            "--no-default-features",
            "--target-dir",
            &dir_s,
        ];
        util::run(
            util::cargo(&["clippy", "--all-targets"])
                .args(common)
                .args(["--", "-D", "warnings"]),
        )?;
        util::run(util::cargo(&["test", "--release"]).args(common))?;
        util::run(util::cargo(&["build", "--release"]).args(common))?;
        for args in &e.check_without_default_features {
            println!("check without default features: {ex} {args}");
            util::output(
                Command::new(dir.join("release").join(ex))
                    .args(manifest::args(args))
                    .current_dir(root()),
            )?;
        }
    }
    Ok(())
}
