//! `cargo xtask check-book`: the book builds, and what mdBook 0.5 lets
//! through silently fails here.
//!
//! 1. Structure (`book/structure.rs`): every crate chapter follows the
//!    book's one order, shows its solutions folded after their tasks, and
//!    no page has a hand-typed Rust block.
//! 2. Includes (`book/includes.rs`): every include names an existing file
//!    and an anchor (or line range) in it that holds code.
//! 3. The teach-first gates (`reader.rs`), measured on what a reader sees.
//! 4. The build: any ERROR or WARN line in mdbook's log fails.
//! 5. The HTML (`book/html.rs`): no `{{#` is left in a page, every internal
//!    link (page and `#fragment`) resolves, and the sidebar numbers no
//!    chapter twice.
//!
//! The first three need no tool: `cargo xtask check` runs them too
//! ([`rules`]).

mod html;
pub mod includes;
pub mod structure;

use std::process::Command;

use crate::manifest::Manifest;
use crate::util::{self, Result, fail, root};

const SRC: &str = "book/src";
const OUT: &str = "book/build";

/// `cargo xtask check-book`.
pub fn check(m: &Manifest) -> Result<()> {
    crate::tools::ensure_book_tools()?;
    let includes = rules(m)?;
    let mut problems = Vec::new();
    build(&mut problems)?;
    if !problems.is_empty() {
        return report(problems);
    }
    let (pages, links) = html::check(&mut problems)?;
    let toc = root().join(OUT).join("toc.html");
    html::sidebar_numbers(&util::read(&toc)?, &mut problems);
    if !problems.is_empty() {
        return report(problems);
    }
    println!(
        "book: {includes} includes resolved, {pages} pages built, {links} internal links alive"
    );
    Ok(())
}

/// `cargo xtask serve`: the book at http://localhost:3000, with the pinned
/// tools (installed if missing).
pub fn serve(args: &[String]) -> Result<()> {
    crate::tools::ensure_book_tools()?;
    util::run(Command::new("mdbook").args(["serve", "--open"]).args(args))
}

/// The book's rules that need no tool (structure, includes and anchors),
/// for `cargo xtask check`; `check` runs them before building the book.
/// Returns how many includes resolved.
pub(crate) fn rules(m: &Manifest) -> Result<usize> {
    let mut problems = Vec::new();
    let summary = structure::check(m, &mut problems)?;
    if !problems.is_empty() {
        return report(problems);
    }
    println!("{summary}");
    let includes = includes::check(&mut problems)?;
    if !problems.is_empty() {
        return report(problems);
    }
    println!("book: {includes} includes resolved");
    crate::reader::check(m, &mut problems)?;
    if !problems.is_empty() {
        return report(problems);
    }
    Ok(includes)
}

fn report<T>(problems: Vec<String>) -> Result<T> {
    for p in &problems {
        eprintln!("error: {p}");
    }
    fail(format!(
        "the book check found {} problem(s)",
        problems.len()
    ))
}

/// `mdbook build`, failing on any ERROR or WARN line of its log.
fn build(problems: &mut Vec<String>) -> Result<()> {
    let out = Command::new("mdbook")
        .arg("build")
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    let log =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        problems.push(format!("mdbook build exited {}:\n{log}", out.status));
    }
    for line in log.lines() {
        if line
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == "ERROR" || w == "WARN")
        {
            problems.push(format!("mdbook: {}", line.trim()));
        }
    }
    Ok(())
}
