//! `cargo xtask check-book`: the book builds, and what mdBook 0.5 lets
//! through silently fails here.
//!
//! 1. Structure: every crate chapter (`book/src/chNN-*.md`) follows the
//!    book's one order (the Run it box; the question, with the lesson in a
//!    `> **In short:**` line, before the first section; the sections, with
//!    code; What to remember, Try this, Try it yourself), and no page has a
//!    hand-typed Rust block.
//! 2. Includes: mdBook exits 0 when an `{{#include}}` file is missing (it
//!    logs an ERROR line) and renders nothing for a missing anchor, so every
//!    include must name an existing file and an anchor (or line range) in it
//!    that holds code.
//! 3. The build: any ERROR or WARN line in mdbook's log fails.
//! 4. The HTML: no `{{#` is left in a page, and every internal link (page and
//!    `#fragment`) resolves.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::anchors;
use crate::manifest::Manifest;
use crate::util::{self, Result, fail, rel, root};

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
    let (pages, links) = check_html(&mut problems)?;
    let toc = root().join(OUT).join("toc.html");
    sidebar_numbers(&util::read(&toc)?, &mut problems);
    if !problems.is_empty() {
        return report(problems);
    }
    println!(
        "book: {includes} includes resolved, {pages} pages built, {links} internal links alive"
    );
    Ok(())
}

/// The book's rules that need no tool (structure, includes and anchors),
/// for `cargo xtask check`; `check` runs them before building the book.
/// Returns how many includes resolved.
pub fn rules(m: &Manifest) -> Result<usize> {
    let mut problems = Vec::new();
    let summary = structure(m, &mut problems)?;
    if !problems.is_empty() {
        return report(problems);
    }
    println!("{summary}");
    let includes = check_includes(&mut problems)?;
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

/// Every include resolves to a non-empty snippet. Returns how many.
fn check_includes(problems: &mut Vec<String>) -> Result<usize> {
    let mut count = 0;
    for md in md_files() {
        let text = util::read(&md)?;
        for (at, directive, spec) in includes(&text) {
            // Skip includes shown literally inside inline code.
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            if text[line_start..at].matches('`').count() % 2 == 1 {
                continue;
            }
            count += 1;
            let where_ = format!("{}: {{{{#{directive} {spec}}}}}", rel(&md));
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
                    None => {
                        problems.push(format!("{where_}: no anchor '{anchor}' in {}", parts[0]))
                    }
                    Some(lines) if lines.iter().all(|l| l.trim().is_empty()) => {
                        problems.push(format!("{where_}: anchor '{anchor}' is empty"))
                    }
                    Some(_) => {}
                }
            }
        }
    }
    Ok(count)
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

/// The chapter titles carry their own numbers (chapter N goes with exercise
/// N; the asides between them have none), so the sidebar must not add a
/// second one: mdBook's section labels (`<strong aria-hidden="true">2.</strong>`
/// before "1. A tracking allocator") are off (`no-section-label`).
fn sidebar_numbers(toc_html: &str, problems: &mut Vec<String>) {
    const LABEL: &str = "<strong aria-hidden=\"true\">";
    if let Some(at) = toc_html.find(LABEL) {
        let shown: String = toc_html[at + LABEL.len()..]
            .chars()
            .take_while(|&c| c != '<')
            .collect();
        problems.push(format!(
            "the sidebar numbers chapters twice (a section label {shown:?} before a title \
             with its own number): set no-section-label = true under [output.html] in book.toml"
        ));
    }
}

/// What the link check needs of a page: its ids and its links.
#[derive(Default)]
struct Page {
    ids: HashSet<String>,
    links: Vec<String>,
}

