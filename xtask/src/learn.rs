//! `cargo xtask learn`: the learning path through the starter copy, in the
//! manner of rustlings' watch mode.
//!
//! The tasks are the manifest's `[[exN.task]]` entries, in order. A task is
//! *not started* while its `todo!("exN task NAME")` is still in the sources
//! (no test needs to run to know that), and *solved* once its test file
//! (`cargo test --release -p exN --test TEST`) passes, or fails only on the
//! `todo!()`s of tasks not started yet: several tasks can share one test
//! file, and the first of them cannot wait for the last.
//!
//! The runner shows the first task not solved (statement, difficulty and
//! time, where to write it, its test), re-runs that task's test whenever a
//! file under `exercises/` changes (notify, with a short debounce), and moves
//! on when it passes. `--once` checks once, prints the same, and exits: the
//! scripted mode a test drives (`cargo xtask check-starter` does).
//!
//! Hints come on request, in two levels: `h` and Enter while it watches, or
//! `learn --hint`, shows the task's nudge; asking again shows the fuller
//! hint as well. How far each task's hints have been asked for is kept in
//! `target/learn-hints`, so the two ways agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::manifest::{Manifest, Task};
use crate::tasks::wrap;
use crate::util::{self, Result, fail, rel, root};

/// How many hint levels a task has: the nudge, then the fuller hint.
const HINT_LEVELS: u8 = 2;

/// Where the hint levels asked for are kept (in the build folder: not
/// part of the learner's work).
fn hints_file() -> std::path::PathBuf {
    root().join("target").join("learn-hints")
}

/// The hint level asked for so far of each task (`exN name level` lines).
fn hint_levels() -> BTreeMap<String, u8> {
    std::fs::read_to_string(hints_file())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (task, level) = l.rsplit_once(' ')?;
            Some((task.to_string(), level.parse().ok()?))
        })
        .collect()
}

/// Asks for one more hint of `step`: its new level (at most [`HINT_LEVELS`]).
fn ask_hint(step: &Step) -> u8 {
    let mut levels = hint_levels();
    let level = levels.entry(step.label()).or_insert(0);
    *level = (*level + 1).min(HINT_LEVELS);
    let level = *level;
    let text: String = levels.iter().map(|(t, l)| format!("{t} {l}\n")).collect();
    // Losing the record only means asking again: not worth failing for.
    let _ = std::fs::create_dir_all(root().join("target"));
    let _ = std::fs::write(hints_file(), text);
    level
}

/// Quiet time after the last file event before the test re-runs: an editor
/// saving writes several events in a burst.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// One task of the path.
struct Step<'m> {
    ex: &'m str,
    task: &'m Task,
}

impl Step<'_> {
    fn todo(&self) -> String {
        format!("todo!(\"{} task {}\")", self.ex, self.task.name)
    }

    fn label(&self) -> String {
        format!("{} {}", self.ex, self.task.name)
    }
}

/// Where a task is checked, as the learner sees it.
#[derive(Debug, PartialEq, Eq)]
enum Status {
    /// Its `todo!()` is still in the sources.
    NotStarted,
    /// Its test passes, or fails only on tasks not started yet (named).
    Solved { waits_for: Vec<String> },
    /// Its test fails (or does not build): the output's tail.
    Failing(String),
}

/// The `.rs` files of one exercise, relative to the root, with their text.
fn sources(ex: &str) -> Vec<(String, String)> {
    util::walk(&root().join("exercises").join(ex))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && !in_target(p))
        .filter_map(|p| Some((rel(p), std::fs::read_to_string(p).ok()?)))
        .collect()
}

/// `file:line` of the first line of `ex`'s sources holding `needle`.
fn find(files: &[(String, String)], needle: &str) -> Option<String> {
    files.iter().find_map(|(file, text)| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| format!("{file}:{}", i + 1))
    })
}

/// Where the learner writes a task: its `todo!()`, or the TODO comment the
/// starter put above it, or (in the solution workspace) its anchor.
fn location(files: &[(String, String)], step: &Step) -> Option<String> {
    find(files, &step.todo())
        .or_else(|| find(files, &format!("TODO({} task {})", step.ex, step.task.name)))
        .or_else(|| find(files, &format!("ANCHOR: task_{}", step.task.name)))
}

/// Every panic in a test run's output, as the lines from its `panicked at`
/// line up to the next blank line (the format of Rust 1.73 and later: the
/// message on the line after, an assertion's left and right below it).
fn panic_blocks(log: &str) -> Vec<Vec<&str>> {
    let lines: Vec<&str> = log.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains(" panicked at "))
        .map(|(i, _)| {
            let end = lines[i..]
                .iter()
                .position(|x| x.trim().is_empty())
                .map_or(lines.len(), |k| i + k);
            lines[i..end].to_vec()
        })
        .collect()
}

