//! `cargo xtask commands`: every `cargo …` command that README.md and the
//! book tell a reader to type, run the way a reader would run it.
//!
//! A command is an inline code span, or a line of a code block, whose first
//! word (after a `$ ` prompt and `VAR=value` assignments) is `cargo`. Each
//! one found is, by the manifest's `[commands]` table:
//! - run as written, through `bash -c` from the repository root;
//! - run in a short form the manifest names (`[commands.short]`), for a
//!   command that would take minutes or rewrite what it should not;
//! - skipped with the manifest's reason (`[commands.skip]`).
//!
//! A command in none of them fails the step, so a new command in the book
//! is either run or explained; so does a manifest entry that no page holds
//! any more, and any non-zero exit (named by file and line).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::manifest::Manifest;
use crate::util::{self, Result, fail, root};

/// No command a reader types should run this long here; one that does is
/// stopped (with its children) and fails.
const TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// One command as the pages give it, with every place that gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The command, whitespace collapsed, comment removed.
    pub command: String,
    /// `file:line` of each place it appears.
    pub places: Vec<String>,
}

/// The pages a reader reads: README.md and every Markdown page under
/// book/src/ (the generated pages too: the chapters include them).
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut pages = vec![root.join("README.md")];
    pages.extend(
        util::walk(&root.join("book/src"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    pages
}

/// The command in `text` (a code span, or a code block's line), if its
/// first word is `cargo`: prompt and trailing comment removed, whitespace
/// collapsed.
fn command_in(text: &str, shell_comments: bool) -> Option<String> {
    let text = text.trim();
    let text = text.strip_prefix("$ ").unwrap_or(text);
    let text = if shell_comments {
        // ` # why` ends a shell line (no command here quotes a `#`).
        text.split(" #").next().unwrap_or(text)
    } else {
        text
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let first = words
        .iter()
        .position(|w| !w.contains('=') || w.starts_with('-'))?;
    // `cargo` alone names the tool; a command has a subcommand.
    if words[first] != "cargo" || words.len() == first + 1 {
        return None;
    }
    Some(words.join(" "))
}

/// Every command in one page, with its line, in page order.
fn commands_in_page(text: &str) -> Vec<(String, usize)> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut out = Vec::new();
    // A fenced or indented block: its text and where it starts.
    let mut block: Option<(String, usize)> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Code(code) => {
                if let Some(c) = command_in(&code, false) {
                    out.push((c, line_of(range.start)));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                // A fenced block's text starts on the line after its fence.
                let first = match kind {
                    CodeBlockKind::Fenced(_) => line_of(range.start) + 1,
                    CodeBlockKind::Indented => line_of(range.start),
                };
                block = Some((String::new(), first));
            }
            Event::Text(t) => {
                if let Some((body, _)) = block.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some((body, first)) = block.take() else {
                    continue;
                };
                // `\` at a line's end continues the command on the next.
                let mut pending: Option<(String, usize)> = None;
                for (i, line) in body.lines().enumerate() {
                    let (mut joined, start) = pending.take().unwrap_or((String::new(), first + i));
                    joined.push_str(line.trim_end().trim_end_matches('\\'));
                    joined.push(' ');
                    if line.trim_end().ends_with('\\') {
                        pending = Some((joined, start));
                    } else if let Some(c) = command_in(&joined, true) {
                        out.push((c, start));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every distinct command in README.md and the book, in order of first
/// appearance, each with all its places.
pub fn collect(root: &Path) -> Result<Vec<Found>> {
    let mut found: Vec<Found> = Vec::new();
    for page in pages(root) {
        let text = util::read(&page)?;
        let rel = page
            .strip_prefix(root)
            .unwrap_or(&page)
            .display()
            .to_string();
        for (command, line) in commands_in_page(&text) {
            let place = format!("{rel}:{line}");
            match found.iter_mut().find(|f| f.command == command) {
                Some(f) => f.places.push(place),
                None => found.push(Found {
                    command,
                    places: vec![place],
                }),
            }
        }
    }
    Ok(found)
}

/// What the step does with one command.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan<'m> {
    /// Run as written.
    AsWritten,
    /// Run this shorter form instead.
    Short(&'m str),
    /// Not run, for this reason.
    Skip(&'m str),
}

/// The plan for every command found, or the commands the manifest does not
/// place and the manifest entries no page holds.
pub fn plan<'m>(m: &'m Manifest, found: &[Found]) -> Result<Vec<Plan<'m>>> {
    let c = &m.commands;
    let mut problems = Vec::new();
    for name in c.short.keys().chain(c.skip.keys()) {
        if !found.iter().any(|f| &f.command == name) {
            problems.push(format!(
                "{}: [commands] names `{name}`, which no page holds any more",
                crate::manifest::PATH
            ));
        }
    }
    for name in c.short.keys() {
        if c.skip.contains_key(name) {
            problems.push(format!(
                "{}: `{name}` is both in [commands.short] and [commands.skip]",
                crate::manifest::PATH
            ));
        }
    }
    let plans = found
        .iter()
        .map(|f| {
            if let Some(short) = c.short.get(&f.command) {
                Plan::Short(short)
            } else if let Some(why) = c.skip.get(&f.command) {
                Plan::Skip(why)
            } else {
                Plan::AsWritten
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(plans)
    } else {
        fail(problems.join("\n"))
    }
}

/// The target folder a command builds in, as `CARGO_TARGET_DIR`, when it
/// is not the normal one: a build with other features goes where the step
/// that makes that build put it, so it neither replaces the release
/// binaries other steps run nor builds everything a second time. What is
/// built is the same.
fn target_for(command: &str) -> Option<PathBuf> {
    if command.contains(" xtask ") {
        return None;
    }
    if command.contains("--features dhat-heap") {
        return Some(crate::dhat::build_dir());
    }
    if command.contains("--no-default-features") {
        return Some(crate::checks::no_default_features_dir());
    }
    None
}

/// Runs `command` through bash from the root with the time limit, its
/// output into `log`; returns its exit code (`None`: killed) and time.
fn run_one(command: &str, log: &Path) -> Result<Outcome> {
    let started = Instant::now();
    let mut cmd = Command::new("timeout");
    if let Some(dir) = target_for(command) {
        cmd.env("CARGO_TARGET_DIR", dir);
    }
    util::output_to(&mut cmd, log, false)?;
    // coreutils' timeout signals the whole process group it leads: bash,
    // cargo and the exercise it started.
    let status = cmd
        .args([
            "--kill-after=10",
            &TIMEOUT.as_secs().to_string(),
            "bash",
            "-c",
        ])
        .arg(command)
        .current_dir(root())
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    Ok((status.code(), started.elapsed().as_secs_f64()))
}

/// How one command ended: its exit code (`None`: stopped at the time
/// limit) and the seconds it took.
type Outcome = (Option<i32>, f64);

/// The exercise a command works on (`-p ex5`, `target/release/ex8-…`), if
/// one: commands of one exercise run one after another, in the same lane.
fn exercise_of(command: &str) -> Option<String> {
    command
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| crate::manifest::exercise_number(w).is_some())
        .map(str::to_string)
}

/// Runs the commands (`None`: skipped), each with its output in
/// `logs/NNN.log`; returns (exit code, seconds) by index. Commands that name
/// no exercise (builds, checks and docs of the whole workspace, the xtask's
/// own) run first, alone: they compile with every core. Then each
/// exercise's commands run in order, in one of two lanes side by side: most
/// are a cargo freshness check and one short, mostly single-threaded run,
/// so one lane would leave a core idle. Cargo's lock on a target folder
/// keeps two builds from overlapping.
fn run_in_lanes(runs: &[Option<&str>], logs: &Path) -> Result<Vec<Option<Outcome>>> {
    let run = |i: usize, cmd: &str| -> Result<(usize, Outcome)> {
        println!("commands: {cmd}");
        Ok((i, run_one(cmd, &logs.join(format!("{i:03}.log")))?))
    };
    let mut results = vec![None; runs.len()];
    // Each exercise's commands, exercises in first-appearance order.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, cmd) in runs.iter().enumerate() {
        let Some(cmd) = cmd else { continue };
        match exercise_of(cmd) {
            None => {
                let (i, r) = run(i, cmd)?;
                results[i] = Some(r);
            }
            Some(ex) => match groups.iter_mut().find(|g| g.0 == ex) {
                Some(g) => g.1.push(i),
                None => groups.push((ex, vec![i])),
            },
        }
    }
    // Two lanes, each exercise to the lane with fewer commands so far.
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    let mut lanes: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    for (_, g) in groups {
        let lane = if lanes[0].len() <= lanes[1].len() {
            0
        } else {
            1
        };
        lanes[lane].extend(g);
    }
    let done = std::thread::scope(|s| {
        let handles: Vec<_> = lanes
            .iter()
            .map(|lane| {
                s.spawn(|| -> Result<Vec<(usize, Outcome)>> {
                    lane.iter()
                        .map(|&i| run(i, runs[i].unwrap_or_default()))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| fail("a lane of commands panicked"))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    for (i, r) in done.into_iter().flatten() {
        results[i] = Some(r);
    }
    Ok(results)
}

/// `cargo xtask commands`: finds every command, runs it (or its short form)
/// and prints a table of command, form, exit and time; `list` only prints
/// what it would do, `only` keeps the commands containing that text.
pub fn commands(m: &Manifest, list: bool, only: Option<&str>) -> Result<()> {
    let found = collect(&root())?;
    let plans = plan(m, &found)?;
    // `--only TEXT`: the commands containing TEXT (the check of the whole
    // list above still ran).
    let (found, plans): (Vec<Found>, Vec<Plan>) = found
        .into_iter()
        .zip(plans)
        .filter(|(f, _)| only.is_none_or(|o| f.command.contains(o)))
        .unzip();
    let logs = util::temp_dir("commands")?;
    let runs: Vec<Option<&str>> = plans
        .iter()
        .zip(&found)
        .map(|(p, f)| match p {
            Plan::AsWritten => Some(f.command.as_str()),
            Plan::Short(s) => Some(*s),
            Plan::Skip(_) => None,
        })
        .collect();
    let results = if list {
        vec![None; runs.len()]
    } else {
        run_in_lanes(&runs, &logs)?
    };
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["command", "form", "exit", "time"]);
    let mut failures = Vec::new();
    for (i, ((f, p), result)) in found.iter().zip(&plans).zip(&results).enumerate() {
        let form = match p {
            Plan::AsWritten => "as written".to_string(),
            Plan::Short(s) => format!("short: `{s}`"),
            Plan::Skip(why) => format!("skipped: {why}"),
        };
        let (exit, time) = match (result, runs[i]) {
            (Some((code, secs)), Some(cmd)) => {
                if *code != Some(0) {
                    let text = util::read(&logs.join(format!("{i:03}.log"))).unwrap_or_default();
                    let lines: Vec<&str> = text.lines().collect();
                    eprintln!("{}", lines[lines.len().saturating_sub(30)..].join("\n"));
                    let how = code.map_or("was stopped after the time limit".to_string(), |c| {
                        format!("exited {c}")
                    });
                    failures.push(format!("{} (`{cmd}`) {how}", f.places.join(", ")));
                }
                let exit = code.map_or("killed".to_string(), |c| c.to_string());
                (exit, format!("{secs:.1} s"))
            }
            _ => ("-".to_string(), "-".to_string()),
        };
        table.add_row([format!("`{}`", f.command), form, exit, time]);
    }
    println!("{table}");
    let runs = plans.iter().filter(|p| !matches!(p, Plan::Skip(_))).count();
    println!(
        "{} commands in README.md and the book: {runs} run ({} in a short form), {} skipped",
        found.len(),
        plans.iter().filter(|p| matches!(p, Plan::Short(_))).count(),
        found.len() - runs
    );
    if !failures.is_empty() {
        return fail(format!(
            "{} command(s) a reader is told to type failed:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ));
    }
    let _ = std::fs::remove_dir_all(&logs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_found_in_spans_and_blocks() {
        let page = "Run `cargo run --release -p ex3` now,\nor `cargo test\n-p ex5`.\n\n\
                    ```sh\ncargo run --release   # all of them\n$ cargo fmt\n\
                    MALLOC_ARENA_MAX=2 cargo run -p ex7 \\\n  -- arenas\nls target\n```\n\n\
                    `cargo` alone, and `ls` too.\n";
        let got = commands_in_page(page);
        let want = vec![
            ("cargo run --release -p ex3".to_string(), 1),
            ("cargo test -p ex5".to_string(), 2),
            ("cargo run --release".to_string(), 6),
            ("cargo fmt".to_string(), 7),
            (
                "MALLOC_ARENA_MAX=2 cargo run -p ex7 -- arenas".to_string(),
                8,
            ),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn commands_go_to_their_exercise() {
        assert_eq!(
            exercise_of("cargo run --release -p ex5 -- run").as_deref(),
            Some("ex5")
        );
        assert_eq!(
            exercise_of("cargo build --release -p ex8 && heaptrack target/release/ex8-untracked")
                .as_deref(),
            Some("ex8")
        );
        assert_eq!(exercise_of("cargo build --workspace"), None);
        assert_eq!(exercise_of("cargo xtask starter list"), None);
    }
}
