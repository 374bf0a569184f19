//! How an exercise starts a measured child process: the one place that knows
//! the global allocators, the two roles a process plays, how the binaries
//! are named, which features they are built with, and a child's `main`.
//!
//! A process has one global allocator, chosen when it is linked, so comparing
//! allocators means one binary per allocator. And a tracking allocator costs
//! something on every call it sees, so a timing that charged it to one side
//! would be unfair: every timing the book shows is taken in a process whose
//! allocator is untracked ([`Role::Timed`]), and the counts come from a
//! separate run of the same work in a tracked one ([`Role::Counted`]).
//!
//! **The naming rule.** An exercise `exN` has a home allocator, the one its
//! own binary `exN` is linked with (System in most; jemalloc in exercise 2,
//! which is about it; exercise 9's own allocator in exercise 9). Then:
//!
//! | | counted (tracked) | timed (untracked) |
//! |---|---|---|
//! | the home allocator | `exN` | `exN-untracked` |
//! | another allocator `A` | `exN-A` | `exN-A-untracked` |
//!
//! Each `src/bin/*.rs` is one [`child_binary!`] line, which declares the
//! binary's global allocator and its `main`, [`main`]: parse, check, start
//! the profile (under `dhat-heap`), refuse an allocator that is not built in,
//! run.

use std::path::PathBuf;
use std::process::ExitCode;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A global allocator a measured process can be linked with.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Global {
    /// `std::alloc::System`: glibc malloc on Linux.
    System,
    /// jemalloc, through tikv-jemallocator (not on Windows MSVC).
    Jemalloc,
    /// mimalloc, through the mimalloc crate.
    Mimalloc,
}

impl Global {
    /// Every global allocator, in the order tables show them.
    pub const ALL: [Global; 3] = [Global::System, Global::Jemalloc, Global::Mimalloc];

    /// The name options take, tables show and binaries carry.
    pub fn name(self) -> &'static str {
        match self {
            Global::System => "system",
            Global::Jemalloc => "jemalloc",
            Global::Mimalloc => "mimalloc",
        }
    }
}

impl std::fmt::Display for Global {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a measured process is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The allocator wrapped in exercise 1's tracker: exact counts; its
    /// timings are not to be used.
    Counted,
    /// The allocator alone: the timings the book shows; it counts nothing.
    Timed,
}

impl Role {
    /// `Counted` when `counted`, else `Timed`.
    pub fn of(counted: bool) -> Role {
        if counted { Role::Counted } else { Role::Timed }
    }
}

/// Says what a process's global allocator was when a timing run was kept:
/// the label of the data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timed {
    /// Timed in an untracked process (the allocator named by the row).
    Untracked,
    /// Timed under a tracking allocator: data from before the split.
    Tracked,
}

/// One exercise's binaries: made by [`siblings!`] in the exercise's crate,
/// which records the package and the features this build has.
#[derive(Debug, Clone, Copy)]
pub struct Siblings {
    package: &'static str,
    /// The allocator of `exN` and `exN-untracked`; `None`: the exercise's
    /// own allocator, which is not a [`Global`].
    home: Option<Global>,
    /// This build's features, comma-separated (from the shared build script).
    features: &'static str,
}

/// The [`Siblings`] of the calling exercise, whose home allocator is `$home`
/// (an `Option<Global>`). Needs the shared build script
/// (`package.build = "../kit/build/exercise.rs"`), which records the build's
/// features, so that siblings are built with exactly those.
#[macro_export]
macro_rules! siblings {
    ($home:expr) => {
        $crate::sibling::Siblings::new(env!("CARGO_PKG_NAME"), $home, env!("EXERCISE_FEATURES"))
    };
}

impl Siblings {
    /// Use [`siblings!`], which fills in the package and its features.
    pub const fn new(package: &'static str, home: Option<Global>, features: &'static str) -> Self {
        Siblings {
            package,
            home,
            features,
        }
    }

    /// Whether this build has `allocator`: jemalloc needs the `jemalloc`
    /// feature and a target other than Windows MSVC (where it does not
    /// build), mimalloc its `mimalloc` feature.
    pub fn is_built_in(&self, allocator: Global) -> bool {
        let feature = |f: &str| self.features.split(',').any(|x| x == f);
        match allocator {
            Global::System => true,
            Global::Jemalloc => feature("jemalloc") && !cfg!(target_env = "msvc"),
            Global::Mimalloc => feature("mimalloc"),
        }
    }

