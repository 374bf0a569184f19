//! `cargo xtask`: the book's chores in one Rust tool. `cargo xtask test` is
//! the one test command (what CI runs); `cargo xtask --help` lists the rest.
//! This file only reads the command line; the library (`lib.rs`) does the
//! work.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use xtask::manifest::Manifest;
use xtask::util::{Result, root};
use xtask::{
    book, browser, checks, commands, dhat, generate, inner, learn, starter, tasks, test, tools,
    util, view,
};

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
    Starter(StarterArgs),
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

/// `cargo xtask starter DIR` as the book types it, with the two listings
/// as subcommands beside it (`starter list`, `starter book exN`).
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct StarterArgs {
    #[command(subcommand)]
    command: Option<StarterCmd>,
    /// Folder for the starter workspace (new or empty).
    #[arg(required = true, value_parser = user_path)]
    dir: Option<PathBuf>,
    /// Keep the solutions of these exercises (exN) or single tasks (exN/NAME), comma-separated.
    #[arg(long, value_delimiter = ',')]
    solved: Vec<String>,
    /// Rewrite an existing starter copy.
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand)]
enum StarterCmd {
    /// List every learner task: exercise, name, file:line.
    List,
    /// Print the "Try it yourself" listing of one exercise (Markdown).
    Book {
        /// The exercise (exN).
        exercise: String,
    },
}

/// A path the user gave, made absolute: it is relative to where they ran
/// cargo, and the commands run from the repository root.
fn user_path(arg: &str) -> std::result::Result<PathBuf, std::convert::Infallible> {
    let p = PathBuf::from(arg);
    Ok(std::path::absolute(&p).unwrap_or(p))
}

fn run(cli: Cli) -> Result<()> {
    if matches!(cli.command, Cmd::Learn { .. }) {
        learn::use_current_workspace();
    }
    util::enter_root()?;
    let m = || Manifest::load(&root());
    match cli.command {
        Cmd::Test => test::all(&m()?),
        Cmd::Check => inner::check(&m()?),
        Cmd::Serve { args } => book::serve(&args),
        Cmd::Generate { check, exercises } => {
            let m = m()?;
            generate::generate(&m, check, &exercises)?;
            if check || !exercises.is_empty() {
                return Ok(());
            }
            browser::screenshot_if_changed(&m)
        }
        Cmd::Reference { exercises } => generate::reference(&m()?, &exercises),
        Cmd::Starter(s) => match (s.command, s.dir) {
            (Some(StarterCmd::List), _) => tasks::list(&m()?),
            (Some(StarterCmd::Book { exercise }), _) => {
                print!("{}", tasks::try_it_yourself(&m()?, &exercise)?);
                Ok(())
            }
            (None, Some(dir)) => starter::create(&m()?, &dir, s.solved, s.force),
            (None, None) => unreachable!("clap asks for DIR without a subcommand"),
        },
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
