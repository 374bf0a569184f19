//! The checks that only run a tool (typos, valgrind) or the exercises'
//! own fact checks; the tools themselves are installed by `tools.rs`.

use std::process::Command;

use crate::manifest::{self, Manifest};
use crate::util::{self, Result, fail, release_bin, root};

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
    let mut seeded = false;
    for (ex, e) in &m.exercises {
        for variant in &e.variants {
            let [dir, features, bin] = manifest::args(variant)[..] else {
                return fail(format!(
                    "{ex} variants: \"{variant}\" is not \"DIR FEATURES BIN\""
                ));
            };
            let dir = util::target_dir().join(dir);
            crate::seed::seed(&util::target_dir(), &dir, &["release"])?;
            println!(
                "{ex}: its variant {bin} with {features}, in {}",
                util::rel(&dir)
            );
            crate::seed::run_denying_warnings(
                util::cargo(&["build", "--release", "--locked", "--quiet", "-p", ex])
                    .args(["--bin", bin, "--features", features, "--target-dir"])
                    .arg(&dir),
            )?;
        }
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
        if !seeded {
            // The checks, tests and builds below compile only the exercise.
            let t = std::time::Instant::now();
            let bytes = crate::seed::seed(&util::target_dir(), &dir, &["debug", "release"])?;
            println!(
                "without default features: target folder seeded with {} MiB in {:.1} s",
                bytes >> 20,
                t.elapsed().as_secs_f64()
            );
            seeded = true;
        }
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
