//! The three global allocators, and the two processes each runs in: a timed
//! one with the allocator alone, and a counted one with the allocator wrapped
//! in exercise 1's tracker. Timings never come from a tracked process (the
//! tracker's own work would be on every allocation's path); counts never
//! from an untracked one (there is nothing to count with).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

// ANCHOR: allocator
/// A global allocator under test.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allocator {
    /// The platform's allocator (glibc malloc on Linux).
    System,
    /// jemalloc (tikv-jemallocator).
    Jemalloc,
    /// mimalloc.
    Mimalloc,
}

impl Allocator {
    pub(crate) const ALL: [Allocator; 3] =
        [Allocator::System, Allocator::Jemalloc, Allocator::Mimalloc];

    /// The binary whose global allocator this is: the timed process, or
    /// (`counted`) the one that wraps it in the tracker.
    pub fn binary(self, counted: bool) -> &'static str {
        match (self, counted) {
            (Allocator::System, false) => "ex7-untracked",
            (Allocator::System, true) => "ex7",
            (Allocator::Jemalloc, false) => "ex7-jemalloc-untracked",
            (Allocator::Jemalloc, true) => "ex7-jemalloc",
            (Allocator::Mimalloc, false) => "ex7-mimalloc-untracked",
            (Allocator::Mimalloc, true) => "ex7-mimalloc",
        }
    }
}
// ANCHOR_END: allocator

impl Allocator {
    /// The name `--allocators` takes and tables show.
    pub fn name(self) -> &'static str {
        match self {
            Allocator::System => "system",
            Allocator::Jemalloc => "jemalloc",
            Allocator::Mimalloc => "mimalloc",
        }
    }

    /// Whether this build has the allocator: jemalloc needs the `jemalloc`
    /// feature and a non-MSVC target, mimalloc its feature.
    pub fn is_available(self) -> bool {
        match self {
            Allocator::System => true,
            Allocator::Jemalloc => cfg!(jemalloc),
            Allocator::Mimalloc => cfg!(feature = "mimalloc"),
        }
    }

    /// The allocators this build can run.
    pub fn available() -> Vec<Allocator> {
        Allocator::ALL
            .into_iter()
            .filter(|a| a.is_available())
            .collect()
    }

    /// The path of the allocator's binary, beside this one.
    pub fn executable(self, counted: bool) -> std::io::Result<PathBuf> {
        kit::child::sibling(self.binary(counted))
    }

    /// Every binary of the package, for `cargo run` to build before the
    /// parent starts them.
    pub fn all_binaries() -> Vec<&'static str> {
        Allocator::available()
            .into_iter()
            .flat_map(|a| [a.binary(false), a.binary(true)])
            .filter(|b| *b != "ex7")
            .collect()
    }
}

impl std::fmt::Display for Allocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
