//! The built book: no `{{#` is left in a page, every internal link (page
//! and `#fragment`) resolves, and the sidebar numbers no chapter twice.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::OUT;
use crate::util::{self, Result, rel, root};

/// The chapter titles carry their own numbers (chapter N goes with exercise
/// N; the asides between them have none), so the sidebar must not add a
/// second one: mdBook's section labels (`<strong aria-hidden="true">2.</strong>`
/// before "1. A tracking allocator") are off (`no-section-label`).
pub(crate) fn sidebar_numbers(toc_html: &str, problems: &mut Vec<String>) {
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
pub(crate) fn check(problems: &mut Vec<String>) -> Result<(usize, usize)> {
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
}