/// The messages of every panic in a test run's output: the line after each
/// `panicked at`.
fn panics(log: &str) -> Vec<&str> {
    panic_blocks(log)
        .iter()
        .map(|b| b.get(1).map_or("", |m| m.trim()))
        .collect()
}

/// What a failing test run shows the learner: the panics that are not a
/// `todo!()` of a task first, each with the lines under it up to a blank
/// line (an assertion's left and right), then one line naming the tasks the
/// other tests stopped at; without any panic (a build error), the log's
/// tail.
fn own_failure_first(log: &str) -> String {
    let (mut own, mut todos) = (Vec::new(), BTreeSet::new());
    for block in panic_blocks(log) {
        let message = block.get(1).map_or("", |m| m.trim());
        match message.strip_prefix("not yet implemented: ") {
            Some(task) => {
                todos.insert(task.to_string());
            }
            None => own.extend(block),
        }
    }
    if own.is_empty() && todos.is_empty() {
        return tail(log, 40);
    }
    let mut out = own.join("\n");
    if !todos.is_empty() {
        let todos: Vec<String> = todos.into_iter().collect();
        out += &format!(
            "\n(other tests of this file stopped at tasks not written yet: {})",
            todos.join(", ")
        );
    }
    out
}

/// The last `n` lines of `log`.
fn tail(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The learner's state, read from the sources, with the test runs of one
/// pass cached (several tasks share a test file).
struct Checker<'m> {
    steps: Vec<Step<'m>>,
    files: BTreeMap<&'m str, Vec<(String, String)>>,
    runs: BTreeMap<(String, String), (bool, String)>,
    /// Exercises whose tests this session has built once already.
    built: BTreeSet<String>,
}

