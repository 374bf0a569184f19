//! `cargo xtask test`: the one test command, what CI runs. Each step prints
//! its name and how long it took; the first failure stops the run.

use crate::manifest::Manifest;
use crate::util::{self, Result, Steps};

/// Tests skipped in the dev-profile run, as (name filter, reason): a test
/// that takes minutes unoptimised belongs here, as the release run covers it.
/// None does today: measured, the slowest test binary unoptimised is ex2's
/// `tests/cli.rs` at 12 s, and the whole dev run (with its build) 2.5 min.
const TOO_SLOW_UNOPTIMISED: &[(&str, &str)] = &[];

/// How long the whole test command may take from cold (a fresh clone, an
/// empty cargo home) on a 2-core machine, installs included.
const BUDGET_SECS: f64 = 20.0 * 60.0;

/// Set by `.ci/run` to the Unix time it started.
const STARTED_ENV: &str = "XTASK_TEST_STARTED";

/// Every check, in order.
pub fn all(m: &Manifest) -> Result<()> {
    let mut steps = Steps::new();
    steps.step("install what the checks need (the slow builds and apt in the background)");
    let mut installs = crate::tools::start_installs()?;

    steps.step("cargo fmt --check");
    util::run(&mut util::cargo(&["fmt", "--all", "--", "--check"]))?;

    steps.step("spelling (typos)");
    crate::checks::spelling()?;

    steps.step("cargo clippy (all targets, -D warnings)");
    crate::checks::clippy()?;

    steps.step("cargo test (release: some tests spawn threads and churn)");
    // ex9's memcheck test runs valgrind.
    installs.packages.wait()?;
    // Not the xtask: nothing in it is timed, its tests run in the dev step,
    // and optimising it cost this step 13 s (warm, 2 cores; its binary 11 s
    // more in `util::build_release`, which leaves it out too).
    util::run(&mut util::cargo(&[
        "test",
        "--workspace",
        "--exclude",
        "xtask",
        "--release",
        "--locked",
    ]))?;

    steps.step("cargo test (dev profile: overflow checks and debug_asserts on)");
    dev_tests()?;

    steps.step("starter mode: the learner's copy builds, fails per exercise, passes once solved; `learn` drives task 1");
    crate::starter::check(m)?;

    steps.step(
        "every exercise built and run with its dhat-heap feature, each profile against the tracker",
    );
    crate::dhat::dhat(m, &[])?;

    // The exercise checks' own builds (seeded, but jemalloc's profiling
    // build compiles C) run beside the regeneration, which mostly waits on
    // one exercise at a time and leaves a core idle.
    let log = util::temp_dir("exercise-builds")?.join("log");
    let builds = {
        let log = log.clone();
        std::thread::spawn(move || {
            let m = crate::manifest::Manifest::load(&util::root())?;
            crate::checks::exercise_builds(&m, Some(&log))
        })
    };
    steps.step("generated outputs match what the crates print now");
    let generated = crate::generate::generate(m, true, &[]);
    let built = builds
        .join()
        .unwrap_or_else(|_| util::fail("the exercise checks' builds panicked"));
    generated?;
    if let Err(e) = built {
        let text = util::read(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        eprintln!("{}", lines[lines.len().saturating_sub(40)..].join("\n"));
        return Err(e);
    }

    steps.step("exercise checks (facts, builds without default features)");
    crate::checks::exercise_checks(m, true)?;

    steps.step("valgrind memcheck over the tracking allocator");
    crate::checks::memcheck(m)?;

    steps.step("the book builds with every include resolved and every link alive");
    installs.book.wait()?;
    crate::book::check(m)?;

    steps.step("what a reader sees: the book and the dhat viewer in headless Chromium");
    crate::browser::test(m)?;

    steps.step("every command README.md and the book tell a reader to type");
    crate::commands::commands(m, false, None)?;

    steps.summary();
    // `.ci/run` notes when it started, so the total includes what came before
    // the first step: cargo fetching and building the xtask itself.
    let since_start = std::env::var(STARTED_ENV)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .and_then(|start| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            Some(now.as_secs().saturating_sub(start) as f64)
        });
    let total = since_start.unwrap_or(0.0).max(steps.total());
    println!(
        "cargo xtask test: all checks passed in {}m{:02}s ({}), {} the {}-minute budget \
         (a new step says in its change's note what it costs)",
        total as u64 / 60,
        total as u64 % 60,
        if since_start.is_some() {
            "from the start of .ci/run, the xtask's own build included"
        } else {
            "the steps alone"
        },
        if total <= BUDGET_SECS {
            "within"
        } else {
            "OVER"
        },
        BUDGET_SECS as u64 / 60
    );
    Ok(())
}

/// Every test once more in the dev profile (integration tests included),
/// where arithmetic overflow panics and `debug_assert!`s run.
fn dev_tests() -> Result<()> {
    let mut cmd = util::cargo(&["test", "--workspace", "--locked"]);
    if !TOO_SLOW_UNOPTIMISED.is_empty() {
        cmd.arg("--");
        for (name, why) in TOO_SLOW_UNOPTIMISED {
            println!("skipped in the dev profile: {name} ({why})");
            cmd.args(["--skip", name]);
        }
    }
    util::run(&mut cmd)
}
