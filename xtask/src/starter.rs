//! The learner's copy of the exercises: the starter workspace.
//!
//! One source for both: the solution code marks each part a learner writes
//! with a nested mdBook anchor around the tail of a block,
//!
//! ```text
//! // ANCHOR: task_NAME
//! ...the solution...
//! // ANCHOR_END: task_NAME
//! ```
//!
//! and `exercises/manifest.toml` gives each task its statement, difficulty,
//! two hints and the test file that checks it. mdBook drops anchor lines from every listing, so
//! the book shows the solution without the markers. The starter copy replaces
//! everything between the two lines by the statement (the hints come on
//! request, from `cargo xtask learn --hint`) and `todo!("exN task NAME")`, so it compiles, and every test that reaches a
//! missing body fails and names the task. Nothing else changes, apart from
//! allowances added to the workspace's lint tables (`[workspace.lints.*]`,
//! which every member inherits) so that the starter builds without warnings
//! about names only the missing bodies use. The copy carries the xtask too: it is a
//! member of the workspace it copies.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::anchors;
use crate::manifest::{self, Manifest};
use crate::tasks::{FoundTask, all_tasks, exercise_of, starter_body};
use crate::util::{self, Result, fail, root, write_if_changed};

/// What the starter workspace holds: the workspace, its exercises and its
/// tooling, not the book or the checks.
const COPY: &[&str] = &[
    "book.toml",
    "book",
    "Cargo.toml",
    "Cargo.lock",
    ".cargo",
    "src",
    "tests",
    "exercises",
    "xtask",
    ".gitignore",
    "LICENSE-MIT",
    "LICENSE-APACHE",
];

/// The files the starter copies, relative to the root.
fn source_files() -> Vec<String> {
    util::project_files(COPY)
}

/// Lints the starter allows: the bodies a learner writes will use these names
/// and imports; until then the compiler would warn about them. They go into
/// the root manifest's `[workspace.lints.GROUP]` tables, since a member that
/// inherits the workspace's lints may not have lint tables of its own.
const ALLOW: &[(&str, &[&str])] = &[
    (
        "rust",
        &[
            "unused_variables",
            "unused_imports",
            "unused_mut",
            "dead_code",
        ],
    ),
    // A `&mut Vec` parameter that only the missing body grows looks like a slice.
    ("clippy", &["ptr_arg"]),
];

/// The starter copy's root manifest: [`ALLOW`] merged into the workspace's
/// lint tables, right under each table's header.
fn starter_manifest(text: &str) -> Result<String> {
    let mut out = text.to_string();
    for (group, lints) in ALLOW {
        let header = format!("[workspace.lints.{group}]\n");
        let Some(at) = out.find(&header) else {
            return fail(format!(
                "Cargo.toml: no [workspace.lints.{group}] table for the starter's allowances"
            ));
        };
        let start = at + header.len();
        let end = out[start..].find("\n[").map_or(out.len(), |i| start + i);
        let mut add = String::from("# Starter copy: until the missing bodies are written.\n");
        for lint in *lints {
            let set = out[start..end]
                .lines()
                .any(|l| l.split('=').next().is_some_and(|k| k.trim() == *lint));
            if set {
                return fail(format!(
                    "Cargo.toml: [workspace.lints.{group}] already sets {lint}, which the starter allows"
                ));
            }
            add += &format!("{lint} = \"allow\"\n");
        }
        out.insert_str(start, &add);
    }
    Ok(out)
}

const README: &str = "# Allocators in Rust: starter workspace

The learner's copy of the book's exercises. Each learner task is a function body
replaced by `todo!()` with what to write above it; everything else is the same
as the solution. Start the learning path with

    cargo xtask learn

It shows the first task not solved yet (what to write, how hard it is, the file
and line, the test that checks it), re-runs that test whenever you save a file
under `exercises/`, and moves on to the next task when it passes
(`cargo xtask learn --once` checks once and exits). Stuck? Type `h` and Enter
while it watches, or run `cargo xtask learn --hint`: the first time a nudge,
the second time a fuller hint. Read the book beside it:
each chapter asks you to predict a result before it runs the experiment, and
folds its solutions away until you have tried.

The book is here too, with the solutions folded as in the original (they are
a snapshot in `book/solutions/`, taken when this copy was made):

    cargo xtask serve

Find the tasks yourself with

    grep -rn 'todo!(\"ex' exercises