    /// The binary of `allocator` (`None`: the home one) in `role`, by the
    /// naming rule.
    pub fn binary(&self, allocator: Option<Global>, role: Role) -> String {
        let mut name = self.package.to_string();
        if let Some(a) = allocator.filter(|&a| Some(a) != self.home) {
            name.push('-');
            name.push_str(a.name());
        }
        if role == Role::Timed {
            name.push_str("-untracked");
        }
        name
    }

    /// The path of [`Siblings::binary`], beside this process's binary.
    pub fn executable(&self, allocator: Option<Global>, role: Role) -> std::io::Result<PathBuf> {
        crate::child::sibling(&self.binary(allocator, role))
    }

    /// `cargo run -p exN` builds only `exN`: when this process was started
    /// by cargo, build `bins` with this build's profile and exactly its
    /// features, so that none is missing or older than this one.
    pub fn build<S: AsRef<str>>(&self, bins: &[S]) -> Result<(), String> {
        let bins: Vec<&str> = bins
            .iter()
            .map(AsRef::as_ref)
            .filter(|b| *b != self.package)
            .collect();
        if bins.is_empty() {
            return Ok(());
        }
        let mut flags = vec!["--no-default-features"];
        if !self.features.is_empty() {
            flags.extend(["--features", self.features]);
        }
        crate::child::build_siblings_under_cargo(self.package, &bins, &flags)
    }

    /// Builds the home allocator's timed binary (under cargo) and returns
    /// its path: what callgrind runs.
    pub fn built_untracked(&self) -> Result<PathBuf, String> {
        let name = self.binary(None, Role::Timed);
        self.build(&[&name])?;
        crate::child::sibling(&name).map_err(|e| e.to_string())
    }

    /// `runs` runs of the home allocator's timed binary, each in a fresh
    /// process (built first under cargo): run `i` is given `args(i)`, and
    /// `after_each` is called after each one (a progress bar's tick). What
    /// each prints is parsed as JSON.
    pub fn fresh_runs<T: DeserializeOwned>(
        &self,
        runs: usize,
        args: impl Fn(usize) -> Vec<String>,
        mut after_each: impl FnMut(),
    ) -> Result<Vec<T>, String> {
        let exe = self.built_untracked()?;
        (0..runs)
            .map(|i| {
                let result = crate::child::run_json(&exe, &args(i), &[]);
                after_each();
                result
            })
            .collect()
    }
}

/// What a child binary runs: its command line and its job.
pub trait Child: clap::Parser {
    /// A usage error clap cannot see, before anything runs (one line on
    /// stderr, exit status 2).
    fn check(&self, _me: &Process) -> Result<(), String> {
        Ok(())
    }

    /// Runs the job in this process and prints its result; false after one
    /// error line.
    fn run(self, me: &Process) -> bool;
}

/// The process a child binary is.
#[derive(Debug, Clone, Copy)]
pub struct Process {
    /// Its global allocator (`None`: the exercise's own).
    pub allocator: Option<Global>,
    /// What it is for.
    pub role: Role,
    /// Its binary's name, for messages and the profile's file.
    pub name: &'static str,
    /// False in a binary whose allocator is not in this build (jemalloc on
    /// Windows MSVC, or a feature off): it links System instead and refuses
    /// to measure.
    pub built_in: bool,
}

