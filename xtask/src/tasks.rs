//! The learner tasks: each found in the exercises' sources (its anchors)
//! and matched to its manifest entry, and what the book and the starter copy
//! show of it: the body that stands for it in the copy, its panel
//! (`generated/exN/task-NAME.md`), each chapter's list, the path's size.
//! How a task is marked is in `anchors.rs`; the copy itself in `starter.rs`.

use crate::anchors::{self, TaskSpan};
use crate::manifest::{self, Manifest, Task};
use crate::util::{self, Result, fail, root};

/// A task found in the sources, with its manifest entry.
#[derive(Debug)]
pub struct FoundTask<'m> {
    pub(crate) ex: String,
    /// The source file, relative to the root.
    pub(crate) path: String,
    pub(crate) span: TaskSpan,
    pub(crate) task: &'m Task,
}

/// `exN` when `rel` is inside `exercises/exN/`.
pub(crate) fn exercise_of(rel: &str) -> Option<&str> {
    let mut parts = rel.split('/');
    (parts.next() == Some("exercises"))
        .then(|| parts.next())
        .flatten()
        .filter(|ex| manifest::exercise_number(ex).is_some() && rel.matches('/').count() > 1)
}

/// Every task of every exercise, in the manifest's order, each matched to its
/// anchors: a task in the code without a manifest entry, or the other way
/// round, is an error.
pub fn all_tasks<'m>(m: &'m Manifest) -> Result<Vec<FoundTask<'m>>> {
    let mut found: Vec<FoundTask<'m>> = Vec::new();
    for file in util::project_files(&["exercises"]) {
        // Tasks live in the exercises (the xtask's own code names the markers).
        if !file.ends_with(".rs") || !file.starts_with("exercises/") {
            continue;
        }
        let text = util::read(&root().join(&file))?;
        let spans = anchors::tasks(&file, &text)?;
        if spans.is_empty() {
            continue;
        }
        let Some(ex) = exercise_of(&file) else {
            return fail(format!("{file}: learner tasks belong in exercises/exN"));
        };
        for span in spans {
            let task = m
                .get(ex)
                .and_then(|e| e.tasks.iter().find(|t| t.name == span.name));
            let Some(task) = task else {
                return fail(format!(
                    "{file}:{}: task {} has no [[{ex}.task]] entry in {}",
                    span.start + 1,
                    span.name,
                    manifest::PATH
                ));
            };
            if let Some(other) = found
                .iter()
                .find(|f| f.ex == ex && f.span.name == span.name)
            {
                return fail(format!(
                    "task {ex} {} is marked twice: {file} and {}",
                    span.name, other.path
                ));
            }
            found.push(FoundTask {
                ex: ex.to_string(),
                path: file.clone(),
                span,
                task,
            });
        }
    }
    let mut ordered = Vec::new();
    for (ex, e) in &m.exercises {
        for t in &e.tasks {
            let Some(i) = found
                .iter()
                .position(|f| &f.ex == ex && f.span.name == t.name)
            else {
                return fail(format!(
                    "{}: task {ex} {} has no `// ANCHOR: task_{}` in exercises/{ex}",
                    manifest::PATH,
                    t.name,
                    t.name
                ));
            };
            let test = format!("exercises/{ex}/tests/{}.rs", t.test);
            if !root().join(&test).is_file() {
                return fail(format!(
                    "{}: task {ex} {} names test {}, but there is no {test}",
                    manifest::PATH,
                    t.name,
                    t.test
                ));
            }
            ordered.push(found.swap_remove(i));
        }
    }
    Ok(ordered)
}

/// `starter list`: every task, `exN<TAB>NAME<TAB>FILE:LINE`.
pub fn list(m: &Manifest) -> Result<()> {
    for t in all_tasks(m)? {
        println!("{}\t{}\t{}:{}", t.ex, t.span.name, t.path, t.span.start + 1);
    }
    Ok(())
}

/// Greedy word wrap of `text` into lines of at most `width` characters, each
/// starting with `first` (the first line) or `rest`: the starter's comments
/// and the runner's panel wrap alike.
pub(crate) fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > width {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line += word;
        empty = false;
    }
    lines.push(line);
    lines
}

/// What replaces a task's solution in the starter copy.
pub(crate) fn starter_body(ex: &str, span: &TaskSpan, task: &Task) -> Vec<String> {
    let ind = &span.indent;
    let comment = format!("{ind}// ");
    // The statement only: hints come on request (`cargo xtask learn --hint`).
    let mut lines = wrap(
        &format!("TODO({ex} task {}): {}", task.name, task.statement),
        96,
        &comment,
        &comment,
    );
    lines.push(format!("{ind}todo!(\"{ex} task {}\")", task.name));
    lines
}

/// The lines around a task a learner needs: the signature that opens the
/// block (with its doc comments) down to the line that closes it.
fn enclosing(lines: &[&str], span: &TaskSpan) -> (usize, usize) {
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let mut i = span.start - 1;
    while i > 0 && (lines[i].trim().is_empty() || indent_of(lines[i]) >= span.indent.len()) {
        i -= 1;
    }
    // A signature spread over several lines ends with `) -> T {`: climb to its `fn`.
    if lines[i].trim_start().starts_with(')') {
        while i > 0 && !format!(" {}", lines[i].trim()).contains(" fn ") {
            i -= 1;
        }
    }
    while i > 0 && {
        let prev = lines[i - 1].trim_start();
        prev.starts_with("///") || prev.starts_with("#[")
    } {
        i -= 1;
    }
    let mut k = span.end + 1;
    while lines[k].trim().is_empty() {
        k += 1;
    }
    (i, k)
}

