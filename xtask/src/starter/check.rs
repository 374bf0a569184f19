//! `cargo xtask check-starter`: the starter copy is proven, not trusted.
//! A fresh copy builds clippy-clean, each task's own test fails on that
//! task's `todo!()`, each exercise passes once its solution is put back, and
//! the runner (`cargo xtask learn`) walks a learner through the first tasks.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use super::{source_files, transform, write};
use crate::manifest::{self, Manifest};
use crate::tasks::{FoundTask, all_tasks, exercise_of};
use crate::util::{self, Result, fail, root};

/// `cargo xtask check-starter`: a fresh starter copy builds clippy-clean,
/// each exercise's tests fail there on a `todo!()` of every one of its
/// tasks, and pass once that exercise's solution (and those it needs) is put
/// back (shown without a second build: see below). The copy builds in its
/// own target folder (inside it), seeded with this workspace's third-party
/// build results (`seed::seed`).
pub fn check(m: &Manifest) -> Result<()> {
    let tasks = all_tasks(m)?;
    for (ex, _) in &m.exercises {
        if !tasks.iter().any(|t| &t.ex == ex) {
            return fail(format!("{ex} has no learner task (// ANCHOR: task_NAME)"));
        }
    }
    let build_dir = std::path::absolute(util::target_dir()).map_err(|e| e.to_string())?;
    let work = util::temp_dir("starter")?;
    let copy = work.join("starter");
    write(m, &copy, &BTreeSet::new(), false)?;
    let target = copy.join("target");
    let started = std::time::Instant::now();
    let bytes = crate::seed::seed(&build_dir, &target, &["debug", "release"])?;
    println!(
        "starter copy: its target folder seeded with {} MiB of dependencies in {:.1} s",
        bytes >> 20,
        started.elapsed().as_secs_f64()
    );
    let starter_cargo = |args: &[&str]| {
        let mut cmd = util::cargo(args);
        cmd.current_dir(&copy)
            .env_remove("CARGO_BUILD_BUILD_DIR")
            .env("CARGO_TARGET_DIR", &target);
        cmd
    };
    util::run(&mut starter_cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;
    println!(
        "starter copy: builds clippy clean, all targets ({:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let log_of = |cmd: &mut Command| -> Result<(bool, String)> {
        let out = cmd.output().map_err(|e| e.to_string())?;
        let log = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        Ok((out.status.success(), log))
    };
    let tail = |log: &str| {
        let lines: Vec<&str> = log.lines().collect();
        eprintln!("{}", lines[lines.len().saturating_sub(40)..].join("\n"));
    };
    // The copy's tests build in the dev profile: its dependencies come
    // seeded from the dev test step, its own crates compile faster than
    // optimised, and the tests assert counts, which no profile changes.
    //
    // Each task's own test (the manifest names it) must fail on that
    // task's todo!(): a task whose test stopped at another task's todo!()
    // first would never turn it red. An exercise that needs others is
    // tested as a learner meets it, with those solved (a second state of
    // the copy). In each state, one build and one run of those tests, the
    // output split by test binary (`cargo test -p exN` per exercise would
    // unify features anew each time, and recompile).
    let needed: BTreeSet<String> = m
        .exercises
        .iter()
        .flat_map(|(_, e)| e.needs.iter().cloned())
        .collect();
    let states = [(BTreeSet::new(), false), (needed, true)];
    for (solved, with_needs) in &states {
        let exercises: Vec<&String> = m
            .exercises
            .iter()
            .filter(|(_, e)| e.needs.is_empty() != *with_needs)
            .map(|(ex, _)| ex)
            .collect();
        if exercises.is_empty() {
            continue;
        }
        write(m, &copy, solved, true)?;
        let mut selection: Vec<String> = Vec::new();
        for ex in &exercises {
            selection.extend(["-p".to_string(), ex.to_string()]);
        }
        let names: BTreeSet<&str> = tasks
            .iter()
            .filter(|t| exercises.contains(&&t.ex))
            .map(|t| t.task.test.as_str())
            .collect();
        for name in &names {
            selection.extend(["--test".to_string(), name.to_string()]);
        }
        let with = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(selection.iter().map(String::as_str));
            starter_cargo(&all)
        };
        let owners = test_owners(&mut with(&[
            "test",
            "--locked",
            "--no-run",
            "--message-format=json",
        ]))?;
        let log_file = work.join("tests.log");
        let (ok, log) = {
            let mut cmd = with(&["test", "--locked", "--no-fail-fast"]);
            util::output_to(&mut cmd, &log_file, false)?;
            let status = cmd.status().map_err(|e| e.to_string())?;
            (status.success(), util::read(&log_file)?)
        };
        if ok {
            return fail("starter: the tasks' tests pass in the copy with their tasks missing");
        }
        let sections = split_by_test(&log, &owners);
        for ex in &exercises {
            let mut reached = Vec::new();
            for t in tasks.iter().filter(|t| &&t.ex == ex) {
                let key = (ex.to_string(), t.task.test.clone());
                let log = sections.get(&key).map_or("", String::as_str);
                let needle = format!("not yet implemented: {ex} task {}", t.span.name);
                let hit = log.match_indices(&needle).any(|(i, _)| {
                    !log[i + needle.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if !hit {
                    tail(log);
                    return fail(format!(
                        "starter {ex}: its test {} does not reach task {}'s todo!()",
                        t.task.test, t.span.name
                    ));
                }
                reached.push(t.span.name.as_str());
            }
            let kept = if solved.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = solved.iter().map(String::as_str).collect();
                format!(" ({} solved)", names.join(", "))
            };
            println!(
                "starter {ex}: each task's own test fails on its todo!(){kept}: {} ({:.1} s)",
                reached.join(" "),
                started.elapsed().as_secs_f64()
            );
        }
    }
    // The runner (`cargo xtask learn`) as a learner builds it.
    util::run(&mut starter_cargo(&[
        "build", "--locked", "--quiet", "-p", "xtask",
    ]))?;
    // The runner: the copy's own xtask, as built above.
    learn_check(&tasks, &mut |solved: &[&str], flag: &str| {
        let solved: BTreeSet<String> = solved.iter().map(|s| s.to_string()).collect();
        write(m, &copy, &solved, true)?;
        let mut cmd = Command::new(target.join("debug/xtask"));
        cmd.args(["learn", flag])
            .current_dir(&copy)
            .env_remove("CARGO_BUILD_BUILD_DIR")
            .env("CARGO_TARGET_DIR", &target);
        log_of(&mut cmd)
    })?;
    // The other half: each exercise's tests pass once its solution (and
    // those it needs) is put back. Putting a solution back restores its
    // files byte for byte, so when nothing the exercise's tests build is
    // still a todo!(), the solved copy *is* the project for those tests (but
    // for lint allowances, which only silence warnings): the project's own
    // tests are the proof (the release test step runs them all, the
    // commands step `cargo test --release -p exN` as the book gives it).
    // The others must be run in the copy, with the exercises they build but
    // do not need left unsolved; exercises whose unsolved sets agree share
    // one state of the copy, one build and one run.
    let deps = util::workspace_deps()?;
    let files = source_files();
    let with_tasks: BTreeSet<&str> = tasks.iter().map(|t| t.ex.as_str()).collect();
    // (solved in this state, exercises run in it, exercises that must stay unsolved)
    let mut runs: Vec<(BTreeSet<String>, Vec<String>, BTreeSet<String>)> = Vec::new();
    for (ex, e) in &m.exercises {
        let mut solved: BTreeSet<String> = e.needs.iter().cloned().collect();
        solved.insert(ex.clone());
        let built = util::tests_build(&deps, ex);
        let unsolved: BTreeSet<String> = built
            .iter()
            .filter(|b| with_tasks.contains(b.as_str()) && !solved.contains(*b))
            .cloned()
            .collect();
        if unsolved.is_empty() {
            for file in files.iter().filter(|f| f.ends_with(".rs")) {
                if exercise_of(file).is_none_or(|x| !built.contains(x)) {
                    continue;
                }
                let text = util::read(&root().join(file))?;
                if transform(m, file, &text, &solved)?.0 != text {
                    return fail(format!(
                        "starter {ex}: {file} differs from the project with its solution put back"
                    ));
                }
            }
            let names: Vec<&str> = built.iter().map(String::as_str).collect();
            println!(
                "starter {ex}: with its solution put back, its tests build exactly the \
                 project's {}",
                names.join(", ")
            );
            continue;
        }
        let fits = |(s, _, keep): &(BTreeSet<String>, Vec<String>, BTreeSet<String>)| {
            s.is_disjoint(&unsolved) && keep.is_disjoint(&solved)
        };
        match runs.iter_mut().find(|r| fits(r)) {
            Some((s, exs, keep)) => {
                s.extend(solved);
                exs.push(ex.clone());
                keep.extend(unsolved);
            }
            None => runs.push((solved, vec![ex.clone()], unsolved)),
        }
    }
    for (solved, exercises, unsolved) in &runs {
        write(m, &copy, solved, true)?;
        let mut args = vec!["test", "--locked"];
        for ex in exercises {
            args.extend(["-p", ex.as_str()]);
        }
        let (ok, log) = log_of(&mut starter_cargo(&args))?;
        let names: Vec<&str> = exercises.iter().map(String::as_str).collect();
        let left: Vec<&str> = unsolved.iter().map(String::as_str).collect();
        if !ok {
            tail(&log);
            return fail(format!(
                "starter {}: with their solutions put back (and {} still todo!()), their tests fail",
                names.join(", "),
                left.join(", ")
            ));
        }
        println!(
            "starter {}: solutions in, {} still todo!(): tests pass ({:.1} s)",
            names.join(", "),
            left.join(", "),
            started.elapsed().as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    println!("starter: every exercise fails on its own todo!()s and passes once solved");
    Ok(())
}

/// The exercise and test target (`(exN, NAME)` for `tests/NAME.rs`) of each
/// test executable of a `cargo test --no-run --message-format=json`, by the
/// executable's file name.
type Owners = std::collections::BTreeMap<String, (String, String)>;

fn test_owners(cmd: &mut Command) -> Result<Owners> {
    let out = util::output(cmd)?;
    let mut owners = Owners::new();
    for line in out.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(exe), Some(manifest), Some(name)) = (
            msg["executable"].as_str(),
            msg["manifest_path"].as_str(),
            msg["target"]["name"].as_str(),
        ) else {
            continue;
        };
        // exercises/exN/Cargo.toml (ex9's nested allocator crate is not an exercise).
        let dir = Path::new(manifest).parent().and_then(|d| d.file_name());
        let file = Path::new(exe).file_name();
        if let (Some(dir), Some(file)) = (dir, file) {
            let dir = dir.to_string_lossy().to_string();
            if manifest::exercise_number(&dir).is_some() {
                owners.insert(file.to_string_lossy().to_string(), (dir, name.to_string()));
            }
        }
    }
    Ok(owners)
}

/// A `cargo test` log split by test binary: each `Running … (path/NAME-HASH)`
/// section goes to the (exercise, test) that owns the executable.
fn split_by_test(
    log: &str,
    owners: &Owners,
) -> std::collections::BTreeMap<(String, String), String> {
    let mut sections: std::collections::BTreeMap<(String, String), String> = Default::default();
    let mut current: Option<(String, String)> = None;
    for line in log.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("Running ") {
            current = rest
                .rsplit_once('(')
                .and_then(|(_, exe)| Path::new(exe.trim_end_matches(')')).file_name())
                .and_then(|f| owners.get(f.to_string_lossy().as_ref()))
                .cloned();
        } else if t.starts_with("Doc-tests ") {
            current = None;
        }
        if let Some(key) = &current {
            let s = sections.entry(key.clone()).or_default();
            s.push_str(line);
            s.push('\n');
        }
    }
    sections
}

/// A command's exit status (true: success) and its output.
type Outcome = (bool, String);

/// The runner in the starter copy, driven through its first task by its
/// scripted mode: `learn_once(solved)` writes the copy with those solutions
/// put back, runs `cargo xtask learn --once` there and returns its exit
/// status and output.
fn learn_check(
    tasks: &[FoundTask],
    learn: &mut dyn FnMut(&[&str], &str) -> Result<Outcome>,
) -> Result<()> {
    let [first, second, ..] = tasks else {
        return fail("the learning path needs two tasks to check its runner");
    };
    let total = tasks.len();
    let name = |t: &FoundTask| format!("{} {}", t.ex, t.span.name);
    let (ok, log) = learn(&[], "--once")?;
    let want = format!("next: task 1 of {total}: {}", name(first));
    if ok || !log.contains(&want) {
        eprintln!("{}", log);
        return fail(format!(
            "starter: `cargo xtask learn --once` in a fresh copy should fail, showing `{want}`"
        ));
    }
    // Hints on request: the nudge first, then the fuller hint too. Their
    // first words are enough to recognise them (the panel re-wraps them).
    let opening = |text: &str| {
        text.split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (nudge, more) = (
        format!("Hint: {}", opening(&first.task.nudge)),
        format!("More of a hint: {}", opening(&first.task.hint)),
    );
    let (_, log) = learn(&[], "--hint")?;
    if !log.contains(&nudge) || log.contains(&more) {
        eprintln!("{}", log);
        return fail(format!(
            "starter: the first `cargo xtask learn --hint` should show `{nudge}` and not yet \
             `{more}`"
        ));
    }
    let (_, log) = learn(&[], "--hint")?;
    if !log.contains(&nudge) || !log.contains(&more) {
        eprintln!("{}", log);
        return fail(format!(
            "starter: the second `cargo xtask learn --hint` should show `{nudge}` and `{more}`"
        ));
    }
    let solved = format!("{}/{}", first.ex, first.span.name);
    let (ok, log) = learn(&[&solved], "--once")?;
    let want = [
        format!("solved: {} (task 1 of {total})", name(first)),
        format!("next: task 2 of {total}: {}", name(second)),
    ];
    if !ok || !want.iter().all(|w| log.contains(w)) {
        eprintln!("{}", log);
        return fail(format!(
            "starter: with task 1's solution put back, `cargo xtask learn --once` should \
             succeed, showing `{}` and `{}`",
            want[0], want[1]
        ));
    }
    println!(
        "starter: `cargo xtask learn --once` shows task 1 unsolved, `--hint` its nudge then \
         more, then task 1 solved and task 2 next"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_logs_split_by_test_binary() {
        let owner = |ex: &str, t: &str| (ex.to_string(), t.to_string());
        let owners: Owners = [
            ("cli-0123456789abcdef".to_string(), owner("ex2", "cli")),
            ("naive-fedcba9876543210".to_string(), owner("ex1", "naive")),
        ]
        .into_iter()
        .collect();
        let log = "     Running tests/naive.rs (target/release/deps/naive-fedcba9876543210)\n\
                   panicked: not yet implemented: ex1 task naive_alloc\n\
                   \x20    Running tests/cli.rs (target/release/deps/cli-0123456789abcdef)\n\
                   ok\n\
                   \x20  Doc-tests ex4\n\
                   doc\n";
        let got = split_by_test(log, &owners);
        assert!(got[&owner("ex1", "naive")].contains("ex1 task naive_alloc"));
        let cli = &got[&owner("ex2", "cli")];
        assert!(cli.contains("ok") && !cli.contains("naive") && !cli.contains("doc"));
        assert_eq!(got.len(), 2);
    }
}