/// The whole `main` of a child binary: parse, check, start the profile
/// (under `dhat-heap`), refuse an allocator not built in, run.
pub fn main<C: Child>(me: Process) -> ExitCode {
    let cli = C::parse();
    if let Err(e) = cli.check(&me) {
        crate::output::usage_error(e);
    }
    let _profile = crate::profile::start(me.name);
    if !me.built_in {
        let what = me.allocator.map_or("this allocator", Global::name);
        eprintln!("error: {}", not_built_in(what, me.name));
        return ExitCode::FAILURE;
    }
    if cli.run(&me) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The one error for an allocator this build does not have: `what` (an
/// allocator, or what needs one) is not built into `program`.
pub fn not_built_in(what: &str, program: &str) -> String {
    format!(
        "{what} is not built into {program} (jemalloc needs a non-MSVC target and the \
         `jemalloc` feature, mimalloc the `mimalloc` feature)"
    )
}

/// One child binary: its global allocator (wrapped in exercise 1's tracker
/// when `Counted`) and its `main`, [`main`] with `$cli`.
///
/// ```ignore
/// // src/bin/ex7-jemalloc-untracked.rs, all of it:
/// kit::child_binary!(jemalloc, Timed, ex7::child::ChildCli);
/// ```
///
/// The allocator is `system`, `jemalloc`, `mimalloc`, or `own(TYPE = INIT)`
/// (the exercise's own). A jemalloc binary in a build without jemalloc links
/// System and refuses to run.
#[macro_export]
macro_rules! child_binary {
    (own($ty:ty = $init:expr), $role:ident, $cli:ty) => {
        $crate::child_binary!(@static $role, $ty = $init);
        $crate::child_binary!(@main None, $role, true, $cli);
    };
    (system, $role:ident, $cli:ty) => {
        $crate::child_binary!(@static $role, ::std::alloc::System = ::std::alloc::System);
        $crate::child_binary!(@main Some($crate::sibling::Global::System), $role, true, $cli);
    };
    (mimalloc, $role:ident, $cli:ty) => {
        $crate::child_binary!(@static $role, mimalloc::MiMalloc = mimalloc::MiMalloc);
        $crate::child_binary!(@main Some($crate::sibling::Global::Mimalloc), $role, true, $cli);
    };
    (jemalloc, $role:ident, $cli:ty) => {
        #[cfg(jemalloc)]
        $crate::child_binary!(@static $role,
            tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc);
        #[cfg(not(jemalloc))]
        $crate::child_binary!(@static $role, ::std::alloc::System = ::std::alloc::System);
        $crate::child_binary!(@main Some($crate::sibling::Global::Jemalloc), $role, cfg!(jemalloc), $cli);
    };
    (@static Timed, $ty:ty = $init:expr) => {
        $crate::global_allocator!($ty = $init);
    };
    (@static Counted, $ty:ty = $init:expr) => {
        $crate::global_allocator!(ex1::Tracker<$ty> = ex1::Tracker::new($init));
    };
    (@main $allocator:expr, $role:ident, $built_in:expr, $cli:ty) => {
        fn main() -> ::std::process::ExitCode {
            $crate::sibling::main::<$cli>($crate::sibling::Process {
                allocator: $allocator,
                role: $crate::sibling::Role::$role,
                name: env!("CARGO_BIN_NAME"),
                built_in: $built_in,
            })
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_naming_rule() {
        let ex6 = Siblings::new("ex6", Some(Global::System), "");
        let names: Vec<String> = Global::ALL
            .into_iter()
            .flat_map(|g| {
                [
                    ex6.binary(Some(g), Role::Counted),
                    ex6.binary(Some(g), Role::Timed),
                ]
            })
            .collect();
        assert_eq!(
            names,
            [
                "ex6",
                "ex6-untracked",
                "ex6-jemalloc",
                "ex6-jemalloc-untracked",
                "ex6-mimalloc",
                "ex6-mimalloc-untracked"
            ]
        );
        let ex2 = Siblings::new("ex2", Some(Global::Jemalloc), "");
        assert_eq!(
            ex2.binary(Some(Global::Jemalloc), Role::Timed),
            "ex2-untracked"
        );
        assert_eq!(
            ex2.binary(Some(Global::System), Role::Counted),
            "ex2-system"
        );
        let ex9 = Siblings::new("ex9", None, "");
        // Built in: from the build's features (and the target, for jemalloc).
        let both = Siblings::new("ex7", Some(Global::System), "dhat-heap,jemalloc,mimalloc");
        assert!(Global::ALL.iter().all(|&g| both.is_built_in(g)) || cfg!(target_env = "msvc"));
        let bare = Siblings::new("ex7", Some(Global::System), "dhat-heap");
        assert_eq!(
            Global::ALL.map(|g| bare.is_built_in(g)),
            [true, false, false]
        );
        assert_eq!(ex9.binary(None, Role::Timed), "ex9-untracked");
        assert_eq!(
            ex9.binary(Some(Global::System), Role::Timed),
            "ex9-system-untracked"
        );
    }
}