/// A task as the starter copy shows it: the signature and the closing line
/// included from the crate by line range (relative to `book/src/generated/exN/`),
/// the starter's comments and `todo!()` between them.
fn listing(t: &FoundTask) -> Result<String> {
    let text = util::read(&root().join(&t.path))?;
    let lines: Vec<&str> = text.split('\n').collect();
    let (first, last) = enclosing(&lines, &t.span);
    // Anchor lines are left out, as mdBook leaves them out of listings.
    let mut kept: Vec<Option<usize>> = (first..t.span.start)
        .filter(|&i| !lines[i].contains("ANCHOR"))
        .map(Some)
        .collect();
    kept.extend([None, Some(last)]);
    let mut block: Vec<String> = Vec::new();
    let mut run: Vec<usize> = Vec::new();
    let include = |run: &[usize]| {
        format!(
            "{{{{#include ../../../../{}:{}:{}}}}}",
            t.path,
            run[0] + 1,
            run[run.len() - 1] + 1
        )
    };
    for k in kept {
        if !run.is_empty() && k != Some(run[run.len() - 1] + 1) {
            block.push(include(&run));
            run.clear();
        }
        match k {
            None => block.extend(starter_body(&t.ex, &t.span, t.task)),
            Some(k) => run.push(k),
        }
    }
    block.push(include(&run));
    Ok(format!("```rust,ignore\n{}\n```\n\n", block.join("\n")))
}

/// `text` with the characters Markdown would read as HTML escaped: a hint
/// speaks of `Vec<String>` and of malloc_info's `<heap>` elements.
fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The generated page of one task: its statement, signature and test.
pub(crate) fn task_file(name: &str) -> String {
    format!("task-{name}.md")
}

/// `generated/exN/task-NAME.md`: one task's panel, where the chapter
/// explains its code and before the solution's fold: the statement, its
/// difficulty and time, and its test; then the two hints, each folded, and
/// the place where the task waits in the starter copy.
pub(crate) fn task_page(t: &FoundTask) -> Result<String> {
    let text = |s: &str| html_text(&s.split_whitespace().collect::<Vec<_>>().join(" "));
    Ok(format!(
        "<a id=\"task-{name}\"></a>\n**Your task: `{name}`** ({effort}; `{path}`). \
         {statement} Its test: `cargo test --release -p {ex} --test {test}`.\n\n\
         <details>\n<summary>Hint</summary>\n\n{nudge}\n\n</details>\n\n\
         <details>\n<summary>More of a hint</summary>\n\n{hint}\n\n</details>\n\n\
         <details>\n<summary>Where it waits in the starter copy</summary>\n\n{listing}</details>\n",
        name = t.span.name,
        effort = t.task.effort(),
        path = t.path,
        statement = html_text(&t.task.statement),
        nudge = text(&t.task.nudge),
        hint = text(&t.task.hint),
        ex = t.ex,
        test = t.task.test,
        listing = listing(t)?,
    ))
}

/// `starter book exN`, and the chapter's `generated/exN/starter.md`: its
/// "Try it yourself" section, its tasks as links to
/// their panels (each chapter shows every panel where it teaches the code).
/// What is common to every task is said once, in the introduction.
pub fn try_it_yourself(m: &Manifest, ex: &str) -> Result<String> {
    let tasks: Vec<FoundTask> = all_tasks(m)?.into_iter().filter(|t| t.ex == ex).collect();
    if tasks.is_empty() {
        return fail(format!("{ex} has no learner tasks"));
    }
    let mut md = String::from(
        "This chapter's tasks, from easy to hard (how the starter copy and `cargo xtask \
         learn` work: [Two ways to use this book](introduction.md#two-ways-to-use-this-book)):\n\n",
    );
    for t in &tasks {
        md += &format!(
            "- [`{}`](#task-{}) ({}): {}\n",
            t.span.name,
            t.span.name,
            t.task.effort(),
            html_text(&t.task.statement)
        );
    }
    md += &format!(
        "\nIn the starter copy, `cargo test --release -p {ex}` checks them all: its tests \
         fail, naming the task they reached, until every task above is written.\n"
    );
    Ok(md)
}

/// `generated/path.md`: the learning path's size, from the manifest, for the
/// introduction (so that its counts follow the tasks and questions).
pub(crate) fn path_page(m: &Manifest) -> String {
    let tasks: Vec<&Task> = m.exercises.iter().flat_map(|(_, e)| &e.tasks).collect();
    let level = |d: u8| tasks.iter().filter(|t| t.difficulty == d).count();
    let minutes: u32 = tasks.iter().map(|t| u32::from(t.minutes)).sum();
    let questions: usize = m.exercises.iter().map(|(_, e)| e.quiz.len()).sum();
    format!(
        "The path has {} tasks ({} at ★☆☆, {} at ★★☆, {} at ★★★; about {} hours of \
         writing in all) and {questions} prediction questions in the chapters.\n",
        tasks.len(),
        level(1),
        level(2),
        level(3),
        minutes.div_ceil(60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let lines = wrap("one two three four five", 12, "// ", "// ");
        assert_eq!(lines, vec!["// one two", "// three", "// four five"]);
        assert!(lines.iter().all(|l| l.len() <= 12));
    }

    #[test]
    fn wrap_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc", 5, "", ""), vec!["aa bb", "cc"]);
    }

    #[test]
    fn only_exercise_sources_hold_tasks() {
        assert_eq!(exercise_of("exercises/ex2/src/frag.rs"), Some("ex2"));
        assert_eq!(exercise_of("exercises/kit/src/lib.rs"), None);
        assert_eq!(exercise_of("exercises/manifest.toml"), None);
        assert_eq!(exercise_of("xtask/src/main.rs"), None);
    }
}
