//! # Exercise 2: jemalloc as the global allocator
//!
//! Switching a Rust program to jemalloc is one line: a `#[global_allocator]`
//! static of type `tikv_jemallocator::Jemalloc`. Whether that line is worth
//! adding is a measurement, and this crate makes it.
//!
//! A process has exactly one global allocator, fixed when the binary is
//! linked. So the comparison runs in *separate processes*: the package builds
//! two binaries from the same code, `ex2` (jemalloc) and `ex2-system` (the
//! platform's allocator, glibc malloc on Linux). Both wrap their allocator in
//! exercise 1's [`ex1::Tracker`], so every run also proves that the same seeded
//! workload made the same allocation calls under both. The `ex2` binary is
//! also the parent: it launches one child process per allocator and run
//! ([`spawn`]), collects each child's JSON and prints the results side by side.
//!
//! Reading order, as in the chapter:
//!
//! 1. [`allocator`]: which allocator serves this process, *proved* by watching
//!    a test allocation arrive.
//! 2. [`workload`]: a request-like unit of work full of small allocations.
//! 3. [`bench`]: throughput and the latency distribution of that unit at 1, 2
//!    and 4 threads.
//! 4. [`frag`]: a long-running-server pattern, and how much memory each
//!    allocator keeps from the OS compared with what the program holds.
//! 5. [`jemalloc`]: size classes (`nallocx`), the statistics behind `frag`,
//!    and explicit purging.
//! 6. [`conf`]: what `_RJEM_MALLOC_CONF` settings change, shown by running them.
//! 7. [`check`]: the facts `--check` asserts (never timings).
//!
//! Without jemalloc (Windows MSVC, or `--no-default-features`) the crate still
//! builds and runs: the `cfg(jemalloc)` parts drop out and the output says what
//! jemalloc would have changed.

pub mod allocator;
pub mod bench;
pub mod chart;
pub mod check;
pub mod child;
pub mod compare;
pub mod conf;
pub mod frag;
pub mod jemalloc;
pub(crate) mod spawn;
pub mod workload;

pub use allocator::Allocator;
pub use compare::{counts, counts_table, facts, facts_tables, run_bench, run_frag};

/// What a build without jemalloc prints in place of jemalloc's results.
pub fn jemalloc_absent_note() -> &'static str {
    "jemalloc is not built into this binary (Windows MSVC, or built with \
     --no-default-features): only the system allocator ran. With jemalloc, \
     small requests would be rounded to its size classes and served from \
     per-thread caches and per-size slabs, freed pages would be returned on \
     a decay schedule (or at once with an explicit purge), and this program \
     would compare both allocators side by side."
}

/// The environment variable that configures the jemalloc built by
/// tikv-jemalloc-sys. Its symbols carry a `_rjem_` prefix, so it reads
/// `_RJEM_MALLOC_CONF`, not the `MALLOC_CONF` jemalloc's manual names.
pub const MALLOC_CONF_VAR: &str = "_RJEM_MALLOC_CONF";

/// The `_RJEM_MALLOC_CONF` this process runs with, for labelling results.
pub fn malloc_conf_env() -> Option<String> {
    std::env::var(MALLOC_CONF_VAR).ok()
}