impl<'m> Checker<'m> {
    fn new(m: &'m Manifest) -> Result<Checker<'m>> {
        let steps: Vec<Step> = m
            .exercises
            .iter()
            .flat_map(|(ex, e)| e.tasks.iter().map(move |task| Step { ex, task }))
            .collect();
        if steps.is_empty() {
            return fail("the manifest has no learner tasks");
        }
        let mut c = Checker {
            steps,
            files: BTreeMap::new(),
            runs: BTreeMap::new(),
            built: BTreeSet::new(),
        };
        c.reload();
        Ok(c)
    }

    /// Reads the sources again and forgets the test runs (a file changed).
    fn reload(&mut self) {
        let exs: BTreeSet<&'m str> = self.steps.iter().map(|s| s.ex).collect();
        self.files = exs.into_iter().map(|ex| (ex, sources(ex))).collect();
        self.runs.clear();
    }

    fn started(&self, i: usize) -> bool {
        let s = &self.steps[i];
        find(&self.files[s.ex], &s.todo()).is_none()
    }

    /// The solution workspace marks tasks with anchors and has no `todo!()`s.
    fn is_solution_workspace(&self) -> bool {
        (0..self.steps.len()).all(|i| self.started(i))
            && self.steps.iter().any(|s| {
                find(&self.files[s.ex], &format!("ANCHOR: task_{}", s.task.name)).is_some()
            })
    }

    fn run_test(&mut self, ex: &str, test: &str) -> Result<(bool, String)> {
        let key = (ex.to_string(), test.to_string());
        if let Some(r) = self.runs.get(&key) {
            return Ok(r.clone());
        }
        if self.built.insert(ex.to_string()) {
            // Said once, before the wait: a first build of an exercise that
            // links jemalloc or mimalloc compiles their C code too, unless
            // `cargo xtask starter` seeded this copy's target folder.
            println!(
                "building {ex}'s tests (release) before the first run: seconds if this copy \
                 was seeded, a few minutes if its dependencies (jemalloc's and mimalloc's C \
                 code among them) must compile first"
            );
        }
        println!("running: cargo test --release -p {ex} --test {test}");
        let out = util::cargo(&[
            "test",
            "--release",
            "--color",
            "never",
            "-p",
            ex,
            "--test",
            test,
        ])
        .env("RUST_BACKTRACE", "0")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        let r = (out.status.success(), log);
        self.runs.insert(key, r.clone());
        Ok(r)
    }

    fn status(&mut self, i: usize) -> Result<Status> {
        if !self.started(i) {
            return Ok(Status::NotStarted);
        }
        let (ex, test) = (self.steps[i].ex, self.steps[i].task.test.clone());
        let (ok, log) = self.run_test(ex, &test)?;
        if ok {
            return Ok(Status::Solved {
                waits_for: Vec::new(),
            });
        }
        // Failing only on todo!()s of tasks not started yet: solved so far.
        let not_started: Vec<String> = (0..self.steps.len())
            .filter(|&k| k != i && !self.started(k))
            .map(|k| self.steps[k].label())
            .collect();
        let messages = panics(&log);
        let mut waits_for = BTreeSet::new();
        let only_todos = !messages.is_empty()
            && messages.iter().all(|m| {
                m.strip_prefix("not yet implemented: ")
                    .map(|t| t.replace(" task ", " "))
                    .is_some_and(|t| {
                        let hit = not_started.contains(&t);
                        if hit {
                            waits_for.insert(t);
                        }
                        hit
                    })
            });
        if only_todos {
            return Ok(Status::Solved {
                waits_for: waits_for.into_iter().collect(),
            });
        }
        Ok(Status::Failing(own_failure_first(&log)))
    }

    /// From task `from` on, the first task not solved and its status (None:
    /// all solved), printing a line for each task found solved.
    fn next_unsolved(&mut self, from: usize) -> Result<Option<(usize, Status)>> {
        for i in from..self.steps.len() {
            match self.status(i)? {
                Status::Solved { waits_for } => {
                    let waits = if waits_for.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (its test also reaches {}, not written yet)",
                            waits_for.join(", ")
                        )
                    };
                    println!(
                        "solved: {} (task {} of {}){waits}",
                        self.steps[i].label(),
                        i + 1,
                        self.steps.len()
                    );
                }
                other => return Ok(Some((i, other))),
            }
        }
        Ok(None)
    }

    /// The panel of the current task.
    fn show(&self, i: usize, status: &Status) {
        let s = &self.steps[i];
        let total = self.steps.len();
        let width = 30;
        let filled = i * width / total;
        println!();
        println!(
            "Progress: [{}{}] {i} of {total} tasks",
            "#".repeat(filled),
            "-".repeat(width - filled)
        );
        println!(
            "next: task {} of {total}: {} ({})",
            i + 1,
            s.label(),
            s.task.effort()
        );
        match location(&self.files[s.ex], s) {
            Some(at) => println!("  write it at {at}"),
            None => println!("  (its todo!() is gone: search exercises/{} for it)", s.ex),
        }
        for line in wrap(&s.task.statement, 92, "", "") {
            println!("  {line}");
        }
        println!(
            "  its test: cargo test --release -p {} --test {}",
            s.ex, s.task.test
        );
        show_hints(s, hint_levels().get(&s.label()).copied().unwrap_or(0));
        match status {
            Status::NotStarted => println!("status: not written yet (the todo!() is still there)"),
            Status::Failing(log) => {
                println!("status: its test fails:\n{log}");
            }
            Status::Solved { .. } => {}
        }
    }
}

/// The hints of `step` up to `level` (0: how to ask for one).
fn show_hints(step: &Step, level: u8) {
    let texts = [
        ("Hint", &step.task.nudge),
        ("More of a hint", &step.task.hint),
    ];
    for (name, text) in texts.iter().take(usize::from(level)) {
        for line in wrap(&format!("{name}: {text}"), 92, "", "") {
            println!("  {line}");
        }
    }
    if level < HINT_LEVELS {
        let which = if level == 0 {
            "a hint"
        } else {
            "more of a hint"
        };
        println!("  for {which}: h and Enter here, or `cargo xtask learn --hint`");
    }
}

/// What wakes the watch loop.
enum Event {
    /// A source or manifest changed.
    Changed,
    /// The learner typed `h`.
    Hint,
}

/// Makes the workspace `cargo xtask learn` is started in the root: the
/// nearest folder above the current one with the manifest and a
/// `Cargo.toml` (see [`util::set_root`]).
pub fn use_current_workspace() {
    let here = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors()
            .find(|d| d.join(crate::manifest::PATH).is_file() && d.join("Cargo.toml").is_file())
            .map(|d| d.to_path_buf())
    });
    if let Some(dir) = here {
        util::set_root(dir);
    }
}

