//! Includes: mdBook exits 0 when an `{{#include}}` file is missing (it
//! logs an ERROR line) and renders nothing for a missing anchor, so every
//! include must name an existing file and an anchor (or line range) in it
//! that holds code.

use std::path::{Path, PathBuf};

use super::SRC;
use crate::anchors;
use crate::util::{self, Result, rel, root};

/// The book's Markdown pages, generated ones included.
fn md_files() -> Vec<PathBuf> {
    util::walk(&root().join(SRC))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect()
}

/// `{{#include SPEC}}` / `{{#rustdoc_include SPEC}}` in `text`: (byte offset,
/// directive, spec).
fn includes(text: &str) -> Vec<(usize, &str, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{#") {
        let start = from + i;
        from = start + 3;
        let rest = &text[start + 3..];
        let Some(close) = rest.find("}}") else { break };
        let inner = &rest[..close];
        let mut words = inner.split_whitespace();
        let (Some(directive), Some(spec), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        if directive == "include" || directive == "rustdoc_include" || directive == "quiz" {
            out.push((start, directive, spec));
        }
    }
    out
}

/// Every include of every page resolves to a non-empty snippet. Returns
/// how many.
pub fn check(problems: &mut Vec<String>) -> Result<usize> {
    let mut count = 0;
    for md in md_files() {
        let text = util::read(&md)?;
        count += check_page(&md, &text, problems);
    }
    Ok(count)
}

/// Every include of the page `md`, whose text is `text`, resolves to a
/// non-empty snippet (relative to the page's folder). Returns how many.
pub fn check_page(md: &Path, text: &str, problems: &mut Vec<String>) -> usize {
    let mut count = 0;
    for (at, directive, spec) in includes(text) {
        // Skip includes shown literally inside inline code.
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        if text[line_start..at].matches('`').count() % 2 == 1 {
            continue;
        }
        count += 1;
        let where_ = format!("{}: {{{{#{directive} {spec}}}}}", rel(md));
        let parts: Vec<&str> = spec.split(':').collect();
        let path = md.parent().unwrap_or(Path::new(".")).join(parts[0]);
        let Ok(content) = std::fs::read_to_string(&path) else {
            problems.push(format!("{where_}: no such file"));
            continue;
        };
        if directive == "quiz" {
            if !content.contains("[[questions]]") {
                problems.push(format!("{where_}: no [[questions]] in the quiz"));
            }
            continue;
        }
        if content.trim().is_empty() {
            problems.push(format!("{where_}: the file is empty"));
        }
        let number = |s: &str| s.parse::<usize>().ok();
        if let Some(first) = parts.get(1).and_then(|s| number(s)) {
            // A line `file:A` or range `file:A:B` (`file:A:` runs to the
            // end) must lie in the file and hold some code: mdBook renders
            // a range past the end as nothing.
            let lines: Vec<&str> = content.lines().collect();
            let last = match parts.get(2) {
                None => first,
                Some(s) => number(s).unwrap_or(lines.len()),
            };
            if !(1 <= first && first <= last && last <= lines.len()) {
                problems.push(format!(
                    "{where_}: lines {first}-{last} are not in {} ({} lines)",
                    parts[0],
                    lines.len()
                ));
            } else if lines[first - 1..last].iter().all(|l| l.trim().is_empty()) {
                problems.push(format!("{where_}: lines {first}-{last} are blank"));
            }
        } else if let Some(anchor) = parts.get(1).filter(|a| !a.is_empty()) {
            match anchors::snippet(&content, anchor) {
                None => problems.push(format!("{where_}: no anchor '{anchor}' in {}", parts[0])),
                Some(lines) if lines.iter().all(|l| l.trim().is_empty()) => {
                    problems.push(format!("{where_}: anchor '{anchor}' is empty"))
                }
                Some(_) => {}
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_specs() {
        let found =
            includes("a {{#include ../x.rs:name}} b {{#rustdoc_include y.rs}} {{#title t}}");
        let specs: Vec<&str> = found.iter().map(|f| f.2).collect();
        assert_eq!(specs, vec!["../x.rs:name", "y.rs"]);
    }
}