/// A small tag scanner for mdBook's HTML: attributes of start tags, with
/// `<script>` and `<style>` bodies skipped (their `<` are not tags).
fn scan_html(html: &str) -> Page {
    let mut page = Page::default();
    let mut i = 0;
    let b = html.as_bytes();
    while let Some(off) = html[i..].find('<') {
        let start = i + off + 1;
        if html[start..].starts_with("!--") {
            i = html[start..]
                .find("-->")
                .map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let name_end = html[start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(html.len(), |e| start + e);
        let tag = html[start..name_end].to_ascii_lowercase();
        if tag.is_empty() {
            i = start;
            continue;
        }
        // The attributes, up to the closing `>` outside quotes.
        let mut j = name_end;
        let mut quote = None;
        while j < b.len() {
            match (quote, b[j]) {
                (None, b'"' | b'\'') => quote = Some(b[j]),
                (Some(q), c) if c == q => quote = None,
                (None, b'>') => break,
                _ => {}
            }
            j += 1;
        }
        let attrs = attributes(&html[name_end..j.min(html.len())]);
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let Some(id) = get("id") {
            page.ids.insert(id);
        }
        if tag == "a"
            && let Some(name) = get("name").filter(|n| !n.is_empty())
        {
            page.ids.insert(name);
        }
        if matches!(tag.as_str(), "a" | "link" | "script" | "img")
            && let Some(link) = get("href").or_else(|| get("src")).filter(|l| !l.is_empty())
        {
            page.links.push(link);
        }
        i = j + 1;
        if tag == "script" || tag == "style" {
            let close = format!("</{tag}");
            i = html[i.min(html.len())..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(html.len(), |e| i + e);
        }
        if i >= html.len() {
            break;
        }
    }
    page
}

/// `name="value"` pairs (entities in values decoded as far as links need).
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        if start == i {
            break;
        }
        let name = s[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let end = s[i + 1..].find(q as char).map_or(s.len(), |e| i + 1 + e);
                value = s[i + 1..end].to_string();
                i = end + 1;
            } else {
                let end = s[i..]
                    .find(|c: char| c.is_ascii_whitespace())
                    .map_or(s.len(), |e| i + e);
                value = s[i..end].to_string();
                i = end;
            }
        }
        let value = value
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'");
        out.push((name, value));
    }
    out
}

/// No `{{#` left, every internal link alive. Returns (pages, links checked).
fn check_html(problems: &mut Vec<String>) -> Result<(usize, usize)> {
    let out = root().join(OUT);
    let mut pages: HashMap<PathBuf, Page> = HashMap::new();
    for f in util::walk(&out) {
        if f.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let text = util::read(&f)?;
        if text.contains("{{#") {
            problems.push(format!(
                "{}: an unexpanded '{{{{#' is left in the page",
                rel(&f)
            ));
        }
        pages.insert(util::normalize(&f), scan_html(&text));
    }
    let mut checked = 0;
    let mut sorted: Vec<_> = pages.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (f, page) in sorted {
        for link in &page.links {
            let scheme = link
                .split_once(':')
                .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase()));
            if scheme || link.starts_with("//") {
                continue; // external (http:, https:, mailto:, data:)
            }
            let (target, frag) = link.split_once('#').unwrap_or((link, ""));
            let target = target.split('?').next().unwrap_or("");
            let dest = if target.is_empty() {
                f.clone()
            } else {
                util::normalize(&f.parent().unwrap_or(Path::new("")).join(target))
            };
            checked += 1;
            if !dest.exists() {
                problems.push(format!("{}: broken link {link}", rel(f)));
                continue;
            }
            if !frag.is_empty()
                && dest.extension().is_some_and(|e| e == "html")
                && !pages.get(&dest).is_some_and(|p| p.ids.contains(frag))
            {
                let name = if target.is_empty() {
                    "this page"
                } else {
                    target
                };
                problems.push(format!("{}: no #{frag} in {name}", rel(f)));
            }
        }
    }
    Ok((pages.len(), checked))
}

// ---- Structure -----------------------------------------------------------

/// A fenced block: its opening line (1-based), info string and body lines.
struct Fence<'a> {
    line: usize,
    info: &'a str,
    body: Vec<&'a str>,
}

