//! What a reader sees of a page, and the teach-first gates measured on it.
//!
//! A page is expanded as mdBook expands it (`reader/page.rs`): every
//! `{{#include}}` resolved, each line remembering where it came from: the
//! page's own text, a generated page (`book/src/generated/`), or code from
//! the crates. Lines
//! inside `<details>` are *folded*; everything else is *visible*. The gates
//! count the visible part only, so that the evidence can stay complete in its
//! folds while the lesson stays short.
//!
//! The gates (`cargo xtask check-book` prints the table each time):
//! - a numbered chapter states its lesson in a line starting `> **In short:**`
//!   within its first 800 visible words, and ends its teaching with
//!   `## What to remember` (before `## Try this`): 3 to 6 bullets, none with
//!   a digit;
//! - no visible listing over 40 lines (listings with fewer than 30 words
//!   between them count as one), at most 200 visible code lines a chapter;
//! - visible generated words at most 60% of the chapter's own prose words;
//! - at most 6 visible tables a chapter, 3 in "Choosing an allocator";
//! - the measurement harness (`[book] harness` in the manifest) is included
//!   only in the appendix "How the numbers are made";
//! - no generated table is included twice in the book, and no page says "the
//!   verdict line under the table".
//!
//! A chapter's gates fail the check once it is listed in the manifest's
//! `[book] teach_first`; until then they are reported only.

mod page;

use std::collections::BTreeMap;

use comfy_table::Table;

use crate::manifest::Manifest;
use crate::util::{self, Result, root};

pub use page::{Line, Origin, expand};

/// The appendix that holds the measurement harness.
pub(crate) const APPENDIX: &str = "how-numbers.md";
/// The page that recommends, from the chapters' findings.
pub(crate) const CHOOSING: &str = "choosing.md";

const LESSON: &str = "> **In short:**";
const REMEMBER: &str = "## What to remember";
const TRY_THIS: &str = "## Try this";
const LESSON_WITHIN_WORDS: usize = 800;
const MAX_LISTING: usize = 40;
const LISTING_GAP_WORDS: usize = 30;
const MAX_CODE_LINES: usize = 200;
const MAX_GENERATED_SHARE: f64 = 0.6;
const MAX_TABLES: usize = 6;
const MAX_TABLES_CHOOSING: usize = 3;
const BANNED: &str = "the verdict line under the table";

/// A rust block's line that mdBook hides (`# ` or a lone `#`).
fn hidden(line: &str) -> bool {
    let t = line.trim_start();
    t == "#" || t.starts_with("# ")
}

