//! The shape every timed command shares.
//!
//! A timed command either measures (with a progress bar on stderr) or
//! renders a saved `--json` report (`--from FILE`); it may add callgrind's
//! instruction counts (`--callgrind`); then it prints JSON, or tables and
//! the lines under them (the machine label among them). [`Runs`] is that
//! skeleton, generic over the report type; each exercise supplies only what
//! is its own: how to measure, how to count instructions, how to render.
//!
//! Errors are strings, printed as one `error:` line by [`exit_status`].

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::output::{Format, Table, print_json, print_tables};

/// The runs of one report: one when measured here, one per machine when
/// read from a data file that keeps a series ([`crate::series`]).
#[derive(Debug, Clone)]
pub struct Runs<R> {
    /// The runs, oldest machine first; never empty.
    pub runs: Vec<R>,
}

impl<R: Serialize + DeserializeOwned> Runs<R> {
    /// Every machine's run from `--from FILE`, or one run from `measure`
    /// (after a warning if this is not a release build).
    pub fn all_or_measure(
        from: Option<&Path>,
        measure: impl FnOnce() -> Result<R, String>,
    ) -> Result<Runs<R>, String> {
        let runs = match from {
            Some(path) => crate::series::read(path)?,
            None => vec![measured(measure)?],
        };
        if runs.is_empty() {
            return Err(format!(
                "{} holds no run",
                from.map_or_else(String::new, |p| p.display().to_string())
            ));
        }
        Ok(Runs { runs })
    }

    /// The latest run (the one measured here, or the file's last).
    pub fn latest(&self) -> &R {
        &self.runs[self.runs.len() - 1]
    }

    /// With `wanted` (`--callgrind`), counts instructions once for the first
    /// run's sizes (counts are the same on every machine of one build) and
    /// gives them to every run with `set`.
    pub fn callgrind<I: Clone>(
        &mut self,
        wanted: bool,
        count: impl FnOnce(&R) -> Result<I, String>,
        mut set: impl FnMut(&mut R, I),
    ) -> Result<(), String> {
        if !wanted {
            return Ok(());
        }
        let counted = count(&self.runs[0]).map_err(|e| format!("--callgrind: {e}"))?;
        for r in &mut self.runs {
            set(r, counted.clone());
        }
        Ok(())
    }

    /// Prints the runs: as JSON (one run as itself, several as a
    /// [`crate::series::Series`]), or through `human` for a person or the
    /// book.
    pub fn print(&self, format: Format, human: impl FnOnce(&[R], Format)) {
        match format {
            Format::Json if self.runs.len() == 1 => print_json(&self.runs[0]),
            Format::Json => print_json(&crate::series::Series {
                series: self.runs.iter().collect(),
            }),
            f => human(&self.runs, f),
        }
    }

    /// Prints the runs ([`Runs::print`]); a person or the book gets each
    /// run's page from `page` (`i` counts the runs from 0), a blank line
    /// between two runs, then the `footer` line if there is one (a verdict
    /// across the machines, say).
    pub fn print_each(
        &self,
        format: Format,
        page: impl Fn(usize, &R) -> Page,
        footer: Option<String>,
    ) {
        self.print(format, |runs, f| {
            for (i, r) in runs.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                page(i, r).print(f);
            }
            if let Some(line) = footer {
                println!("\n{line}");
            }
        });
    }
}

impl<R: Serialize + DeserializeOwned> Runs<R> {
    /// [`Runs::print_each`] with each run's page from `page` and no footer.
    pub fn print_pages(&self, format: Format, page: impl Fn(&R) -> Page) {
        self.print_each(format, |_, r| page(r), None);
    }
}

fn measured<R>(measure: impl FnOnce() -> Result<R, String>) -> Result<R, String> {
    crate::timing::warn_if_debug_build();
    measure()
}

/// What a person or the book sees of a report: tables, then lines of text
/// (verdicts, the machine label), each after a blank line.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The tables, in order.
    pub tables: Vec<Table>,
    /// The lines under them.
    pub lines: Vec<String>,
}

impl Page {
    /// A page of these tables and no lines yet.
    pub fn new(tables: impl IntoIterator<Item = Table>) -> Page {
        Page {
            tables: tables.into_iter().collect(),
            lines: Vec::new(),
        }
    }

    /// Adds tables (none, when given `None`).
    pub fn tables(mut self, tables: impl IntoIterator<Item = Table>) -> Page {
        self.tables.extend(tables);
        self
    }

