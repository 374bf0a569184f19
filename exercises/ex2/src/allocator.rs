//! Which allocator serves this process.
//!
//! The `#[global_allocator]` line in a binary's `main.rs` *says* which
//! allocator it uses; [`detect`] *proves* it by allocating a block and watching
//! which allocator's own counters move. jemalloc keeps a per-thread count of
//! bytes allocated (`thread.allocatedp`, readable without a call); glibc's
//! `mallinfo2` reports the bytes its heap has in use. Whichever moved served
//! the `Box`.

use std::path::PathBuf;

use kit::sibling::{Global, Role, Siblings};
use serde::{Deserialize, Serialize};

/// The allocators this exercise compares, one per process.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Allocator {
    /// The platform's allocator (`std::alloc::System`): glibc malloc on Linux.
    System,
    /// jemalloc 5.3, through tikv-jemallocator.
    Jemalloc,
}

impl Allocator {
    /// The name tables and charts show: `System` or `jemalloc`.
    pub fn name(self) -> &'static str {
        match self {
            Allocator::System => "System",
            Allocator::Jemalloc => "jemalloc",
        }
    }

    /// The allocators this build can run: jemalloc only where it is built in.
    pub fn available() -> Vec<Allocator> {
        [Allocator::System, Allocator::Jemalloc]
            .into_iter()
            .filter(|a| SIBLINGS.is_built_in(a.global()))
            .collect()
    }

    /// kit's name for it, which names its binaries.
    pub fn global(self) -> Global {
        match self {
            Allocator::System => Global::System,
            Allocator::Jemalloc => Global::Jemalloc,
        }
    }

    /// Its binary in `role`, by kit's rule around jemalloc, this chapter's
    /// home: `ex2` and `ex2-untracked` are jemalloc's, `ex2-system` and
    /// `ex2-system-untracked` System's. (In a build without jemalloc all four
    /// use System, and jemalloc is not offered.)
    pub fn binary(self, role: Role) -> String {
        SIBLINGS.binary(Some(self.global()), role)
    }

    /// The path of [`Allocator::binary`], beside this one.
    pub fn executable(self, role: Role) -> std::io::Result<PathBuf> {
        SIBLINGS.executable(Some(self.global()), role)
    }
}

/// Exercise 2's binaries, named by kit's rule.
pub const SIBLINGS: Siblings = kit::siblings!(Some(Global::Jemalloc));

impl std::fmt::Display for Allocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

// ANCHOR: detect
/// What happened when one known block was allocated through the global
/// allocator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Bytes requested: a `Box<[u8; PROBE_BYTES]>`.
    pub requested: u64,
    /// How far jemalloc's per-thread allocated-bytes counter moved (`None`:
    /// jemalloc is not built in).
    pub jemalloc_thread_allocated: Option<u64>,
    /// How far glibc's in-use bytes (`mallinfo2().uordblks`) moved (`None`:
    /// not glibc).
    pub glibc_in_use: Option<i64>,
}

/// The size of the probe block. Not a jemalloc size class (jemalloc rounds it
/// up to 5120), so a counter that moves by exactly the rounded size is
/// unmistakable; and above glibc's per-thread cache limit (1032 B), whose
/// cached chunks `mallinfo2` already counts as in use.
pub const PROBE_BYTES: usize = 5000;

/// Allocates one `PROBE_BYTES` block through the global allocator and records
/// which allocator's counters saw it.
pub fn detect() -> Evidence {
    let je_before = crate::jemalloc::thread_allocated();
    let glibc_before = glibc_in_use();
    let block = std::hint::black_box(Box::new([7u8; PROBE_BYTES]));
    let je_after = crate::jemalloc::thread_allocated();
    let glibc_after = glibc_in_use();
    drop(block);
    Evidence {
        requested: PROBE_BYTES as u64,
        jemalloc_thread_allocated: je_before.zip(je_after).map(|(b, a)| a - b),
        glibc_in_use: glibc_before.zip(glibc_after).map(|(b, a)| a - b),
    }
}

impl Evidence {
    /// The allocator the evidence points to: jemalloc if its counter moved,
    /// otherwise the system allocator.
    pub fn serving(&self) -> Allocator {
        match self.jemalloc_thread_allocated {
            Some(n) if n > 0 => Allocator::Jemalloc,
            _ => Allocator::System,
        }
    }

    /// One sentence saying what was seen.
    pub fn describe(&self) -> String {
        let je = match self.jemalloc_thread_allocated {
            Some(n) => format!("jemalloc's thread.allocated moved by {n} B"),
            None => "jemalloc is not built in".to_string(),
        };
        let glibc = match self.glibc_in_use {
            Some(n) => format!("glibc's in-use bytes moved by {n} B"),
            None => "glibc's counters are not available".to_string(),
        };
        format!(
            "a {} B Box: {je}; {glibc} => served by {}",
            self.requested,
            self.serving()
        )
    }
}
// ANCHOR_END: detect

/// glibc's bytes in use by the application, from `mallinfo2` (all arenas).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn glibc_in_use() -> Option<i64> {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct; it
    // only reads the allocator's own bookkeeping.
    let info = unsafe { libc::mallinfo2() };
    Some(info.uordblks as i64)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn glibc_in_use() -> Option<i64> {
    None
}