/// Splits a page into fences and the lines outside them (1-based line
/// number → text, for every line not inside or opening/closing a fence).
fn scan<'a>(lines: &[&'a str]) -> (Vec<Fence<'a>>, HashMap<usize, String>) {
    let mut fences = Vec::new();
    let mut outside = HashMap::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        let mark_char = t.chars().next().filter(|c| *c == '`' || *c == '~');
        let mark_len = mark_char.map_or(0, |c| t.chars().take_while(|x| *x == c).count());
        let (Some(c), true) = (mark_char, mark_len >= 3) else {
            outside.insert(i + 1, lines[i].to_string());
            i += 1;
            continue;
        };
        let rest = t[mark_len..].trim_start();
        let info_end = rest
            .find(|x: char| x.is_whitespace() || x == '`')
            .unwrap_or(rest.len());
        let info = &rest[..info_end];
        let mut j = i + 1;
        while j < lines.len() {
            let u = lines[j].trim();
            if u.len() >= mark_len && u.chars().all(|x| x == c) {
                break;
            }
            j += 1;
        }
        fences.push(Fence {
            line: i + 1,
            info,
            body: lines[i + 1..j.min(lines.len())].to_vec(),
        });
        i = j + 1;
    }
    (fences, outside)
}

/// ```` ```rust ````, ```` ```rust,ignore ````, … (not ```` ```rusty ````).
fn is_rust(info: &str) -> bool {
    info.split([',', ' ', '{']).next() == Some("rust")
}

/// A line that is only an include directive (of a crate's code, when `code`).
fn include_line(line: &str, code: bool) -> bool {
    let t = line.trim();
    let Some(inner) = t.strip_prefix("{{#").and_then(|s| s.strip_suffix("}}")) else {
        return false;
    };
    let mut words = inner.split_whitespace();
    let ok = matches!(words.next(), Some("include" | "rustdoc_include"));
    let spec = words.next();
    ok && words.next().is_none() && spec.is_some_and(|s| !code || s.starts_with("../../exercises/"))
}

/// A heading `#… text`: (level, text).
fn heading(line: &str) -> Option<(usize, String)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 6 || !line[level..].starts_with(char::is_whitespace) {
        return None;
    }
    let text = line[level..].trim().trim_end_matches('#').trim_end();
    Some((level, text.to_string()))
}

fn not_prose(line: &str) -> bool {
    let t = line.trim_start();
    [
        ">", "#", "```", "~~~", "{{#", "|", "![", "<", "- ", "* ", "+ ",
    ]
    .iter()
    .any(|p| t.starts_with(p))
        || {
            let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
            digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
        }
}

fn run_it(line: &str) -> bool {
    line.strip_prefix('>')
        .is_some_and(|r| r.trim_start().starts_with("**Run it:**"))
}

struct Structure<'p> {
    page: String,
    problems: &'p mut Vec<String>,
}

