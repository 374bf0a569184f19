//! # Exercise 7 (going further): many threads and long-running servers
//!
//! Why do Rust services switch to jemalloc or mimalloc? Usually because of
//! what happens with many threads over hours: memory freed on another thread
//! than the one that allocated it, glibc's per-thread arenas, threads that
//! come and go, objects written by several threads. This crate runs five
//! workloads that show each, under System (glibc), jemalloc and mimalloc,
//! each allocator in processes of its own:
//!
//! | allocator | timed (untracked) process | counted (tracked) process |
//! |---|---|---|
//! | System (glibc) | `ex7-untracked` | `ex7` |
//! | jemalloc | `ex7-jemalloc-untracked` | `ex7-jemalloc` |
//! | mimalloc | `ex7-mimalloc-untracked` | `ex7-mimalloc` |
//!
//! Timings come from the plain allocator; counts from the same work in a
//! process whose allocator is wrapped in exercise 1's tracker.
//!
//! Reading order, as in the chapter:
//!
//! 1. [`workload`]: the five workloads, seeded, counted per thread.
//! 2. [`view`]: anonymous RSS, page faults, glibc's arenas, jemalloc's.
//! 3. [`child`]: one run in one process.
//! 4. [`compare`]: the parent: every workload at 1 to 16 threads under each
//!    allocator, the counts, the arenas, and the verdict on "jemalloc cuts
//!    p99 latency by 30–50%".

pub mod allocator;
pub mod arenas;
pub mod chart;
pub mod child;
pub mod compare;
pub mod counts;
pub mod limits;
pub mod view;
pub mod workload;

pub use allocator::Allocator;
pub use workload::{Params, Workload};
