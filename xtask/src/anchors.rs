//! mdBook's anchors, read once for the book check and the starter copy.
//!
//! `// ANCHOR: NAME` and `// ANCHOR_END: NAME` delimit a listing that a
//! chapter includes as `{{#include FILE:NAME}}`; mdBook leaves every line that
//! holds an anchor marker (of any name) out of the listing. A learner task is
//! an anchor named `task_NAME` around the tail of a block: the starter copy
//! replaces what is between its two lines with `todo!()`.

use crate::util::{Result, fail};

/// What an anchor line is, as mdBook reads it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Marker<'a> {
    Start(&'a str),
    End(&'a str),
}

/// The anchor marker on `line`, if any (mdBook: `ANCHOR:\s*([\w_-]+)`).
pub(crate) fn marker(line: &str) -> Option<Marker<'_>> {
    let name_after = |i: usize, tag: &str| {
        let rest = line[i + tag.len()..].trim_start();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    };
    if let Some(i) = line.find("ANCHOR_END:") {
        return name_after(i, "ANCHOR_END:").map(Marker::End);
    }
    if let Some(i) = line.find("ANCHOR:") {
        return name_after(i, "ANCHOR:").map(Marker::Start);
    }
    None
}

/// The listing `{{#include FILE:anchor}}` shows, or `None` when the anchor
/// is not in the text.
pub(crate) fn snippet<'a>(text: &'a str, anchor: &str) -> Option<Vec<&'a str>> {
    let mut lines = Vec::new();
    let (mut inside, mut found) = (false, false);
    for line in text.lines() {
        match marker(line) {
            Some(Marker::Start(n)) if n == anchor => {
                inside = true;
                found = true;
            }
            Some(Marker::End(n)) if n == anchor => inside = false,
            Some(_) => {}
            None if inside => lines.push(line),
            None => {}
        }
    }
    found.then_some(lines)
}

/// A learner task's place in a source file (0-based line numbers).
#[derive(Debug, Clone)]
pub struct TaskSpan {
    pub(crate) name: String,
    /// The `// ANCHOR: task_NAME` line.
    pub(crate) start: usize,
    /// The `// ANCHOR_END: task_NAME` line.
    pub(crate) end: usize,
    /// The start line's indentation.
    pub(crate) indent: String,
}

/// Every task in `text` (the file `path`, for messages), checked: each is
/// closed by its own end line before another opens, carries nothing after
/// its name (hints live in the manifest), and ends its block so that
/// `todo!()` can stand for it.
pub fn tasks(path: &str, text: &str) -> Result<Vec<TaskSpan>> {
    let lines: Vec<&str> = text.split('\n').collect();
    let task_marker = |line: &str| match marker(line) {
        Some(Marker::Start(n)) => n.strip_prefix("task_").map(|n| (true, n.to_string())),
        Some(Marker::End(n)) => n.strip_prefix("task_").map(|n| (false, n.to_string())),
        None => None,
    };
    let mut spans = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((is_start, name)) = task_marker(lines[i]) else {
            i += 1;
            continue;
        };
        let at = format!("{path}:{}", i + 1);
        if !is_start {
            return fail(format!(
                "{at}: ANCHOR_END for task {name}, which was not opened"
            ));
        }
        let trimmed = lines[i].trim();
        if trimmed != format!("// ANCHOR: task_{name}") {
            return fail(format!(
                "{at}: a task's anchor line is only `// ANCHOR: task_{name}` \
                 (its statement, hint and test belong in exercises/manifest.toml)"
            ));
        }
        let mut j = i + 1;
        loop {
            if j == lines.len() {
                return fail(format!(
                    "{at}: task {name} has no `// ANCHOR_END: task_{name}`"
                ));
            }
            match task_marker(lines[j]) {
                Some((false, n)) if n == name => break,
                Some(_) => {
                    return fail(format!(
                        "{at}: task {name} is not closed before line {}",
                        j + 1
                    ));
                }
                None => j += 1,
            }
        }
        let next = lines[j + 1..].iter().find(|l| !l.trim().is_empty());
        if !next.is_some_and(|l| l.trim_start().starts_with('}')) {
            return fail(format!(
                "{path}:{}: task {name} must end its block (the next line must close it)",
                j + 1
            ));
        }
        let indent = lines[i].len() - lines[i].trim_start().len();
        spans.push(TaskSpan {
            name,
            start: i,
            end: j,
            indent: lines[i][..indent].to_string(),
        });
        i = j + 1;
    }
    Ok(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "fn f() -> u32 {\n    // ANCHOR: body\n    // ANCHOR: task_f\n    1\n    // ANCHOR_END: task_f\n}\n// ANCHOR_END: body\n";

    #[test]
    fn snippet_drops_every_marker_line() {
        assert_eq!(snippet(CODE, "body"), Some(vec!["    1", "}"]));
        assert_eq!(snippet(CODE, "task_f"), Some(vec!["    1"]));
        assert_eq!(snippet(CODE, "bod"), None);
    }

    #[test]
    fn tasks_found_and_checked() {
        let t = tasks("x.rs", CODE).unwrap();
        assert_eq!((t[0].name.as_str(), t[0].start, t[0].end), ("f", 2, 4));
        let with_hint = CODE.replace("task_f\n    1", "task_f hint\n    1");
        assert!(tasks("x.rs", &with_hint).is_err());
        let unclosed = CODE.replace("    // ANCHOR_END: task_f\n", "");
        assert!(tasks("x.rs", &unclosed).is_err());
        let not_last = CODE.replace("// ANCHOR_END: task_f\n", "// ANCHOR_END: task_f\n    2\n");
        assert!(tasks("x.rs", &not_last).is_err());
    }
}