impl Structure<'_> {
    fn problem(&mut self, line: usize, what: impl AsRef<str>) {
        self.problems
            .push(format!("{}:{line}: {}", self.page, what.as_ref()));
    }

    /// The page opens with its Run it box; returns (its line, exN, the line
    /// after it).
    fn run_it_box(&mut self, outside: &HashMap<usize, String>) -> Option<(usize, String, usize)> {
        let mut numbered: Vec<(&usize, &String)> = outside.iter().collect();
        numbered.sort();
        let nonblank: Vec<(usize, &str)> = numbered
            .iter()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| (**n, l.as_str()))
            .collect();
        if nonblank.first().is_none_or(|(_, l)| !l.starts_with("# ")) {
            self.problem(
                nonblank.first().map_or(1, |x| x.0),
                "the page does not start with a '# ' title",
            );
            return None;
        }
        if nonblank.get(1).is_none_or(|(_, l)| !run_it(l)) {
            let line = nonblank.get(1).unwrap_or(&nonblank[0]).0;
            self.problem(
                line,
                "the first line after the title is not the '> **Run it:**' box",
            );
            return None;
        }
        let start = nonblank[1].0;
        let mut n = start;
        let mut text = String::new();
        while let Some(l) = outside.get(&n).filter(|l| l.starts_with('>')) {
            text += l;
            text.push(' ');
            n += 1;
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let ex = words
            .windows(2)
            .find(|w| w[0] == "-p" || w[0] == "`-p")
            .map(|w| {
                w[1].trim_matches(|c: char| !c.is_alphanumeric())
                    .to_string()
            })
            .filter(|e| crate::manifest::exercise_number(e).is_some());
        let Some(ex) = ex else {
            self.problem(start, "the 'Run it' box names no crate with '-p exN'");
            return None;
        };
        if !root()
            .join("exercises")
            .join(&ex)
            .join("Cargo.toml")
            .is_file()
        {
            self.problem(
                start,
                format!("the 'Run it' box names -p {ex}, but there is no exercises/{ex}"),
            );
            return None;
        }
        for (i, _) in text.match_indices("exercises/") {
            let other: String = text[i + 10..]
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            if crate::manifest::exercise_number(&other).is_some() && other != ex {
                self.problem(
                    start,
                    format!("the 'Run it' box names -p {ex} but crate exercises/{other}"),
                );
            }
        }
        if !text.contains(&format!("`cargo xtask view {ex}`")) {
            self.problem(
                start,
                format!("the 'Run it' box does not show `cargo xtask view {ex}` (the profile in the viewer)"),
            );
        }
        Some((start, ex, n))
    }

    fn chapter(&mut self, m: &Manifest, name: &str, lines: &[&str]) {
        let (fences, outside) = scan(lines);
        let Some((run_line, ex, after_box)) = self.run_it_box(&outside) else {
            return;
        };
        match m.get(&ex) {
            Some(e) if e.chapter == name => {}
            Some(e) => self.problem(
                run_line,
                format!(
                    "the 'Run it' box names {ex}, whose chapter in the manifest is {}",
                    e.chapter
                ),
            ),
            None => self.problem(run_line, format!("{ex} is not in exercises/manifest.toml")),
        }
        // Predictions: at least three questions, every quiz shown.
        if let Some(e) = m.get(&ex) {
            if e.quiz.len() < 3 {
                self.problem(
                    run_line,
                    format!(
                        "{ex} has {} prediction question(s) in exercises/manifest.toml \
                         ([[{ex}.quiz]]); a chapter asks at least 3",
                        e.quiz.len()
                    ),
                );
            }
            let files: std::collections::BTreeSet<String> = e
                .quiz
                .iter()
                .map(|q| crate::quiz::file_name(&q.file))
                .collect();
            for f in files {
                let want = format!("{{{{#quiz generated/{ex}/{f}}}}}");
                if !outside.values().any(|l| l.trim() == want) {
                    self.problem(
                        run_line,
                        format!("the chapter does not show its quiz: no line {want}"),
                    );
                }
            }
        }
        let total = lines.len();
        let mut heads: Vec<(usize, usize, String)> = outside
            .iter()
            .filter_map(|(n, l)| heading(l).map(|(lv, t)| (*n, lv, t)))
            .collect();
        heads.sort();
        let h2: Vec<(usize, &str)> = heads
            .iter()
            .filter(|h| h.1 == 2)
            .map(|h| (h.0, h.2.as_str()))
            .collect();
        // 2. The idea: prose between the box and the first ## heading.
        let first_h2 = h2.first().map_or(total + 1, |h| h.0);
        if !outside
            .iter()
            .any(|(n, l)| after_box <= *n && *n < first_h2 && !l.trim().is_empty() && !not_prose(l))
        {
            self.problem(run_line, "no prose paragraph (the idea) between the 'Run it' box and the first '## ' heading");
        }
        // 3. The lesson, in a line the reader meets before the first section.
        if !outside.iter().any(|(n, l)| {
            after_box <= *n && *n < first_h2 && l.trim_start().starts_with("> **In short:**")
        }) {
            self.problem(
                run_line,
                "no '> **In short:**' line (the chapter's lesson) before the first '## ' heading",
            );
        }
        // 4. The code.
        if !fences
            .iter()
            .any(|f| is_rust(f.info) && f.body.iter().any(|l| include_line(l, true)))
        {
            self.problem(
                run_line,
                "no code listing: a ```rust block with {{#include ../../exercises/...}}",
            );
        }
        // 5. The sections, then the three that close every chapter, in order.
        let closing = ["What to remember", "Try this", "Try it yourself"];
        let last: Vec<&str> = h2.iter().rev().take(3).rev().map(|h| h.1).collect();
        if last != closing {
            self.problem(
                h2.last().map_or(total, |h| h.0),
                format!(
                    "the last '## ' sections are {last:?}, not {closing:?} (the sections that teach come before them)"
                ),
            );
            return;
        }
        let (last_n, last_t) = h2.last().copied().unwrap_or((total, ""));
        if last_t != "Try it yourself" {
            self.problem(
                last_n,
                format!("the last '## ' section is '{last_t}', not '## Try it yourself'"),
            );
            return;
        }
        let want = format!("{{{{#include generated/{ex}/starter.md}}}}");
        if !(last_n + 1..=total).any(|n| outside.get(&n).is_some_and(|l| l.trim() == want)) {
            self.problem(
                last_n,
                format!(
                    "'## Try it yourself' does not include {want} (the chapter's exercise is {ex})"
                ),
            );
        }
    }
}