Each chapter's \"Try it yourself\" section lists its tasks, and
`exercises/manifest.toml` holds every task's statement, hints and test. Run one
exercise's tests (they fail until you fill its tasks in, then pass):

    cargo test --release -p ex1

Exercise 6 runs exercise 5's `PhaseArena`: do exercise 5 first.
";

/// The starter text of one source file: unsolved tasks replaced.
fn transform(
    m: &Manifest,
    file: &str,
    text: &str,
    solved: &BTreeSet<String>,
) -> Result<(String, usize)> {
    let spans = anchors::tasks(file, text)?;
    if spans.is_empty() {
        return Ok((text.to_string(), 0));
    }
    let Some(ex) = exercise_of(file) else {
        return fail(format!("{file}: learner tasks belong in exercises/exN"));
    };
    if solved.contains(ex) {
        return Ok((text.to_string(), 0));
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::new();
    let mut next = 0;
    let mut replaced = 0;
    for span in &spans {
        let Some(task) = m
            .get(ex)
            .and_then(|e| e.tasks.iter().find(|t| t.name == span.name))
        else {
            return fail(format!(
                "{file}: task {} is not in {}",
                span.name,
                manifest::PATH
            ));
        };
        out.extend(lines[next..span.start].iter().map(|l| l.to_string()));
        if solved.contains(&format!("{ex}/{}", span.name)) {
            // This one task's solution, without its anchor lines.
            out.extend(
                lines[span.start + 1..span.end]
                    .iter()
                    .map(|l| l.to_string()),
            );
        } else {
            out.extend(starter_body(ex, span, task));
            replaced += 1;
        }
        next = span.end + 1;
    }
    out.extend(lines[next..].iter().map(|l| l.to_string()));
    Ok((out.join("\n"), replaced))
}

/// Writes the starter workspace into `dest`, keeping the solutions of the
/// exercises in `solved`.
pub fn write(m: &Manifest, dest: &Path, solved: &BTreeSet<String>, force: bool) -> Result<()> {
    let root = root();
    all_tasks(m)?;
    for s in solved {
        let (ex, task) = s.split_once('/').unwrap_or((s, ""));
        let known = m.get(ex).is_some_and(|e| {
            !e.tasks.is_empty() && (task.is_empty() || e.tasks.iter().any(|t| t.name == task))
        });
        if !known {
            return fail(format!(
                "--solved: no exercise with tasks (exN) or task (exN/NAME) named {s}"
            ));
        }
    }
    let dest = std::path::absolute(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    if let Ok(inside) = dest.strip_prefix(&root)
        && !inside.components().any(|c| c.as_os_str() == "target")
    {
        return fail(format!(
            "{}: write the starter copy outside the project (or under its target/)",
            dest.display()
        ));
    }
    if dest.read_dir().is_ok_and(|mut d| d.next().is_some()) && !force {
        return fail(format!(
            "{} exists and is not empty (pass --force to rewrite a starter copy)",
            dest.display()
        ));
    }
    let mut count = 0;
    for file in source_files() {
        let src = root.join(&file);
        let mut data = std::fs::read(&src).map_err(|e| format!("{file}: {e}"))?;
        if file.ends_with(".rs") && file.starts_with("exercises/") {
            let text = String::from_utf8(data).map_err(|_| format!("{file}: not UTF-8"))?;
            let (text, n) = transform(m, &file, &text, solved)?;
            count += n;
            data = text.into_bytes();
        } else if exercise_of(&file).is_some() && file.ends_with("/Cargo.toml") {
            // Every crate of an exercise, a nested one (ex9's core allocator) too.
            let text = String::from_utf8(data).map_err(|_| format!("{file}: not UTF-8"))?;
            if !text.contains("\n[lints]\nworkspace = true\n") {
                return fail(format!(
                    "{file}: needs `[lints] workspace = true`: the starter's allowances are in the workspace's lint tables"
                ));
            }
            data = text.into_bytes();
        } else if file == "Cargo.toml" {
            let text = String::from_utf8(data).map_err(|_| format!("{file}: not UTF-8"))?;
            data = starter_manifest(&text)?.into_bytes();
        } else if file.starts_with("book/src/") && file.ends_with(".md") {
            let text = String::from_utf8(data).map_err(|_| format!("{file}: not UTF-8"))?;
            data = book_page(&file, &text).into_bytes();
        }
        let to = dest.join(&file);
        write_if_changed(&to, &data)?;
        let perms = std::fs::metadata(&src)
            .map_err(|e| format!("{file}: {e}"))?
            .permissions();
        std::fs::set_permissions(&to, perms).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    // The book's listings come from the solutions: a snapshot of them, for
    // `cargo xtask serve` in the copy (see `book_page`).
    for file in source_files()
        .into_iter()
        .filter(|f| f.starts_with("exercises/"))
    {
        let data = std::fs::read(root.join(&file)).map_err(|e| format!("{file}: {e}"))?;
        write_if_changed(&dest.join(SOLUTIONS).join(&file), &data)?;
    }
    write_if_changed(&dest.join("README.md"), README.as_bytes())?;
    let kept = if solved.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = solved.iter().map(String::as_str).collect();
        format!(" (solutions kept: {})", names.join(", "))
    };
    println!(
        "starter workspace in {}: {count} learner tasks to write{kept}",
        dest.display()
    );
    Ok(())
}

/// Where the starter copy keeps the snapshot of the solutions its book
/// shows.
const SOLUTIONS: &str = "book/solutions";

/// A page of the book as the starter copy serves it: every include of the
/// exercises' code reads the snapshot of the solutions instead, so the book
/// shows the solutions, folded, as the original does (the copy's own
/// exercises have `todo!()` where the anchors were).
fn book_page(file: &str, text: &str) -> String {
    // `book/src/a/b.md` reaches the root with `../` once per folder.
    let depth = file.matches('/').count();
    let to_root = "../".repeat(depth);
    let to_book = "../".repeat(depth - 1);
    let solutions = SOLUTIONS.trim_start_matches("book/");
    text.replace(
        &format!("{to_root}exercises/"),
        &format!("{to_book}{solutions}/exercises/"),
    )
}

/// After writing a copy for a learner: its target folder seeded with this
/// project's built dependencies, where there are any, and its xtask built,
/// so that `cargo xtask learn` speaks at once and its first test does not
/// compile jemalloc and mimalloc again.
pub fn prepare(dest: &Path) -> Result<()> {
    let to = dest.join("target");
    let from = root().join("target");
    if from.is_dir() {
        let bytes = crate::seed::seed(&from, &to, &["debug", "release"])?;
        println!(
            "seeded {} with this project's built dependencies ({:.1} GiB)",
            to.display(),
            bytes as f64 / (1u64 << 30) as f64
        );
    }
    println!("building the copy's xtask, so that `cargo xtask learn` starts at once");
    util::run(
        util::cargo(&["build", "--quiet", "-p", "xtask"])
            .current_dir(dest)
            .env_remove("CARGO_BUILD_BUILD_DIR")
            .env("CARGO_TARGET_DIR", &to),
    )?;
    println!(
        "next: cd {} && cargo xtask learn (and `cargo xtask serve` for the book)",
        dest.display()
    );
    Ok(())
}

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
    fn allowances_join_the_workspace_lint_tables() {
        let root = "[workspace.lints.rust]\nmissing_docs = \"warn\"\n\n\
                    [workspace.lints.clippy]\nundocumented_unsafe_blocks = \"warn\"\n";
        let out = starter_manifest(root).unwrap();
        let rust = out.find("[workspace.lints.rust]").unwrap();
        let clippy = out.find("[workspace.lints.clippy]").unwrap();
        let dead_code = out.find("dead_code = \"allow\"").unwrap();
        let ptr_arg = out.find("ptr_arg = \"allow\"").unwrap();
        assert!(rust < dead_code && dead_code < clippy && clippy < ptr_arg);
        assert_eq!(out.matches("[workspace.lints.").count(), 2);
        assert!(starter_manifest("[workspace.lints.rust]\ndead_code = \"warn\"\n").is_err());
        assert!(starter_manifest("[workspace]\n").is_err());
    }

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

    #[test]
    fn the_copy_s_book_reads_the_solutions() {
        let page = "{{#include ../../exercises/ex1/src/naive.rs:naive}}\n";
        assert_eq!(
            book_page("book/src/ch01.md", page),
            "{{#include ../solutions/exercises/ex1/src/naive.rs:naive}}\n"
        );
        let task = "{{#include ../../../../exercises/ex1/src/growth.rs:44:44}}";
        assert_eq!(
            book_page("book/src/generated/ex1/task-x.md", task),
            "{{#include ../../../solutions/exercises/ex1/src/growth.rs:44:44}}"
        );
        assert_eq!(
            book_page("book/src/ch01.md", "../../src/main.rs"),
            "../../src/main.rs"
        );
    }
}
