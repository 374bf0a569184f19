//! Tidy: the project's layout rules, checked as tests.
//!
//! - One mechanism starts measured children: `kit::sibling` (the global
//!   allocators, the naming rule, the build, the child's `main`). Outside
//!   it no source writes a sibling binary's name or builds siblings, every
//!   `src/bin/*.rs` is one `kit::child_binary!` line, an enum that lists
//!   jemalloc or mimalloc maps onto kit's `Global`, and every exercise's
//!   build script is the one shared file.
//! - No source file is over [`MAX_LINES`] lines, but the named exceptions.
//!
//! Each rule is also run on a small bad input, so that a rule which stopped
//! finding anything would fail here too.

use xtask::util::{project_files, root};

/// The most lines a source file may have.
const MAX_LINES: usize = 600;

/// Files allowed over [`MAX_LINES`], each with the reason.
const LONG_FILES: &[(&str, &str)] = &[];

/// The one file that knows how siblings are named and built.
const SIBLING: &str = "exercises/kit/src/sibling.rs";

/// `src/bin` files that are not measured children of kit's kind, and why.
const OTHER_BINS: &[(&str, &str)] = &[(
    "exercises/ex8/src/bin/ex8-jeprof.rs",
    "a build of its own with jemalloc's profiler (feature `jeprof`), which \
     the shoot-out starts as a profiler, not as a measured allocator",
)];

/// The one build script every exercise's `package.build` names.
const BUILD_SCRIPT: &str = "../kit/build/exercise.rs";

/// Every `.rs` file of the project under `dirs` (relative to the root), as
/// (path relative to the root, text): the files the starter copies and the
/// task rules read, git's view of the tree.
fn sources(dirs: &[&str]) -> Vec<(String, String)> {
    let root = root();
    project_files(dirs)
        .into_iter()
        .filter(|f| f.ends_with(".rs"))
        .map(|f| {
            let text = std::fs::read_to_string(root.join(&f)).unwrap();
            (f, text)
        })
        .collect()
}