/// The source lines (0-based, inclusive) a listing's include shows, for an
/// include of a file under `exercises/` (`spec` relative to `book/src`).
fn included_lines(spec: &str) -> Option<(String, usize, usize)> {
    let parts: Vec<&str> = spec.split(':').collect();
    let file = parts[0].trim_start_matches("../").to_string();
    if !file.starts_with("exercises/") {
        return None;
    }
    let text = std::fs::read_to_string(root().join(&file)).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let number = |s: &str| s.parse::<usize>().ok();
    match (parts.get(1), parts.get(2)) {
        (None, _) | (Some(&""), None) => Some((file, 0, lines.len().saturating_sub(1))),
        (Some(a), b) if number(a).is_some() => {
            let first = number(a)?;
            let last = match b {
                None => first,
                Some(b) => number(b).unwrap_or(lines.len()),
            };
            Some((file, first.saturating_sub(1), last.saturating_sub(1)))
        }
        (Some(anchor), _) => {
            let start = lines
                .iter()
                .position(|l| anchors::marker(l) == Some(anchors::Marker::Start(anchor)))?;
            let end = lines[start..]
                .iter()
                .position(|l| anchors::marker(l) == Some(anchors::Marker::End(anchor)))
                .map_or(lines.len() - 1, |k| start + k);
            Some((file, start, end))
        }
    }
}

/// What a chapter shows of its learner tasks: each task's statement (its
/// generated `task-NAME.md`) comes before any listing of its solution, and
/// every listing that shows a solution sits in a fold (`<details>` with
/// "Show the solution"), so a reader who tries first meets none unasked.
fn folds(
    m: &Manifest,
    ex: &str,
    lines: &[&str],
    fences: &[Fence],
    tasks: &[crate::tasks::FoundTask],
) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let mine: Vec<&crate::tasks::FoundTask> = tasks.iter().filter(|t| t.ex == ex).collect();
    if m.get(ex).is_none() || mine.is_empty() {
        return problems;
    }
    // The fold each line is in, if any: the line of its `<summary>`.
    let mut fold_at: Vec<Option<usize>> = vec![None; lines.len() + 2];
    let mut open: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.starts_with("<details") {
            open = Some(i + 1);
        }
        fold_at[i + 1] = open;
        if t.starts_with("</details>") {
            open = None;
        }
    }
    let statement_line = |name: &str| {
        let want = format!(
            "{{{{#include generated/{ex}/{}}}}}",
            crate::tasks::task_file(name)
        );
        lines.iter().position(|l| l.trim() == want).map(|i| i + 1)
    };
    for t in &mine {
        if statement_line(&t.span.name).is_none() {
            problems.push((
                1,
                format!(
                    "task {} is not set: no line {{{{#include generated/{ex}/{}}}}} where its code is explained",
                    t.span.name,
                    crate::tasks::task_file(&t.span.name)
                ),
            ));
        }
    }
    for f in fences.iter().filter(|f| is_rust(f.info)) {
        for l in &f.body {
            let Some(spec) = l
                .trim()
                .strip_prefix("{{#include ")
                .and_then(|s| s.strip_suffix("}}"))
            else {
                continue;
            };
            let Some((file, first, last)) = included_lines(spec) else {
                continue;
            };
            for t in mine.iter().filter(|t| t.path == file) {
                let body = (t.span.start + 1, t.span.end.saturating_sub(1));
                if body.0 > body.1 || last < body.0 || first > body.1 {
                    continue;
                }
                let Some(fold) = fold_at[f.line] else {
                    problems.push((
                        f.line,
                        format!(
                            "this listing shows task {}'s solution outside a fold: put it in \
                             <details><summary>Show the solution</summary> ... </details>",
                            t.span.name
                        ),
                    ));
                    continue;
                };
                if !lines[fold - 1..f.line]
                    .iter()
                    .any(|l| l.contains("Show the solution"))
                {
                    problems.push((fold, "a fold's summary is not 'Show the solution'".into()));
                }
                match statement_line(&t.span.name) {
                    Some(s) if s < f.line => {}
                    _ => problems.push((
                        f.line,
                        format!(
                            "task {}'s solution comes before its statement ({{{{#include generated/{ex}/{}}}}})",
                            t.span.name,
                            crate::tasks::task_file(&t.span.name)
                        ),
                    )),
                }
            }
        }
    }
    problems
}

