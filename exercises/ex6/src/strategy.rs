//! The strategies, and which process runs each.

use std::path::PathBuf;

use kit::sibling::{Global, Role, Siblings};
use serde::{Deserialize, Serialize};

// ANCHOR: strategy
/// One way to allocate for the batch job.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The std pipeline on the platform's allocator (glibc malloc on Linux).
    System,
    /// The std pipeline on jemalloc.
    Jemalloc,
    /// The std pipeline on mimalloc.
    Mimalloc,
    /// The std pipeline without copying: the records borrow their fields
    /// from the batch's text, on the platform's allocator.
    Borrowed,
    /// The borrowed pipeline with its blocks in arenas (the batch's in a
    /// parse arena reset for every batch, the maps' in a transform arena)
    /// over the platform's allocator.
    Arena,
    /// The arena pipeline over jemalloc.
    ArenaJemalloc,
    /// The arena pipeline over mimalloc.
    ArenaMimalloc,
}

/// What the job does with its records; the global allocator is the other
/// half of a strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pipeline {
    /// Every field copied into its own `String`; blocks from the global
    /// allocator.
    Std,
    /// Records borrow from the batch's text; blocks from the global
    /// allocator.
    Borrowed,
    /// Records borrow from the batch's text; blocks from arenas.
    Arena,
}

/// Exercise 6's binaries, named by kit's rule: `ex6` is System's counted
/// process, `ex6-untracked` its timed one, `ex6-jemalloc` and
/// `ex6-jemalloc-untracked` jemalloc's (mimalloc's likewise).
pub const SIBLINGS: Siblings = kit::siblings!(Some(Global::System));

impl Strategy {
    /// Every strategy, in the order the tables show them.
    pub const ALL: [Strategy; 7] = [
        Strategy::System,
        Strategy::Jemalloc,
        Strategy::Mimalloc,
        Strategy::Borrowed,
        Strategy::Arena,
        Strategy::ArenaJemalloc,
        Strategy::ArenaMimalloc,
    ];

    /// The pipeline the strategy runs.
    pub fn pipeline(self) -> Pipeline {
        match self {
            Strategy::System | Strategy::Jemalloc | Strategy::Mimalloc => Pipeline::Std,
            Strategy::Borrowed => Pipeline::Borrowed,
            Strategy::Arena | Strategy::ArenaJemalloc | Strategy::ArenaMimalloc => Pipeline::Arena,
        }
    }

    /// The global allocator the strategy's process is linked with.
    pub fn global(self) -> Global {
        match self {
            Strategy::System | Strategy::Borrowed | Strategy::Arena => Global::System,
            Strategy::Jemalloc | Strategy::ArenaJemalloc => Global::Jemalloc,
            Strategy::Mimalloc | Strategy::ArenaMimalloc => Global::Mimalloc,
        }
    }

    /// The binary whose global allocator the strategy needs: the tracked
    /// one counts, the untracked one (`-untracked`) is timed.
    pub fn binary(self, tracked: bool) -> String {
        SIBLINGS.binary(Some(self.global()), Role::of(tracked))
    }
}
// ANCHOR_END: strategy

impl Pipeline {
    /// The name tables and charts show.
    pub fn name(self) -> &'static str {
        match self {
            Pipeline::Std => "std",
            Pipeline::Borrowed => "borrowed",
            Pipeline::Arena => "arena",
        }
    }
}

impl Strategy {
    /// The name `--strategies` takes and tables show.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::System => "system",
            Strategy::Jemalloc => "jemalloc",
            Strategy::Mimalloc => "mimalloc",
            Strategy::Borrowed => "borrowed",
            Strategy::Arena => "arena",
            Strategy::ArenaJemalloc => "arena-jemalloc",
            Strategy::ArenaMimalloc => "arena-mimalloc",
        }
    }

    /// What serves the global allocations, for tables.
    pub fn allocator(self) -> &'static str {
        match self.global() {
            Global::System => "System (glibc malloc on Linux)",
            Global::Jemalloc => "jemalloc",
            Global::Mimalloc => "mimalloc",
        }
    }

    /// Whether this build has the strategy's allocator: jemalloc needs the
    /// `jemalloc` feature and a non-MSVC target, mimalloc its feature.
    pub fn is_available(self) -> bool {
        SIBLINGS.is_built_in(self.global())
    }

    /// The strategies this build can run.
    pub fn available() -> Vec<Strategy> {
        Strategy::ALL
            .into_iter()
            .filter(|s| s.is_available())
            .collect()
    }

    /// The strategies a binary linked with `global` runs.
    pub fn served_by(global: Global) -> Vec<Strategy> {
        Strategy::ALL
            .into_iter()
            .filter(|s| s.global() == global)
            .collect()
    }

    /// The path of the strategy's binary, beside this one.
    pub fn executable(self, tracked: bool) -> std::io::Result<PathBuf> {
        kit::child::sibling(&self.binary(tracked))
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
