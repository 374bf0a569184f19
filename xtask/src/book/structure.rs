//! Structure: every crate chapter (`book/src/chNN-*.md`) follows the book's
//! one order (the Run it box; the question, with the lesson in a
//! `> **In short:**` line, before the first section; the sections, with
//! code; What to remember, Try this, Try it yourself), every solution it
//! shows comes after its task's statement and sits in a fold, and no page
//! has a hand-typed Rust block.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::SRC;
use crate::anchors;
use crate::manifest::Manifest;
use crate::tasks::{self, FoundTask};
use crate::util::{self, Result, rel, root};

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
    tasks: &[FoundTask],
) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let mine: Vec<&FoundTask> = tasks.iter().filter(|t| t.ex == ex).collect();
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
        let want = format!("{{{{#include generated/{ex}/{}}}}}", tasks::task_file(name));
        lines.iter().position(|l| l.trim() == want).map(|i| i + 1)
    };
    for t in &mine {
        if statement_line(&t.span.name).is_none() {
            problems.push((
                1,
                format!(
                    "task {} is not set: no line {{{{#include generated/{ex}/{}}}}} where its code is explained",
                    t.span.name,
                    tasks::task_file(&t.span.name)
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
                            tasks::task_file(&t.span.name)
                        ),
                    )),
                }
            }
        }
    }
    problems
}

/// Structure of every page; returns the summary line.
pub fn check(m: &Manifest, problems: &mut Vec<String>) -> Result<String> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join(SRC))
        .map_err(|e| format!("{SRC}: {e}"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let (mut chapters, mut asides) = (0, 0);
    let tasks = tasks::all_tasks(m)?;
    for path in &pages {
        let text = util::read(path)?;
        match check_page(m, path, &text, &tasks, problems) {
            Kind::Chapter => chapters += 1,
            Kind::Aside => asides += 1,
            Kind::Other => {}
        }
    }
    Ok(format!(
        "structure: {chapters} crate chapters in order (Run it, the question and its lesson, \
         the sections, What to remember, Try this, Try it yourself), {asides} other 'Run it' page(s) open with it, \
         no hand-typed Rust in {} pages",
        pages.len()
    ))
}

/// What a page of `book/src` is, as the structure check reads it.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    /// A crate chapter: `chNN-*.md`.
    Chapter,
    /// Another page that opens with a Run it box.
    Aside,
    /// Any other page.
    Other,
}

/// The structure of the page at `path` (in `book/src`), whose text is
/// `text`, given the book's `tasks`.
pub fn check_page(
    m: &Manifest,
    path: &Path,
    text: &str,
    tasks: &[FoundTask],
    problems: &mut Vec<String>,
) -> Kind {
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
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
        return Kind::Other;
    }
    let is_chapter = name.starts_with("ch")
        && name[2..].starts_with(|c: char| c.is_ascii_digit())
        && name.contains('-');
    if is_chapter {
        s.chapter(m, &name, &lines);
        if let Some((ex, _)) = m.exercises.iter().find(|(_, e)| e.chapter == name) {
            for (line, what) in folds(m, ex, &lines, &fences, tasks) {
                s.problem(line, what);
            }
        }
        Kind::Chapter
    } else if outside.values().any(|l| run_it(l)) {
        s.run_it_box(&outside);
        Kind::Aside
    } else {
        Kind::Other
    }
}
