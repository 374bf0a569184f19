//! Strings in an arena: `bumpalo::collections::String` and `bumpalo::format!`.
//!
//! `format!` allocates a new heap `String` for every call (and may `realloc`
//! it when its first size estimate is short). `bumpalo::format!(in &bump, ...)`
//! formats into the arena instead; `into_bump_str()` then freezes the result
//! into a `&'bump str` that lives as long as the arena. Building many short
//! strings is exactly the case where the per-call cost of the heap adds up.

use std::fmt::Write as _;
use std::hint::black_box;

use bumpalo::Bump;
use bumpalo::collections::{String as BumpString, Vec as BumpVec};
use ex1::Stats;
use serde::Serialize;

/// The name every label contains.
pub const NAME: &str = "ferris";

/// One way of building strings, and what the global allocator saw (the arena
/// created and dropped inside the measurement).
#[derive(Debug, Clone, Serialize)]
pub struct StringCase {
    /// What the code does, as a reader would say it.
    pub pattern: &'static str,
    /// How many labels (or lines) were built.
    pub count: usize,
    /// Total bytes of text produced.
    pub text_bytes: usize,
    /// What the global allocator saw.
    pub global: Stats,
}

// ANCHOR: labels
/// `count` labels with `format!`, kept in a `Vec<String>`.
pub fn heap_labels(count: usize) -> Vec<String> {
    let mut labels = Vec::with_capacity(count);
    for i in 0..count {
        labels.push(format!("item {}: {}", i, NAME));
    }
    labels
}

/// The same labels with `bumpalo::format!`, kept in a bumpalo `Vec<&str>`.
pub fn arena_labels(bump: &Bump, count: usize) -> BumpVec<'_, &str> {
    // ANCHOR: task_arena_labels
    let mut labels = BumpVec::with_capacity_in(count, bump);
    for i in 0..count {
        labels.push(bumpalo::format!(in bump, "item {}: {}", i, NAME).into_bump_str());
    }
    labels
    // ANCHOR_END: task_arena_labels
}
// ANCHOR_END: labels

// ANCHOR: report
/// One long string of `lines` lines, built with `push_str` and `write!` on a
/// bumpalo `String`.
pub fn arena_report<'b>(bump: &'b Bump, lines: usize) -> BumpString<'b> {
    // ANCHOR: task_arena_report
    let mut out = BumpString::new_in(bump);
    for i in 0..lines {
        out.push_str("line ");
        // Writing into a String cannot fail; `write!` returns fmt::Result.
        let _ = writeln!(out, "{i}: {NAME}");
    }
    out
    // ANCHOR_END: task_arena_report
}
// ANCHOR_END: report

/// The same report in a std `String`.
pub fn heap_report(lines: usize) -> String {
    let mut out = String::new();
    for i in 0..lines {
        out.push_str("line ");
        let _ = writeln!(out, "{i}: {NAME}");
    }
    out
}

/// Every case of the chapter's table.
pub fn cases(count: usize) -> Vec<StringCase> {
    let mut cases = Vec::new();
    let (text_bytes, global) = ex1::measure(|| heap_labels(count).iter().map(|s| s.len()).sum());
    cases.push(StringCase {
        pattern: "`format!` into a `Vec<String>`",
        count,
        text_bytes,
        global,
    });

    let (text_bytes, global) = ex1::measure(|| {
        let bump = Bump::new();
        let labels = arena_labels(&bump, count);
        labels.iter().map(|s| s.len()).sum()
    });
    cases.push(StringCase {
        pattern: "`bumpalo::format!(in &bump, ..)` into a bumpalo `Vec<&str>`",
        count,
        text_bytes,
        global,
    });

    let (text_bytes, global) = ex1::measure(|| black_box(heap_report(count)).len());
    cases.push(StringCase {
        pattern: "one std `String`, `push_str` + `writeln!`",
        count,
        text_bytes,
        global,
    });

    let (text_bytes, global) = ex1::measure(|| {
        let bump = Bump::new();
        let report = arena_report(&bump, count);
        report.len()
    });
    cases.push(StringCase {
        pattern: "one bumpalo `String`, `push_str` + `writeln!`",
        count,
        text_bytes,
        global,
    });
    cases
}

/// One row per pattern of [`cases`].
pub fn table(cases: &[StringCase], count: usize) -> kit::Table {
    let mut t = kit::Table::new(
        format!("{count} labels or lines: what the global allocator sees"),
        &["pattern", "bytes of text", "allocs", "reallocs", "deallocs"],
    );
    for c in cases {
        t.row([
            c.pattern.to_string(),
            c.text_bytes.to_string(),
            c.global.allocs.to_string(),
            c.global.reallocs.to_string(),
            c.global.deallocs.to_string(),
        ]);
    }
    t
}