/// The text of `text` outside `//` comments.
fn code(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

/// What one source file does against the sibling rule.
fn sibling_problems(path: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path == SIBLING || !path.starts_with("exercises/") {
        return out;
    }
    let is_src = path.contains("/src/");
    for line in code(text) {
        // A sibling's name in a string literal: `"ex6-jemalloc-untracked"`.
        let named = line.split('"').skip(1).step_by(2).any(|lit| {
            lit.starts_with("ex")
                && ["-untracked", "-system", "-jemalloc", "-mimalloc"]
                    .iter()
                    .any(|s| lit.contains(s))
        });
        if is_src && named {
            out.push(format!("{path}: names a sibling binary by hand: {line}"));
        }
        if line.contains("build_siblings_under_cargo(") && !path.ends_with("kit/src/child.rs") {
            out.push(format!("{path}: builds siblings itself: {line}"));
        }
    }
    let exercise = path.starts_with("exercises/ex");
    if exercise && path.contains("/src/bin/") && !OTHER_BINS.iter().any(|(p, _)| *p == path) {
        let lines: Vec<&str> = code(text).collect();
        let one = lines.join(" ");
        if !(one.starts_with("kit::child_binary!(")
            && one.ends_with(");")
            && one.matches(';').count() == 1)
        {
            out.push(format!(
                "{path}: a child binary is one `kit::child_binary!(ALLOCATOR, ROLE, CLI);` line"
            ));
        }
    }
    // An enum that lists System beside jemalloc or mimalloc must map onto
    // kit's Global.
    let variant = |name: &str| code(text).any(|l| l.trim_end_matches(',') == name);
    let lists_allocators =
        text.contains("enum ") && variant("System") && (variant("Jemalloc") || variant("Mimalloc"));
    if is_src && lists_allocators && !text.contains("Global::Jemalloc") {
        out.push(format!(
            "{path}: an enum of global allocators that does not map onto kit::sibling::Global"
        ));
    }
    out
}

/// What one exercise manifest does against the build-script rule.
fn build_script_problems(path: &str, toml_text: &str) -> Vec<String> {
    toml_text
        .lines()
        .filter(|l| l.trim_start().starts_with("build ="))
        .filter(|l| !l.contains(&format!("\"{BUILD_SCRIPT}\"")))
        .map(|l| format!("{path}: a build script of its own: {l} (use {BUILD_SCRIPT})"))
        .collect()
}

#[test]
fn measured_children_are_started_one_way() {
    let mut problems = Vec::new();
    let files = sources(&["exercises"]);
    assert!(
        files.iter().any(|(p, _)| p == SIBLING),
        "the sources are read"
    );
    for (path, text) in files {
        problems.extend(sibling_problems(&path, &text));
    }
    let root = root();
    for e in std::fs::read_dir(root.join("exercises")).unwrap().flatten() {
        let dir = e.path();
        let rel = |f: &str| format!("exercises/{}/{f}", e.file_name().to_string_lossy());
        let exercise = e.file_name().to_string_lossy().starts_with("ex");
        if exercise && dir.join("build.rs").is_file() {
            problems.push(format!("{}: a build script of its own", rel("build.rs")));
        }
        if let Ok(t) = std::fs::read_to_string(dir.join("Cargo.toml")) {
            problems.extend(build_script_problems(&rel("Cargo.toml"), &t));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_sibling_rule_finds_each_kind_of_copy() {
    let bin = "exercises/ex6/src/bin/ex6-new.rs";
    assert!(
        sibling_problems(
            bin,
            "kit::child_binary!(system, Timed, ex6::child::ChildCli);\n"
        )
        .is_empty()
    );
    assert_eq!(
        sibling_problems(
            bin,
            "#[global_allocator]\nstatic A: System = System;\nfn main() {}\n"
        )
        .len(),
        1
    );
    let lib = "exercises/ex6/src/strategy.rs";
    assert_eq!(
        sibling_problems(
            lib,
            "fn b() -> &'static str { \"ex6-jemalloc-untracked\" }\n"
        )
        .len(),
        1
    );
    assert_eq!(
        sibling_problems(
            lib,
            "kit::child::build_siblings_under_cargo(\"ex6\", &b, &[]);\n"
        )
        .len(),
        1
    );
    assert_eq!(
        sibling_problems(lib, "pub enum A {\n    System,\n    Jemalloc,\n}\n").len(),
        1
    );
    assert!(
        sibling_problems(
            lib,
            "pub enum A {\n    System,\n    Jemalloc,\n}\nfn g() { Global::Jemalloc; }\n"
        )
        .is_empty()
    );
    // A profiler called jemalloc is not an allocator enum.
    let tool = "pub enum Tool {\n    Dhat,\n    Jemalloc,\n}\n";
    assert!(sibling_problems(lib, tool).is_empty());
    // A comment may name them.
    assert!(sibling_problems(lib, "// see \"ex6-untracked\"\n").is_empty());
    assert_eq!(
        build_script_problems("exercises/ex6/Cargo.toml", "build = \"build.rs\"\n").len(),
        1
    );
    assert!(
        build_script_problems(
            "exercises/ex6/Cargo.toml",
            "build = \"../kit/build/exercise.rs\"\n"
        )
        .is_empty()
    );
}

/// Files over `max` lines, but the allowed ones.
fn long_files(files: &[(String, String)], max: usize, allowed: &[(&str, &str)]) -> Vec<String> {
    files
        .iter()
        .filter(|(p, t)| t.lines().count() > max && !allowed.iter().any(|(a, _)| a == p))
        .map(|(p, t)| {
            format!(
                "{p}: {} lines (at most {max}; split it by concern)",
                t.lines().count()
            )
        })
        .collect()
}

#[test]
fn no_source_file_is_over_600_lines() {
    let files = sources(&["exercises", "xtask", "src", "tests"]);
    let long = long_files(&files, MAX_LINES, LONG_FILES);
    assert!(long.is_empty(), "{}", long.join("\n"));
    // Each exception is still needed.
    for (p, why) in LONG_FILES {
        let n = files
            .iter()
            .find(|(f, _)| f == p)
            .map(|(_, t)| t.lines().count());
        assert!(
            n.is_some_and(|n| n > MAX_LINES),
            "{p} ({why}) is no longer over {MAX_LINES} lines: drop it from LONG_FILES"
        );
    }
    // The rule finds a long file.
    let long_one = [("a.rs".to_string(), "x\n".repeat(MAX_LINES + 1))];
    assert_eq!(long_files(&long_one, MAX_LINES, &[]).len(), 1);
    assert!(long_files(&long_one, MAX_LINES, &[("a.rs", "why")]).is_empty());
}
