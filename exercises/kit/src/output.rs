//! How every exercise prints: a table for a person, JSON for a program,
//! Markdown for the book (`book/src/generated/` holds such output).

use clap::Args;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table as Comfy, presets};
use serde::Serialize;

/// The output flags every subcommand that reports results accepts.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct OutputArgs {
    /// Print the result as JSON on stdout (for scripts and CI).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print tables as Markdown (this is how the book's generated pages are made).
    #[arg(long)]
    pub markdown: bool,
}

/// A usage error clap's own bounds cannot express: one `error:` line on
/// stderr and exit status 2, as clap reports its own.
pub fn usage_error(msg: impl std::fmt::Display) -> ! {
    clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("{msg}\n")).exit()
}

/// The subcommand a program runs: the one given, or else `default` (a
/// subcommand and its arguments) parsed as if typed, so that its defaults
/// are clap's, written once. Every exercise's `main` chooses its default
/// this way (`cargo run -p exN` with no command).
pub fn command_or<C: clap::Subcommand>(command: Option<C>, default: &[&str]) -> C {
    command.unwrap_or_else(|| {
        // Only a wrong default could fail to parse: a bug, reported by clap.
        let cmd = C::augment_subcommands(clap::Command::new("default"));
        let matches = cmd.get_matches_from(std::iter::once("").chain(default.iter().copied()));
        C::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    })
}

/// Writes through `f` to `path.partial`, then renames it to `path`: a
/// failed run never leaves a half-written file under the real name.
pub fn write_atomically(
    path: &std::path::Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<(), String>,
) -> Result<(), String> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let file = std::fs::File::create(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let result = f(&mut w)
        .and_then(|()| std::io::Write::flush(&mut w).map_err(|e| format!("cannot write: {e}")));
    drop(w);
    match result {
        Ok(()) => std::fs::rename(&partial, path)
            .map_err(|e| format!("cannot rename to {}: {e}", path.display())),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// The three ways a result is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tables for a terminal, and the machine label.
    Human,
    /// One JSON document: what `--from` reads back.
    Json,
    /// Markdown tables: what the book includes.
    Markdown,
}

impl OutputArgs {
    /// The format the flags ask for: human tables when neither is given.
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else if self.markdown {
            Format::Markdown
        } else {
            Format::Human
        }
    }
}

/// A titled table of strings. Numbers are formatted by the caller so the
/// Markdown the book includes is byte-for-byte what a reader sees in a terminal.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Printed above the table.
    pub title: String,
    /// Column headings.
    pub headers: Vec<String>,
    /// The rows, each as wide as `headers`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table; add rows with [`Table::row`].
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; anything that implements `Display` becomes a cell.
    pub fn row<I, D>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = D>,
        D: std::fmt::Display,
    {
        self.rows
            .push(cells.into_iter().map(|c| c.to_string()).collect());
        self
    }

    /// Renders for a terminal (`Format::Human`) or as a Markdown table.
    pub fn render(&self, format: Format) -> String {
        let mut t = Comfy::new();
        match format {
            Format::Markdown => {
                t.load_preset(presets::ASCII_MARKDOWN);
            }
            _ => {
                t.load_preset(presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic);
            }
        }
        t.set_header(self.headers.iter().map(Cell::new));
        for row in &self.rows {
            t.add_row(row.iter().map(|c| {
                let cell = Cell::new(c);
                if looks_numeric(c) {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            }));
        }
        // Right-align numeric columns in Markdown too, as a reader expects.
        let body = t.to_string();
        match format {
            Format::Markdown => format!("**{}**\n\n{}\n", self.title, body),
            _ => format!("{}\n{}\n", self.title, body),
        }
    }
}

fn looks_numeric(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | 'x' | '%' | '±' | ' ')
        })
        && s.chars().any(|c| c.is_ascii_digit())
}

/// Prints a serialisable result as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) {
    // Serialising plain data structs cannot fail; if it somehow does, say so on
    // stderr rather than printing half a document.
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: could not serialise result: {e}"),
    }
}

/// Prints tables in the chosen format (JSON callers use [`print_json`] instead).
pub fn print_tables<T: std::borrow::Borrow<Table>>(
    tables: impl IntoIterator<Item = T>,
    format: Format,
) {
    let mut first = true;
    for t in tables {
        if !first {
            println!();
        }
        first = false;
        print!("{}", t.borrow().render(format));
    }
}

/// A progress bar on stderr for long runs; hidden when stderr is not a terminal
/// (CI logs stay clean) and when `quiet` is set.
pub fn progress(len: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// Reads a report saved with `--json` (the labelled reference runs in
/// `book/src/data/`), for the `--from FILE` rendering every exercise offers.
/// A data file that keeps a run per machine ([`crate::series`]) reads as its
/// last run here; [`crate::series::read`] gives every machine's.
pub fn read_report<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, String> {
    crate::series::read::<T>(path)?
        .pop()
        .ok_or_else(|| format!("cannot read report {}: no runs in it", path.display()))
}

/// Prints a chart drawn by `kit::chart` or plotters (`--svg`), or says on
/// stderr why it could not be drawn. Returns whether it printed.
pub fn print_svg(chart: Result<String, String>) -> bool {
    match chart {
        Ok(svg) => {
            println!("{svg}");
            true
        }
        Err(e) => {
            eprintln!("error: cannot draw the chart: {e}");
            false
        }
    }
}