    /// Adds a line under the tables.
    pub fn line(mut self, line: impl Into<String>) -> Page {
        self.lines.push(line.into());
        self
    }

    /// Adds lines under the tables (none, when given `None`).
    pub fn lines(mut self, lines: impl IntoIterator<Item = String>) -> Page {
        self.lines.extend(lines);
        self
    }

    /// Prints the tables in `format`, then each line after a blank line.
    pub fn print(&self, format: Format) {
        print_tables(&self.tables, format);
        for line in &self.lines {
            println!("\n{line}");
        }
    }
}

/// Prints `value` as JSON, or as the tables `tables` makes of it: the
/// whole of a deterministic command. Returns true (for the exit status).
pub fn show<T: Serialize, I: IntoIterator<Item = Table>>(
    value: &T,
    format: Format,
    tables: impl FnOnce(&T) -> I,
) -> bool {
    show_as(format, || value, || tables(value))
}

/// [`show`] where the JSON (made by `json`, only when it is asked for)
/// holds more than the tables show, such as the dhat totals of the whole
/// command.
pub fn show_as<T: Serialize, I: IntoIterator<Item = Table>>(
    format: Format,
    json: impl FnOnce() -> T,
    tables: impl FnOnce() -> I,
) -> bool {
    match format {
        Format::Json => print_json(&json()),
        f => print_tables(tables(), f),
    }
    true
}

/// Runs `work` with a progress bar of `len` steps on stderr (hidden when
/// `quiet` or when stderr is not a terminal); `work` calls the function it
/// is given once per step.
pub fn with_progress<T>(len: u64, what: &str, quiet: bool, work: impl FnOnce(&dyn Fn()) -> T) -> T {
    let pb = crate::output::progress(len, what, quiet);
    let result = work(&|| pb.inc(1));
    pb.finish_and_clear();
    result
}

/// A command's outcome as its exit status: success, a failed check
/// (already reported, status 1), or an error printed as one `error:` line
/// (status 1). An error that is a learner task not written yet, in this
/// process or a child it started, is said as [`unwritten_line`] alone.
pub fn exit_status(outcome: Result<bool, String>) -> std::process::ExitCode {
    match outcome {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            match unwritten_task(&e) {
                Some(task) => eprintln!("{}", unwritten_line(task)),
                None => eprintln!("error: {e}"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}

// ANCHOR: unwritten
/// What the starter copy's `todo!("exN task NAME")` says when it runs:
/// `not yet implemented: exN task NAME`. Returns `exN task NAME`.
pub fn unwritten_task(text: &str) -> Option<&str> {
    let at = text.find("not yet implemented: ex")? + "not yet implemented: ".len();
    let rest = &text[at..];
    let word = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let ex = word(rest);
    let name = rest[ex..].strip_prefix(" task ")?;
    let len = word(name);
    (len > 0).then(|| &rest[..ex + " task ".len() + len])
}

/// The one line a run prints when it reaches a task not written yet (the
/// task's own words, so that the learning path still recognises it).
pub fn unwritten_line(task: &str) -> String {
    format!(
        "error: not yet implemented: {task}. This command needs that task written first: \
         `cargo xtask learn` shows what to write and where."
    )
}

/// In a starter copy, a command that reaches a task not written yet says
/// so in one line and exits with status 1, instead of a panic and its
/// backtrace. Any other panic goes to the default hook. (Called by every
/// exercise's `main`, through [`crate::profile::start`].)
pub fn explain_unwritten_tasks() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        match text.and_then(unwritten_task) {
            Some(task) => {
                eprintln!("{}", unwritten_line(task));
                std::process::exit(1);
            }
            None => default(info),
        }
    }));
}
// ANCHOR_END: unwritten

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_todo_of_the_starter_names_its_task() {
        let child = "thread 'main' panicked at src/x.rs:1:2:\nnot yet implemented: ex6 task arena_for_batch\nnote: run";
        assert_eq!(unwritten_task(child), Some("ex6 task arena_for_batch"));
        assert_eq!(
            unwritten_task("not yet implemented: ex1 task naive_alloc"),
            Some("ex1 task naive_alloc")
        );
        assert_eq!(unwritten_task("not yet implemented"), None);
        assert_eq!(unwritten_task("not yet implemented: ex1 thing"), None);
        assert!(unwritten_line("ex1 task naive_alloc").contains("ex1 task naive_alloc"));
    }
}
