//! A page as a reader meets it: every `{{#include}}` resolved as mdBook
//! resolves it (an anchor, a line range or a whole file; a generated page's
//! own includes too), each line remembering where it came from and whether
//! it is folded (inside `<details>`) or fenced.

use std::path::Path;

use crate::anchors;
use crate::util::{self, Result, root};

/// Where a line of the expanded page came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The page's own Markdown.
    Page,
    /// A page under `book/src/generated/` (the crates' printed output).
    Generated,
    /// Source from a crate, in a listing.
    Code,
}

/// One line of a page as the reader meets it.
#[derive(Debug)]
pub struct Line {
    pub(crate) text: String,
    pub(crate) origin: Origin,
    /// Inside a `<details>` fold (or the fold's own tags).
    pub(crate) folded: bool,
    /// Inside a fenced block (the fence lines included).
    pub(crate) fenced: bool,
    /// The include that brought the line in, relative to `book/src`
    /// (`generated/ex7/compare.md`, `../../exercises/ex1/src/tracker.rs:claim`).
    pub(crate) include: Option<String>,
}

/// `page` (a file under `book/src`) with its includes resolved and its
/// folds marked.
pub fn expand(page: &Path) -> Result<Vec<Line>> {
    let mut out = Vec::new();
    expand_into(page, Origin::Page, None, 0, &mut out)?;
    mark(&mut out);
    Ok(out)
}

/// Marks each line folded (inside `<details>`, or a fold's own tags) and
/// fenced (inside a fenced block, or its fence lines). A `<details>` inside
/// a fence is code, not a fold.
pub(crate) fn mark(lines: &mut [Line]) {
    let (mut depth, mut fence) = (0usize, false);
    for l in lines {
        let t = l.text.trim_start();
        let marker = t.starts_with("```") || t.starts_with("~~~");
        if !fence {
            let opens = l.text.matches("<details").count();
            let closes = l.text.matches("</details>").count();
            l.folded = depth > 0 || opens > 0;
            depth = (depth + opens).saturating_sub(closes);
        } else {
            l.folded = depth > 0;
        }
        l.fenced = fence || marker;
        if marker {
            fence = !fence;
        }
    }
}

/// An include directive that is the whole line: (directive, spec).
fn whole_line_include(line: &str) -> Option<(&str, &str)> {
    let inner = line.trim().strip_prefix("{{#")?.strip_suffix("}}")?;
    let mut words = inner.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(d @ ("include" | "rustdoc_include")), Some(spec), None) => Some((d, spec)),
        _ => None,
    }
}

fn expand_into(
    file: &Path,
    origin: Origin,
    include: Option<&str>,
    depth: usize,
    out: &mut Vec<Line>,
) -> Result<()> {
    if depth > 8 {
        return util::fail(format!("{}: includes nest too deep", util::rel(file)));
    }
    let text = util::read(file)?;
    let base = file.parent().unwrap_or(Path::new("."));
    let src = root().join("book/src");
    for line in text.lines() {
        let Some((_, spec)) = whole_line_include(line) else {
            out.push(Line {
                text: line.to_string(),
                origin,
                folded: false,
                fenced: false,
                include: include.map(str::to_string),
            });
            continue;
        };
        let mut parts = spec.splitn(2, ':');
        let target = util::normalize(&base.join(parts.next().unwrap_or_default()));
        let selector = parts.next();
        // The include as the book's top page would spell it.
        let name = {
            let rel = relative_to(&target, &src);
            match selector {
                Some(s) => format!("{rel}:{s}"),
                None => rel,
            }
        };
        let content = util::read(&target)?;
        let is_md = target.extension().is_some_and(|e| e == "md");
        if is_md && selector.is_none() {
            let o = if target.starts_with(src.join("generated")) {
                Origin::Generated
            } else {
                origin
            };
            expand_into(&target, o, Some(include.unwrap_or(&name)), depth + 1, out)?;
            continue;
        }
        let o = if is_md { origin } else { Origin::Code };
        for l in select(&content, selector) {
            out.push(Line {
                text: l.to_string(),
                origin: o,
                folded: false,
                fenced: false,
                include: Some(include.map_or(name.clone(), str::to_string)),
            });
        }
    }
    Ok(())
}

/// The lines `{{#include FILE:SELECTOR}}` shows: an anchor, a line `A`, a
/// range `A:B` (`A:` to the end), or the whole file; anchor markers left out
/// as mdBook leaves them out.
fn select<'a>(content: &'a str, selector: Option<&str>) -> Vec<&'a str> {
    let lines: Vec<&str> = content.lines().collect();
    let number = |s: &str| s.parse::<usize>().ok();
    let picked: Vec<&str> = match selector {
        None | Some("") => lines,
        Some(s) => {
            let mut p = s.splitn(2, ':');
            let a = p.next().unwrap_or_default();
            match (number(a), p.next()) {
                (Some(first), None) => lines.get(first - 1..first).unwrap_or(&[]).to_vec(),
                (Some(first), Some(b)) => {
                    let last = number(b).unwrap_or(lines.len()).min(lines.len());
                    lines.get(first.max(1) - 1..last).unwrap_or(&[]).to_vec()
                }
                (None, _) => anchors::snippet(content, a).unwrap_or_default(),
            }
        }
    };
    picked
        .into_iter()
        .filter(|l| anchors::marker(l).is_none())
        .collect()
}

/// `target` as a path from `base` (both absolute and normalised).
fn relative_to(target: &Path, base: &Path) -> String {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_relative_to_the_book() {
        let src = Path::new("/r/book/src");
        assert_eq!(
            relative_to(Path::new("/r/book/src/generated/ex1/a.md"), src),
            "generated/ex1/a.md"
        );
        assert_eq!(
            relative_to(Path::new("/r/exercises/ex1/src/lib.rs"), src),
            "../../exercises/ex1/src/lib.rs"
        );
    }
}
