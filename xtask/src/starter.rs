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
//!
//! The tasks are found by `tasks.rs`; `starter/check.rs` proves the copy
//! (`cargo xtask check-starter`).

mod check;

use std::collections::BTreeSet;
use std::path::Path;

use crate::anchors;
use crate::manifest::{self, Manifest};
use crate::tasks::{all_tasks, exercise_of, starter_body};
use crate::util::{self, Result, fail, root, write_if_changed};

pub use check::check;

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

/// The files the starter copies, relative to the root. Not the xtask's
/// tests: they hold the project to its rules, which a copy whose tasks are
/// `todo!()` breaks on purpose.
fn source_files() -> Vec<String> {
    let mut files = util::project_files(COPY);
    files.retain(|f| !f.starts_with("xtask/tests/"));
    files
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

/// `cargo xtask starter DIR`: writes the starter workspace into `dest`,
/// keeping the solutions in `solved`, and prepares it for the learner.
pub fn create(m: &Manifest, dest: &Path, solved: Vec<String>, force: bool) -> Result<()> {
    write(m, dest, &solved.into_iter().collect(), force)?;
    prepare(dest)
}

/// Writes the starter workspace into `dest`, keeping the solutions of the
/// exercises in `solved`.
pub(crate) fn write(
    m: &Manifest,
    dest: &Path,
    solved: &BTreeSet<String>,
    force: bool,
) -> Result<()> {
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
pub(crate) fn prepare(dest: &Path) -> Result<()> {
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
