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
    util::build_release()?;
    for (ex, e) in &m.exercises {
        for args in &e.memcheck {
            println!("memcheck: {ex} {args}");
            util::output(
                util::exercise_command("valgrind")
                    .args(["--quiet", "--error-exitcode=99", "--leak-check=no"])
                    .arg(release_bin(ex))
                    .args(manifest::args(args)),
            )?;
        }
    }
    Ok(())
}

/// `cargo clippy --workspace --all-targets -- -D warnings`, as CI runs it.
pub(crate) fn clippy() -> Result<()> {
    util::run(util::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))
}

/// The target folder of the builds without default features.
pub(crate) fn no_default_features_dir() -> std::path::PathBuf {
    util::target_dir().join("no-default-features")
}

/// The builds the exercise checks run, each in a target folder of its own
/// seeded with the release build's dependencies, so it never replaces the
/// normal build's binaries: the variants an exercise builds of itself
/// (`variants`, a warning fails), and each exercise's build without
/// default features (what Windows MSVC gets), kept lint-clean and tested.
/// With `log`, their output goes there (the test command runs them in the
/// background of another step, then calls `exercise_checks` with
/// `built`); `cargo xtask checks` runs them first.
pub(crate) fn exercise_builds(m: &Manifest, log: Option<&std::path::Path>) -> Result<()> {
    let quiet = |cmd: &mut Command| -> Result<()> {
        match log {
            Some(log) => util::output_to(cmd, log, true),
            None => Ok(()),
        }
    };
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
            let mut cmd = util::cargo(&["build", "--release", "--locked", "--quiet", "-p", ex]);
            cmd.args(["--bin", bin, "--features", features, "--target-dir"])
                .arg(&dir);
            crate::seed::run_denying_warnings(&mut cmd, log)
                .map_err(|e| format!("{ex}: its variant {bin} with {features}: {e}"))?;
        }
        if e.check_without_default_features.is_empty() {
            continue;
        }
        let dir = no_default_features_dir();
        if !seeded {
            // The checks, tests and builds below compile only the exercise.
            crate::seed::seed(&util::target_dir(), &dir, &["debug", "release"])?;
            seeded = true;
        }
        let dir_s = dir.to_string_lossy().to_string();
        let common = [
            "--locked",
            "--quiet",
            "-p",
            ex,
            "--no-default-features",
            "--target-dir",
            &dir_s,
        ];
        for args in [
            &["clippy", "--all-targets"][..],
            &["test", "--release"],
            &["build", "--release"],
        ] {
            let mut cmd = util::cargo(args);
            cmd.args(common);
            if args[0] == "clippy" {
                cmd.args(["--", "-D", "warnings"]);
            }
            quiet(&mut cmd)?;
            util::run(&mut cmd).map_err(|e| format!("{ex} without default features: {e}"))?;
        }
    }
    Ok(())
}

/// `cargo xtask checks`: each exercise's fact checks (`check`), then its
/// build without default features (`check_without_default_features`) run
/// (the builds of [`exercise_builds`] first, unless `built`: the test
/// command ran them already, and would otherwise run the tests without
/// default features twice).
pub fn exercise_checks(m: &Manifest, built: bool) -> Result<()> {
    util::build_release()?;
    if !built {
        exercise_builds(m, None)?;
    }
    for (ex, e) in &m.exercises {
        for args in &e.check {
            println!("check: {ex} {args}");
            util::run(util::exercise_command(release_bin(ex)).args(manifest::args(args)))?;
        }
        let dir = no_default_features_dir();
        for args in &e.check_without_default_features {
            println!("check without default features: {ex} {args}");
            util::output(
                util::exercise_command(dir.join("release").join(ex)).args(manifest::args(args)),
            )?;
        }
    }
    Ok(())
}