/// Structure of every page; returns the summary line.
fn structure(m: &Manifest, problems: &mut Vec<String>) -> Result<String> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join(SRC))
        .map_err(|e| format!("{SRC}: {e}"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let (mut chapters, mut asides) = (0, 0);
    let tasks = crate::tasks::all_tasks(m)?;
    for path in &pages {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = util::read(path)?;
        let lines: Vec<&str> = text.lines().collect();
        let (fences, outside) = scan(&lines);
        let mut s = Structure {
            page: rel(path),
            problems,
        };
        for f in fences.iter().filter(|f| is_rust(f.info)) {
            if f.body.iter().all(|l| l.trim().is_empty()) {
                s.problem(
                    f.line,
                    "empty ```rust block: include the code from its crate",
                );
            }
            if let Some(k) = f
                .body
                .iter()
                .position(|l| !l.trim().is_empty() && !include_line(l, false))
            {
                s.problem(
                    f.line + k + 1,
                    "hand-typed Rust in a ```rust block: include it from the crate \
                     ({{#include ../../exercises/exN/src/FILE.rs:ANCHOR}})",
                );
            }
        }
        if name == "SUMMARY.md" {
            continue;
        }
        let is_chapter = name.starts_with("ch")
            && name[2..].starts_with(|c: char| c.is_ascii_digit())
            && name.contains('-');
        if is_chapter {
            chapters += 1;
            s.chapter(m, &name, &lines);
            if let Some((ex, _)) = m.exercises.iter().find(|(_, e)| e.chapter == name) {
                for (line, what) in folds(m, ex, &lines, &fences, &tasks) {
                    s.problem(line, what);
                }
            }
        } else if outside.values().any(|l| run_it(l)) {
            asides += 1;
            s.run_it_box(&outside);
        }
    }
    Ok(format!(
        "structure: {chapters} crate chapters in order (Run it, the question and its lesson, \
         the sections, What to remember, Try this, Try it yourself), {asides} other 'Run it' page(s) open with it, \
         no hand-typed Rust in {} pages",
        pages.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_ids_outside_scripts() {
        let p = scan_html(
            "<a href=\"ch1.html#x\" id=a>t</a><script>var s = '<a href=\"no.html\">';</script>\
             <h2 id='why'>Why</h2><img src=\"i.png\"><!-- <a href=\"c.html\"> -->",
        );
        assert_eq!(p.links, vec!["ch1.html#x", "i.png"]);
        assert!(p.ids.contains("a") && p.ids.contains("why"));
    }

    #[test]
    fn a_second_chapter_number_in_the_sidebar_is_a_problem() {
        let mut problems = Vec::new();
        sidebar_numbers(
            "<li><a href=\"ch01.html\">1. A tracking allocator</a></li>",
            &mut problems,
        );
        assert!(problems.is_empty());
        sidebar_numbers(
            "<li><a href=\"ch01.html\"><strong aria-hidden=\"true\">2.</strong> \
             1. A tracking allocator</a></li>",
            &mut problems,
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("\"2.\""), "{problems:?}");
    }

    #[test]
    fn include_specs() {
        let found =
            includes("a {{#include ../x.rs:name}} b {{#rustdoc_include y.rs}} {{#title t}}");
        let specs: Vec<&str> = found.iter().map(|f| f.2).collect();
        assert_eq!(specs, vec!["../x.rs:name", "y.rs"]);
    }
}
