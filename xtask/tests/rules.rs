//! The repository's rules that need no tool, as plain tests: `cargo test -p
//! xtask` checks them offline, with the same functions `cargo xtask check`
//! and `check-book` call. Each rule is also tried on a small bad input, so
//! that a rule which stopped finding anything would fail here too.

use std::path::{Path, PathBuf};

use xtask::book::{includes, structure};
use xtask::manifest::Manifest;
use xtask::util::root;
use xtask::{anchors, commands, quiz, reader, tasks};

fn manifest() -> Manifest {
    Manifest::load(&root()).unwrap()
}

/// A fresh folder for one test's bad input, under cargo's folder for
/// integration tests' files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `files` (name, text) into a fresh folder; returns the folder.
fn scratch_files(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn the_manifest_reads_and_names_real_crates() {
    assert!(manifest().questions().next().is_some());
    let dhat = "dhat = { run = \"a\", tracker = \"b\", frames = \"c\" }";
    let good = format!("[ex1]\nchapter = \"ch01.md\"\n{dhat}\n");
    let crate_ = ("exercises/ex1/Cargo.toml", "[package]\n");
    let dir = scratch_files(
        "manifest",
        &[("exercises/manifest.toml", good.as_str()), crate_],
    );
    Manifest::load(&dir).unwrap();
    let unknown_key = format!("{good}outputz = {{}}\n");
    let dir = scratch_files(
        "manifest-unknown-key",
        &[("exercises/manifest.toml", unknown_key.as_str()), crate_],
    );
    assert!(Manifest::load(&dir).is_err());
    let no_crate = format!("{good}[ex2]\nchapter = \"ch02.md\"\n{dhat}\n");
    let dir = scratch_files(
        "manifest-no-crate",
        &[("exercises/manifest.toml", no_crate.as_str()), crate_],
    );
    assert!(Manifest::load(&dir).is_err());
}

#[test]
fn every_task_has_its_anchors_its_entry_and_its_test() {
    assert!(!tasks::all_tasks(&manifest()).unwrap().is_empty());
    let code = "fn f() -> u32 {\n    // ANCHOR: task_f\n    1\n    // ANCHOR_END: task_f\n}\n";
    assert_eq!(anchors::tasks("x.rs", code).unwrap().len(), 1);
    let unclosed = code.replace("    // ANCHOR_END: task_f\n", "");
    assert!(anchors::tasks("x.rs", &unclosed).is_err());
}

#[test]
fn every_include_resolves_to_code() {
    let mut problems = Vec::new();
    let count = includes::check(&mut problems).unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(count > 0);
    let dir = scratch_files(
        "includes",
        &[(
            "code.rs",
            "// ANCHOR: here\nfn f() {}\n// ANCHOR_END: here\n",
        )],
    );
    let page = "{{#include code.rs:here}}\n{{#include code.rs:gone}}\n\
                {{#include missing.rs}}\n{{#include code.rs:7:9}}\n";
    let count = includes::check_page(&dir.join("page.md"), page, &mut problems);
    assert_eq!(count, 4);
    assert_eq!(problems.len(), 3, "{problems:#?}");
}

#[test]
fn quiz_ids_are_unique() {
    quiz::check_ids(manifest().questions()).unwrap();
    let question: quiz::Question =
        toml::from_str("file = \"f\"\nid = \"ex1-q\"\nprompt = \"p\"\ncontext = \"c\"\n").unwrap();
    assert!(quiz::check_ids([&question]).is_ok());
    assert!(quiz::check_ids([&question, &question]).is_err());
}

#[test]
fn every_page_keeps_the_book_s_structure() {
    let m = manifest();
    let mut problems = Vec::new();
    structure::check(&m, &mut problems).unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
    let tasks = tasks::all_tasks(&m).unwrap();
    let chapter = Path::new("ch01-x.md");
    let kind = structure::check_page(&m, chapter, "# A title\n\nNo box.\n", &tasks, &mut problems);
    assert_eq!(kind, structure::Kind::Chapter);
    assert!(!problems.is_empty());
    let hand_typed = "# An aside\n\n```rust\nfn main() {}\n```\n";
    let mut problems = Vec::new();
    let kind = structure::check_page(&m, Path::new("x.md"), hand_typed, &tasks, &mut problems);
    assert_eq!(kind, structure::Kind::Other);
    assert_eq!(problems.len(), 1, "{problems:#?}");
}

#[test]
fn the_enforced_pages_pass_the_teach_first_gates() {
    let mut problems = Vec::new();
    reader::check(&manifest(), &mut problems).unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
    let dir = scratch_files("gates", &[("ch01-x.md", "# A chapter\n\nOnly words.\n")]);
    let lines = reader::expand(&dir.join("ch01-x.md")).unwrap();
    let failed = reader::gates("ch01-x.md", &reader::measure(&lines), &lines, &[]);
    assert_eq!(
        failed.len(),
        2,
        "no lesson line, no What to remember: {failed:#?}"
    );
}

#[test]
fn every_command_in_the_book_is_placed() {
    let m = manifest();
    let found = commands::collect(&root()).unwrap();
    assert!(
        found
            .iter()
            .any(|f| f.command == "cargo run --release -p ex3"),
        "the README's commands are found"
    );
    commands::plan(&m, &found).unwrap();
    assert!(
        commands::plan(&m, &[]).is_err(),
        "the manifest's entries name commands no page holds"
    );
}