/// `cargo xtask learn [--once] [--hint]`. With `--once`: exit code 0 when
/// the tasks so far are solved and the next one is waiting to be written (or
/// all are done); an error when a task's test fails or none is solved yet.
/// With `--hint`: one more hint of the current task (the nudge, then the
/// fuller hint), then the same as `--once`.
pub fn learn(m: &Manifest, once: bool, hint: bool) -> Result<()> {
    let mut c = Checker::new(m)?;
    if c.is_solution_workspace() {
        return fail(
            "this is the solution workspace (every task is written): make a starter copy \
             with `cargo xtask starter DIR` and run `cargo xtask learn` there",
        );
    }
    let total = c.steps.len();
    let mut current = c.next_unsolved(0)?;
    if hint && let Some((i, _)) = &current {
        ask_hint(&c.steps[*i]);
    }
    if once || hint {
        return match current {
            None => {
                println!("all {total} tasks solved");
                Ok(())
            }
            Some((i, status)) => {
                c.show(i, &status);
                match status {
                    Status::NotStarted if i > 0 => Ok(()),
                    Status::NotStarted => fail(format!("task 1 of {total} is not solved yet")),
                    _ => fail(format!("task {} of {total} fails its test", i + 1)),
                }
            }
        };
    }
    let (tx, rx) = mpsc::channel();
    let keys = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Only writes: reading the sources (as this runner does) is an event too.
        if let Ok(e) = event
            && (e.kind.is_modify() || e.kind.is_create() || e.kind.is_remove())
            && e.paths.iter().any(|p| relevant(p))
        {
            let _ = tx.send(Event::Changed);
        }
    })
    .map_err(|e| format!("cannot watch files: {e}"))?;
    // `h` and Enter asks for a hint; stdin closed (a script) asks nothing.
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if line.trim().eq_ignore_ascii_case("h") && keys.send(Event::Hint).is_err() {
                break;
            }
        }
    });
    watcher
        .watch(&root().join("exercises"), RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch exercises/: {e}"))?;
    loop {
        let Some((i, status)) = &current else {
            println!("\nAll {total} tasks solved. Well done!");
            return Ok(());
        };
        c.show(*i, status);
        println!("\nwatching exercises/ for changes (h and Enter: a hint; Ctrl-C to stop)");
        let from = *i;
        // Wait for a change, then for the burst of events to settle; a hint
        // shows the panel again without re-running the test.
        let event = rx
            .recv()
            .map_err(|_| "the file watcher stopped".to_string())?;
        if let Event::Hint = event {
            ask_hint(&c.steps[from]);
            continue;
        }
        while rx.recv_timeout(DEBOUNCE).is_ok() {}
        c.reload();
        current = c.next_unsolved(from)?;
    }
}

/// Whether `p` is in a build folder (below the root: the copy itself may
/// live under another workspace's `target/`).
fn in_target(p: &Path) -> bool {
    p.strip_prefix(root())
        .unwrap_or(p)
        .components()
        .any(|c| c.as_os_str() == "target")
}

/// A change worth a re-run: a Rust source or a manifest, not a build output.
fn relevant(p: &Path) -> bool {
    !in_target(p) && p.extension().is_some_and(|e| e == "rs" || e == "toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_the_line_after_panicked_at() {
        let log = "running 2 tests\n\nthread 'a' panicked at src/x.rs:1:2:\nnot yet implemented: ex1 task b\nnote: run with\n\nthread 'c' panicked at tests/t.rs:3:4:\nassertion `left == right` failed\n";
        assert_eq!(
            panics(log),
            vec![
                "not yet implemented: ex1 task b",
                "assertion `left == right` failed"
            ]
        );
        assert!(panics("error[E0308]: mismatched types").is_empty());
    }

    #[test]
    fn a_failure_of_its_own_comes_before_the_todos() {
        let log = "thread 'a' panicked at src/x.rs:1:2:\nnot yet implemented: ex1 task b\n\n\
                   thread 'c' panicked at tests/t.rs:3:4:\nassertion `left == right` failed\n  left: 1\n right: 2\n\nmore\n";
        let shown = own_failure_first(log);
        assert!(shown.starts_with("thread 'c' panicked at tests/t.rs:3:4:\nassertion"));
        assert!(shown.contains(" right: 2"));
        assert!(shown.ends_with("stopped at tasks not written yet: ex1 task b)"));
        assert_eq!(
            own_failure_first("error[E0308]: mismatched types"),
            "error[E0308]: mismatched types"
        );
    }

    #[test]
    fn only_sources_and_manifests_trigger_a_run() {
        assert!(relevant(Path::new("exercises/ex1/src/lib.rs")));
        assert!(relevant(Path::new("exercises/manifest.toml")));
        assert!(!relevant(Path::new("target/release/ex1")));
        assert!(!relevant(Path::new("exercises/ex1/src/lib.rs~")));
    }
}