fn words(line: &str) -> usize {
    line.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

fn is_table_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// What the gates measure of one page.
#[derive(Debug, Default, PartialEq)]
pub struct Measures {
    /// Visible words of the page's own prose (not code, not tables).
    pub(crate) prose: usize,
    /// Visible words that generated pages bring in (tables included).
    pub(crate) generated: usize,
    /// Visible lines inside fenced blocks.
    pub(crate) code: usize,
    /// The longest visible listing, in lines, and the line (1-based, of the
    /// expanded page) where it starts.
    pub(crate) longest: (usize, usize),
    /// Visible tables.
    pub(crate) tables: usize,
    /// Visible words before the `> **In short:**` line, if there is one.
    pub(crate) lesson_at: Option<usize>,
    /// The `## What to remember` bullets, if the section is there.
    pub(crate) remember: Option<Vec<String>>,
    /// `## Try this` came before `## What to remember` (the lessons close
    /// the teaching; the exercises follow them).
    pub(crate) remember_after_try: bool,
}

/// Measures an expanded page.
pub fn measure(lines: &[Line]) -> Measures {
    let mut m = Measures::default();
    let visible: Vec<&Line> = lines.iter().filter(|l| !l.folded).collect();
    // Listings: runs of fenced lines; one listing goes on over a gap of
    // fewer than LISTING_GAP_WORDS words.
    let (mut current, mut start, mut gap, mut in_fence) = (0usize, 0usize, usize::MAX, false);
    let mut seen_words = 0usize;
    let mut in_remember = false;
    for (i, l) in visible.iter().enumerate() {
        let t = l.text.trim_start();
        let marker = l.fenced && (t.starts_with("```") || t.starts_with("~~~"));
        if l.fenced {
            if marker && !in_fence && gap >= LISTING_GAP_WORDS {
                current = 0;
                start = i + 1;
            }
            if marker {
                in_fence = !in_fence;
            } else if !hidden(&l.text) {
                current += 1;
                m.code += 1;
                if current > m.longest.0 {
                    m.longest = (current, start);
                }
            }
            gap = 0;
            continue;
        }
        let w = words(&l.text);
        gap = gap.saturating_add(w);
        if t.starts_with('#') {
            in_remember = l.origin == Origin::Page && l.text.trim() == REMEMBER;
            if in_remember {
                m.remember = Some(Vec::new());
            }
            if l.origin == Origin::Page && l.text.trim() == TRY_THIS && m.remember.is_none() {
                m.remember_after_try = true;
            }
        } else if in_remember {
            let bullets = m.remember.get_or_insert_with(Vec::new);
            if t.starts_with("- ") || t.starts_with("* ") {
                bullets.push(t[2..].to_string());
            } else if !t.is_empty()
                && let Some(last) = bullets.last_mut()
            {
                last.push(' ');
                last.push_str(t);
            }
        }
        if t.starts_with(LESSON) && m.lesson_at.is_none() {
            m.lesson_at = Some(seen_words);
        }
        let table_row = t.starts_with('|');
        if table_row
            && visible
                .get(i + 1)
                .is_some_and(|n| !n.fenced && is_table_separator(&n.text))
        {
            m.tables += 1;
        }
        match l.origin {
            Origin::Generated => m.generated += w,
            Origin::Page if !table_row && !t.starts_with('<') => m.prose += w,
            _ => {}
        }
        seen_words += w;
    }
    m
}

/// A numbered chapter's page: `chNN-….md`.
fn numbered(page: &str) -> bool {
    page.len() > 4 && page.starts_with("ch") && page[2..4].chars().all(|c| c.is_ascii_digit())
}

/// The gates one page fails, as messages.
pub fn gates(page: &str, m: &Measures, lines: &[Line], harness: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if numbered(page) {
        match m.lesson_at {
            None => out.push(format!(
                "no line starting '{LESSON}' (the chapter's lesson)"
            )),
            Some(w) if w > LESSON_WITHIN_WORDS => out.push(format!(
                "the lesson line comes after {w} visible words (at most {LESSON_WITHIN_WORDS})"
            )),
            Some(_) => {}
        }
        match &m.remember {
            None => out.push(format!("no '{REMEMBER}' section")),
            Some(b) if !(3..=6).contains(&b.len()) => out.push(format!(
                "'{REMEMBER}' has {} bullets (3 to 6, each a lesson)",
                b.len()
            )),
            Some(b) => {
                for bullet in b.iter().filter(|b| b.chars().any(|c| c.is_ascii_digit())) {
                    out.push(format!("a '{REMEMBER}' bullet has a digit: {bullet}"));
                }
            }
        }
        if m.remember.is_some() && m.remember_after_try {
            out.push(format!("'{REMEMBER}' comes after '{TRY_THIS}'"));
        }
        if m.longest.0 > MAX_LISTING {
            out.push(format!(
                "a visible listing of {} lines (at most {MAX_LISTING}), from line {} of the expanded page",
                m.longest.0, m.longest.1
            ));
        }
        if m.code > MAX_CODE_LINES {
            out.push(format!(
                "{} visible code lines (at most {MAX_CODE_LINES})",
                m.code
            ));
        }
        if m.generated as f64 > MAX_GENERATED_SHARE * m.prose as f64 {
            out.push(format!(
                "{} visible generated words against {} words of prose (at most {:.0}%)",
                m.generated,
                m.prose,
                MAX_GENERATED_SHARE * 100.0
            ));
        }
        if m.tables > MAX_TABLES {
            out.push(format!(
                "{} visible tables (at most {MAX_TABLES})",
                m.tables
            ));
        }
    }
    if page == CHOOSING && m.tables > MAX_TABLES_CHOOSING {
        out.push(format!(
            "{} visible tables (at most {MAX_TABLES_CHOOSING})",
            m.tables
        ));
    }
    if page != APPENDIX {
        let mut shown: Vec<&str> = lines
            .iter()
            .filter(|l| l.origin == Origin::Code)
            .filter_map(|l| l.include.as_deref())
            .filter(|inc| is_harness(inc, harness))
            .collect();
        shown.dedup();
        for inc in shown {
            out.push(format!(
                "shows the measurement harness {inc}: it belongs in {APPENDIX}"
            ));
        }
    }
    out
}

/// Whether the include `inc` (as the page spells it) shows one of the
/// `harness` entries: `FILE` (any part of it) or `FILE:ANCHOR`, relative to
/// `exercises/`.
fn is_harness(inc: &str, harness: &[String]) -> bool {
    let inc = inc.trim_start_matches("../../exercises/");
    harness
        .iter()
        .any(|h| inc == h || (inc.starts_with(h.as_str()) && inc[h.len()..].starts_with(':')))
}

/// The pages of the book in `SUMMARY.md` order.
fn pages() -> Result<Vec<String>> {
    let summary = util::read(&root().join("book/src/SUMMARY.md"))?;
    Ok(summary
        .lines()
        .filter_map(|l| {
            let open = l.find("](")?;
            let rest = &l[open + 2..];
            Some(rest[..rest.find(')')?].to_string())
        })
        .filter(|p| p.ends_with(".md"))
        .collect())
}

/// Measures every page, prints the table, and returns the problems of the
/// pages whose gates are enforced (and the book-wide rules).
pub fn check(m: &Manifest, problems: &mut Vec<String>) -> Result<()> {
    let src = root().join("book/src");
    let mut table = Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header([
        "page",
        "prose words",
        "generated words",
        "code lines",
        "longest listing",
        "tables",
        "lesson",
        "remember",
        "gates",
    ]);
    // Generated table pages → the pages that include them.
    let mut tables_seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut reported = 0;
    for page in pages()? {
        let lines = expand(&src.join(&page))?;
        let ms = measure(&lines);
        let failed = gates(&page, &ms, &lines, &m.book.harness);
        let enforced = m.book.teach_first.iter().any(|p| p == &page);
        for l in &lines {
            if l.text.to_lowercase().contains(BANNED) {
                problems.push(format!("book/src/{page}: says '{BANNED}'"));
            }
        }
        let mut includes: Vec<&str> = lines
            .iter()
            .filter(|l| l.origin == Origin::Generated && l.include.is_some())
            .filter(|l| is_table_separator(&l.text))
            .filter_map(|l| l.include.as_deref())
            .collect();
        includes.dedup();
        for inc in includes {
            tables_seen
                .entry(inc.split(':').next().unwrap_or(inc).to_string())
                .or_default()
                .push(page.clone());
        }
        if enforced {
            problems.extend(failed.iter().map(|f| format!("book/src/{page}: {f}")));
        } else {
            reported += failed.len();
            for f in &failed {
                println!("teach-first (reported, not enforced): book/src/{page}: {f}");
            }
        }
        let state = match (failed.is_empty(), enforced) {
            (true, _) => "pass".to_string(),
            (false, true) => format!("{} failed", failed.len()),
            (false, false) => format!("{} reported", failed.len()),
        };
        table.add_row([
            page.clone(),
            ms.prose.to_string(),
            ms.generated.to_string(),
            ms.code.to_string(),
            ms.longest.0.to_string(),
            ms.tables.to_string(),
            ms.lesson_at
                .map_or("-".to_string(), |w| format!("at {w} words")),
            ms.remember
                .as_ref()
                .map_or("-".to_string(), |b| format!("{} bullets", b.len())),
            state,
        ]);
    }
    for (inc, pages) in tables_seen {
        // A generated page holding a table may be included at most once,
        // folded or not: the same table twice is a copy to read twice.
        if pages.len() > 1 {
            problems.push(format!(
                "the table(s) of {inc} appear {} times in the book: {}",
                pages.len(),
                pages.join(", ")
            ));
        }
    }
    println!("{table}");
    println!(
        "teach-first gates: enforced on {} page(s), {reported} problem(s) reported elsewhere",
        m.book.teach_first.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::page::mark;
    use super::*;

    fn page(text: &str) -> Vec<Line> {
        let mut out: Vec<Line> = text
            .lines()
            .map(|t| Line {
                text: t.to_string(),
                origin: Origin::Page,
                folded: false,
                fenced: false,
                include: None,
            })
            .collect();
        mark(&mut out);
        out
    }

    #[test]
    fn folded_lines_do_not_count() {
        let m = measure(&page(
            "one two three\n<details>\n<summary>All</summary>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n</details>\nfour\n",
        ));
        assert_eq!((m.prose, m.tables), (4, 0));
    }

    #[test]
    fn listings_join_over_a_short_gap() {
        let code = |n: usize| format!("```rust\n{}```\n", "x\n".repeat(n));
        let short_gap = format!("{}a few words\n{}", code(30), code(20));
        assert_eq!(measure(&page(&short_gap)).longest.0, 50);
        let long_gap = format!("{}{}\n{}", code(30), "word ".repeat(30), code(20));
        assert_eq!(measure(&page(&long_gap)).longest.0, 30);
        assert_eq!(measure(&page(&long_gap)).code, 50);
    }

    #[test]
    fn hidden_rust_lines_are_not_shown() {
        let m = measure(&page("```rust\n# use std::fmt;\nfn f() {}\n```\n"));
        assert_eq!(m.code, 1);
    }

    #[test]
    fn tables_and_the_lesson_are_found() {
        let m = measure(&page(
            "# T\n\nIntro words here.\n\n> **In short:** keep it.\n\n| a |\n|---|\n| 1 |\n\n## What to remember\n\n- one\n  more\n- two\n\n## Try this\n",
        ));
        assert_eq!(m.tables, 1);
        assert_eq!(m.lesson_at, Some(4));
        assert_eq!(
            m.remember,
            Some(vec!["one more".to_string(), "two".to_string()])
        );
        assert!(!m.remember_after_try);
        let late = measure(&page("## Try this\n\n## What to remember\n\n- a\n"));
        assert!(late.remember_after_try);
    }

    #[test]
    fn gates_name_each_failure() {
        let m = Measures {
            prose: 100,
            generated: 61,
            code: 201,
            longest: (41, 1),
            tables: 7,
            lesson_at: Some(801),
            remember: Some(vec!["a 1".into(), "b".into(), "c".into()]),
            remember_after_try: true,
        };
        let failed = gates("ch01-x.md", &m, &[], &[]);
        assert_eq!(failed.len(), 7, "{failed:#?}");
        let ok = Measures {
            prose: 100,
            generated: 60,
            code: 200,
            longest: (40, 1),
            tables: 6,
            lesson_at: Some(800),
            remember: Some(vec!["a".into(), "b".into(), "c".into()]),
            remember_after_try: false,
        };
        assert!(gates("ch01-x.md", &ok, &[], &[]).is_empty());
        // Asides keep only the book-wide rules.
        assert!(gates("theory.md", &m, &[], &[]).is_empty());
    }

    #[test]
    fn harness_entries_match_files_and_anchors() {
        let h = vec![
            "kit/src/timing.rs".to_string(),
            "ex6/src/compare.rs:child".to_string(),
        ];
        assert!(is_harness(
            "../../exercises/kit/src/timing.rs:bootstrap",
            &h
        ));
        assert!(is_harness("../../exercises/kit/src/timing.rs", &h));
        assert!(is_harness("../../exercises/ex6/src/compare.rs:child", &h));
        assert!(!is_harness(
            "../../exercises/ex6/src/compare.rs:children",
            &h
        ));
        assert!(!is_harness("../../exercises/kit/src/timing2.rs", &h));
    }
}
