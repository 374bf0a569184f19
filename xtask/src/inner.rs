//! `cargo xtask check`: the inner loop, a few minutes at most on a warm
//! build. It runs what a change usually breaks: formatting, clippy, the
//! tests of the crates that changed and of those that depend on them, the
//! regenerated counts of the exercises that changed, and the repository's
//! rules that need no tool. `cargo xtask test` runs everything (CI runs it).

use std::collections::BTreeSet;
use std::process::Command;

use crate::manifest::Manifest;
use crate::util::{self, Result, Steps, root};

/// The files that differ from the merge base with `main` (committed or
/// not, untracked included), or `None` if there is no such base or no
/// difference.
fn changed_files() -> Option<Vec<String>> {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(root())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).to_string())
    };
    let base = ["main", "origin/main"]
        .iter()
        .find_map(|b| git(&["merge-base", "HEAD", b]))?;
    let mut files: BTreeSet<String> = BTreeSet::new();
    for out in [
        git(&["diff", "--name-only", base.trim()])?,
        git(&["ls-files", "--others", "--exclude-standard"])?,
    ] {
        files.extend(out.lines().filter(|l| !l.is_empty()).map(str::to_string));
    }
    (!files.is_empty()).then(|| files.into_iter().collect())
}

/// The workspace package a changed file belongs to; `None` for a file
/// that every package depends on (the workspace's manifest or lock file).
fn package_of(file: &str, members: &BTreeSet<String>) -> Option<Option<String>> {
    if file == "Cargo.toml" || file == "Cargo.lock" || file.starts_with(".cargo/") {
        return Some(None);
    }
    if file == crate::manifest::PATH || file.starts_with("xtask/") {
        return Some(Some("xtask".into()));
    }
    if file.starts_with("src/") {
        return Some(Some("allocators-in-rust".into()));
    }
    let rest = file.strip_prefix("exercises/")?;
    let mut parts = rest.split('/');
    let first = parts.next()?;
    // ex9's allocator is a crate of its own, inside ex9's folder.
    if first == "ex9" && parts.next() == Some("alloc") {
        return Some(Some("ex9-alloc".into()));
    }
    members.contains(first).then(|| Some(first.to_string()))
}

/// `cargo xtask check`.
pub fn check(m: &Manifest) -> Result<()> {
    let mut steps = Steps::new();
    steps.step("cargo fmt --check");
    util::run(&mut util::cargo(&["fmt", "--all", "--", "--check"]))?;

    steps.step("cargo clippy (all targets, -D warnings)");
    crate::checks::clippy()?;

    let deps = util::workspace_deps()?;
    let members: BTreeSet<String> = deps.keys().cloned().collect();
    let changed: Option<BTreeSet<String>> = changed_files().and_then(|files| {
        let mut pkgs = BTreeSet::new();
        for f in &files {
            match package_of(f, &members) {
                Some(Some(p)) => {
                    pkgs.insert(p);
                }
                Some(None) => return None,
                None => {}
            }
        }
        Some(pkgs)
    });
    // A package's tests run when it or anything its tests build changed.
    let selected: BTreeSet<String> = match &changed {
        None => members.clone(),
        Some(pkgs) => members
            .iter()
            .filter(|p| util::tests_build(&deps, p).iter().any(|b| pkgs.contains(b)))
            .cloned()
            .collect(),
    };
    let names: Vec<&str> = selected.iter().map(String::as_str).collect();
    steps.step(&format!(
        "cargo test --release of what changed since main, and what depends on it: {}",
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(", ")
        }
    ));
    if !selected.is_empty() {
        let mut cmd = util::cargo(&["test", "--release", "--locked"]);
        for p in &selected {
            cmd.args(["-p", p]);
        }
        util::run(&mut cmd)?;
    }

    let exercises: Vec<String> = m
        .exercises
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| selected.contains(n))
        .collect();
    steps.step(&if exercises.is_empty() {
        "generated outputs: no exercise changed".to_string()
    } else {
        format!(
            "generated outputs of those exercises match (generate --check {})",
            exercises.join(" ")
        )
    });
    if !exercises.is_empty() {
        crate::generate::generate(m, true, &exercises)?;
    }

    steps.step("repository rules: manifest, tasks, commands, the book's structure and includes");
    crate::tasks::all_tasks(m)?;
    crate::commands::plan(m, &crate::commands::collect(&root())?)?;
    crate::book::rules(m)?;

    steps.summary();
    println!(
        "cargo xtask check: passed. CI runs everything: `cargo xtask test` (about 20 minutes)."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_map_to_their_package() {
        let members: BTreeSet<String> = ["ex1", "ex9", "ex9-alloc", "kit", "xtask"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let of = |f: &str| package_of(f, &members);
        assert_eq!(of("exercises/ex1/src/lib.rs"), Some(Some("ex1".into())));
        assert_eq!(
            of("exercises/ex9/alloc/src/pool.rs"),
            Some(Some("ex9-alloc".into()))
        );
        assert_eq!(of("exercises/ex9/src/main.rs"), Some(Some("ex9".into())));
        assert_eq!(of("exercises/kit/build.rs"), Some(Some("kit".into())));
        assert_eq!(of("exercises/manifest.toml"), Some(Some("xtask".into())));
        assert_eq!(of("Cargo.lock"), Some(None));
        assert_eq!(of("book/src/ch01-tracking-allocator.md"), None);
    }
}
