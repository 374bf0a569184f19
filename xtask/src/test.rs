//! `cargo xtask test`: the one test command, what CI runs. Each step prints
//! its name and how long it took; the first failure stops the run.

use crate::manifest::Manifest;
use crate::util::{self, Result, Steps};

/// Tests skipped in the dev-profile run, each with the reason: unoptimised,
/// they take minutes, and the release run covers them.
const TOO_SLOW_UNOPTIMISED: &[(&str, &str)] = &[];

/// Every check, in order.
pub fn all(m: &Manifest) -> Result<()> {
    let mut steps = Steps::new();
    steps.step("install what the checks need");
    crate::checks::install()?;

    steps.step("cargo fmt --check");
    util::run(&mut util::cargo(&["fmt", "--all", "--", "--check"]))?;

    steps.step("spelling (typos)");
    crate::checks::spelling()?;

    steps.step("cargo clippy (all targets, -D warnings)");
    util::run(&mut util::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;

    steps.step("cargo test (release: some tests spawn threads and churn)");
    util::run(&mut util::cargo(&[
        "test",
        "--workspace",
        "--release",
        "--locked",
    ]))?;

    steps.step("cargo test (dev profile: overflow checks and debug_asserts on)");
    dev_tests()?;

    steps.step("starter mode: the learner's copy builds, fails per exercise, passes once solved");
    crate::starter::check(m)?;

    steps.step(
        "every exercise built and run with its dhat-heap feature, each profile against the tracker",
    );
    crate::dhat::dhat(m, &[])?;

    steps.step("generated outputs match what the crates print now");
    crate::generate::generate(m, true, &[])?;

    steps.step("exercise checks (facts, builds without default features)");
    crate::checks::exercise_checks(m)?;

    steps.step("valgrind memcheck over the tracking allocator");
    crate::checks::memcheck(m)?;

    steps.step("the book builds with every include resolved and every link alive");
    crate::book::check(m)?;

    steps.step("what a reader sees: the book and the dhat viewer in headless Chromium");
    crate::browser::test(m)?;

    steps.summary();
    println!("cargo xtask test: all checks passed");
    Ok(())
}

/// Every test once more in the dev profile (integration tests included),
/// where arithmetic overflow panics and `debug_assert!`s run.
fn dev_tests() -> Result<()> {
    let mut args = vec!["test", "--workspace", "--locked", "--", "--include-ignored"];
    args.truncate(3);
    let mut cmd = util::cargo(&args);
    if !TOO_SLOW_UNOPTIMISED.is_empty() {
        cmd.arg("--");
        for (name, why) in TOO_SLOW_UNOPTIMISED {
            println!("skipped in the dev profile: {name} ({why})");
            cmd.args(["--skip", name]);
        }
    }
    util::run(&mut cmd)
}
