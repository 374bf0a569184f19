//! `cargo xtask`: the book's chores in one Rust tool. `cargo xtask test` is
//! the one test command (what CI runs); `cargo xtask --help` lists the rest.
//! What each exercise generates, profiles, times and asks of a learner is
//! in `exercises/manifest.toml` (read by `manifest.rs`).

mod anchors;
mod book;
mod browser;
mod checks;
mod commands;
mod dhat;
mod generate;
mod inner;
mod learn;
mod manifest;
mod quiz;
mod reader;
mod seed;
mod starter;
mod tasks;
mod test;
mod tools;
mod util;
mod view;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use clap::{CommandFactory, Parser, Subcommand};

use crate::manifest::Manifest;
use crate::util::{Result, root};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "The book's chores: tests, generated outputs, the starter copy"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The one test command: every check, in order, each step timed (what CI runs).
    Test,
    /// The inner loop (a few minutes): fmt, clippy, the tests and counts of what changed since main, the rules.
    Check,
    /// Serve the book at http://localhost:3000 (installs the pinned mdbook and mdbook-quiz if missing).
    Serve {
        /// Passed on to `mdbook serve`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Regenerate book/src/generated/ from the crates (and the dhat screenshot, if the viewer's text changed).
    Generate {
        /// Regenerate into a temporary folder and fail on any difference.
        #[arg(long)]
        check: bool,
        /// Only these exercises (e.g. ex2); all when none.
        exercises: Vec<String>,
    },
    /// Re-run the labelled timing runs into book/src/data/ (a quiet machine only), then run generate.
    Reference { exercises: Vec<String> },
    /// Write the learner's starter copy into DIR.
    Starter {
        /// Folder for the starter workspace (new or empty).
        dir: Option<PathBuf>,
        /// List every learner task: exercise, name, file:line.
        #[arg(long)]
        list: bool,
        /// Print the "Try it yourself" listing of one exercise (Markdown).
        #[arg(long, value_name = "EXERCISE")]
        book: Option<String>,
        /// Keep the solutions of these exercises (exN) or single tasks (exN/NAME), comma-separated.
        #[arg(long, value_delimiter = ',')]
        solved: Vec<String>,
        /// Rewrite an existing starter copy.
        #[arg(long)]
        force: bool,
    },
    /// The learning path (in a starter copy): shows the first unsolved task, re-runs its test on every change.
    Learn {
        /// Check once, print the status and exit (0: the tasks so far are solved).
        #[arg(long)]
        once: bool,
        /// Show one more hint of the current task (first a nudge, then more), then exit.
        #[arg(long)]
        hint: bool,
    },
    /// Prove the starter copy builds, fails per task, passes once solved.
    CheckStarter,
    /// Check the book's structure and includes, build it, check its links.
    CheckBook,
    /// Run every `cargo` command README.md and the book tell a reader to type (or its short form).
    Commands {
        /// Only list the commands and what would be done with each.
        #[arg(long)]
        list: bool,
        /// Only the commands containing this text (e.g. `-p ex3`).
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        only: Option<String>,
    },
    /// Profile every exercise with dhat and compare each profile with the tracker.
    Dhat { exercises: Vec<String> },
    /// Profile one exercise with dhat and open the profile in valgrind's viewer, served on localhost.
    View {
        /// The exercise (exN).
        exercise: String,
        /// Only write the profile (target/dhat/dhat-heap-exN.json); serve nothing.
        #[arg(long)]
        no_serve: bool,
        /// The port to serve on (127.0.0.1 only).
        #[arg(long, default_value_t = view::PORT)]
        port: u16,
        /// The exercise's arguments (its profiled run in the manifest when none).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Run the tracking allocator's exercise under valgrind's memcheck.
    Memcheck,
    /// Each exercise's fact checks and its build without default features.
    Checks,
    /// Check spelling (typos).
    Spelling,
    /// Install what the checks need (pinned mdbook and typos; Debian's packages as root).
    Install,
    /// The book and the dhat viewer in Debian's headless Chromium.
    BrowserTest,
    /// Retake book/src/data/dhat-viewer.png (only if the viewer's text changed, unless --force).
    DhatScreenshot {
        /// Write a new picture even if the viewer shows the same.
        #[arg(long)]
        force: bool,
        /// Write nothing; fail if the picture is stale.
        #[arg(long, conflicts_with = "force")]
        check: bool,
    },
}

fn run(cli: Cli) -> Result<()> {
    // Paths the user gave are relative to where they ran cargo; everything
    // else is relative to the repository root.
    let user_dir = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let command = match cli.command {
        Cmd::Starter {
            dir,
            list,
            book,
            solved,
            force,
        } => Cmd::Starter {
            dir: dir.map(user_dir),
            list,
            book,
            solved,
            force,
        },
        c => c,
    };
    // The learning path runs on the workspace it is started in.
    if matches!(command, Cmd::Learn { .. })
        && let Some(dir) = std::env::current_dir().ok().and_then(|cwd| {
            cwd.ancestors()
                .find(|d| d.join(manifest::PATH).is_file() && d.join("Cargo.toml").is_file())
                .map(|d| d.to_path_buf())
        })
    {
        util::set_root(dir);
    }
    std::env::set_current_dir(root()).map_err(|e| format!("{}: {e}", root().display()))?;
    let m = || Manifest::load(&root());
    match command {
        Cmd::Test => test::all(&m()?),
        Cmd::Check => inner::check(&m()?),
        Cmd::Serve { args } => {
            tools::ensure_book_tools()?;
            util::run(Command::new("mdbook").args(["serve", "--open"]).args(args))
        }
        Cmd::Generate { check, exercises } => {
            let m = m()?;
            generate::generate(&m, check, &exercises)?;
            if !check && exercises.is_empty() {
                if std::path::Path::new(tools::CHROMIUM).is_file() {
                    browser::screenshot(&m, browser::ScreenshotMode::IfChanged)?;
                } else {
                    println!(
                        "skipped {}: needs Debian's chromium (`cargo xtask install`)",
                        browser::SCREENSHOT
                    );
                }
            }
            Ok(())
        }
        Cmd::Reference { exercises } => {
            let m = m()?;
            let mut steps = util::Steps::new();
            generate::reference(&m, &exercises, &mut steps)?;
            steps.step("regenerate book/src/generated/ from the new data");
            generate::generate(&m, false, &exercises)?;
            steps.summary();
            Ok(())
        }
        Cmd::Starter {
            dir,
            list,
            book,
            solved,
            force,
        } => {
            let m = m()?;
            match (dir, list, book) {
                (None, true, None) => tasks::list(&m),
                (None, false, Some(ex)) => {
                    print!("{}", tasks::try_it_yourself(&m, &ex)?);
                    Ok(())
                }
                (Some(dir), false, None) => {
                    let solved: BTreeSet<String> = solved.into_iter().collect();
                    starter::write(&m, &dir, &solved, force)?;
                    starter::prepare(&dir)
                }
                _ => Cli::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "starter: give one of a folder for the starter copy, --list, --book exN",
                    )
                    .exit(),
            }
        }
        Cmd::Learn { once, hint } => learn::learn(&m()?, once, hint),
        Cmd::CheckStarter => starter::check(&m()?),
        Cmd::CheckBook => book::check(&m()?),
        Cmd::Commands { list, only } => commands::commands(&m()?, list, only.as_deref()),
        Cmd::Dhat { exercises } => dhat::dhat(&m()?, &exercises),
        Cmd::View {
            exercise,
            no_serve,
            port,
            args,
        } => view::view(&m()?, &exercise, &args, !no_serve, port),
        Cmd::Memcheck => checks::memcheck(&m()?),
        Cmd::Checks => checks::exercise_checks(&m()?, false),
        Cmd::Spelling => checks::spelling(),
        Cmd::Install => tools::install(),
        Cmd::BrowserTest => browser::test(&m()?),
        Cmd::DhatScreenshot { force, check } => {
            let mode = match (force, check) {
                (true, _) => browser::ScreenshotMode::Force,
                (_, true) => browser::ScreenshotMode::Check,
                _ => browser::ScreenshotMode::IfChanged,
            };
            browser::screenshot(&m()?, mode)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
