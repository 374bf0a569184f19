//! The three global allocators ([`kit::sibling::Global`]), and the two
//! processes each runs in: a timed one with the allocator alone, and a
//! counted one with the allocator wrapped in exercise 1's tracker. Timings
//! never come from a tracked process (the tracker's own work would be on
//! every allocation's path); counts never from an untracked one (there is
//! nothing to count with).

use std::path::PathBuf;

use kit::sibling::{Global, Role, Siblings};

/// A global allocator under test.
pub use kit::sibling::Global as Allocator;

// ANCHOR: allocator
/// Exercise 7's binaries, named by kit's rule: `ex7` is System's counted
/// process, `ex7-untracked` its timed one, and `ex7-jemalloc` and
/// `ex7-jemalloc-untracked` jemalloc's (mimalloc's likewise).
pub const SIBLINGS: Siblings = kit::siblings!(Some(Global::System));

/// The binary whose global allocator is `allocator`: the timed process, or
/// (`counted`) the one that wraps it in the tracker.
pub fn binary(allocator: Allocator, counted: bool) -> String {
    SIBLINGS.binary(Some(allocator), Role::of(counted))
}
// ANCHOR_END: allocator

/// Whether this build has the allocator: jemalloc needs the `jemalloc`
/// feature and a non-MSVC target, mimalloc its feature.
pub fn is_available(allocator: Allocator) -> bool {
    SIBLINGS.is_built_in(allocator)
}

/// The allocators this build can run.
pub fn available() -> Vec<Allocator> {
    Global::ALL
        .into_iter()
        .filter(|&a| is_available(a))
        .collect()
}

/// The path of the allocator's binary, beside this one.
pub fn executable(allocator: Allocator, counted: bool) -> std::io::Result<PathBuf> {
    SIBLINGS.executable(Some(allocator), Role::of(counted))
}

/// `cargo run -p ex7` builds only `ex7`: build every sibling it starts.
pub fn build_siblings() -> Result<(), String> {
    let bins: Vec<String> = available()
        .into_iter()
        .flat_map(|a| [binary(a, false), binary(a, true)])
        .collect();
    SIBLINGS.build(&bins)
}
