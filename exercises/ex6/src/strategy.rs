//! The four strategies, and which process runs each.

use std::path::PathBuf;

use ex5::Pipeline;
use serde::{Deserialize, Serialize};

// ANCHOR: strategy
/// One way to allocate for the batch job.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// The std pipeline on the platform's allocator (glibc malloc on Linux).
    System,
    /// The std pipeline on jemalloc.
    Jemalloc,
    /// The std pipeline on mimalloc.
    Mimalloc,
    /// The arena pipeline (an arena per phase, the parse arena reset for
    /// every batch) over the platform's allocator.
    Arena,
}

impl Strategy {
    /// Every strategy, in the order the tables show them.
    pub const ALL: [Strategy; 4] = [
        Strategy::System,
        Strategy::Jemalloc,
        Strategy::Mimalloc,
        Strategy::Arena,
    ];

    /// The pipeline the strategy runs: the arena pipeline for `arena`, the
    /// std twin for the three global allocators.
    pub fn pipeline(self) -> Pipeline {
        match self {
            Strategy::Arena => Pipeline::Arena,
            _ => Pipeline::Std,
        }
    }

    /// The binary whose global allocator the strategy needs.
    pub fn binary(self) -> &'static str {
        match self {
            Strategy::System | Strategy::Arena => "ex6",
            Strategy::Jemalloc => "ex6-jemalloc",
            Strategy::Mimalloc => "ex6-mimalloc",
        }
    }
}
// ANCHOR_END: strategy

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::System => "system",
            Strategy::Jemalloc => "jemalloc",
            Strategy::Mimalloc => "mimalloc",
            Strategy::Arena => "arena",
        }
    }

    /// What serves the global allocations, for tables.
    pub fn allocator(self) -> &'static str {
        match self {
            Strategy::System | Strategy::Arena => "System (glibc malloc on Linux)",
            Strategy::Jemalloc => "jemalloc",
            Strategy::Mimalloc => "mimalloc",
        }
    }

    /// Whether this build has the strategy's allocator: jemalloc needs the
    /// `jemalloc` feature and a non-MSVC target, mimalloc its feature.
    pub fn is_available(self) -> bool {
        match self {
            Strategy::System | Strategy::Arena => true,
            Strategy::Jemalloc => cfg!(jemalloc),
            Strategy::Mimalloc => cfg!(feature = "mimalloc"),
        }
    }

    /// The strategies this build can run.
    pub fn available() -> Vec<Strategy> {
        Strategy::ALL
            .into_iter()
            .filter(|s| s.is_available())
            .collect()
    }

    /// The path of the strategy's binary, beside this one.
    pub fn executable(self) -> std::io::Result<PathBuf> {
        kit::child::sibling(self.binary())
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
