//! # Exercise 6: seven ways to allocate for one batch job
//!
//! The capstone. One realistic batch workload, chapter 5's access-log job
//! (parse lines into records, count them into maps, write a report), run
//! seven ways, each differing from another in one thing:
//!
//! | strategy | global allocator | pipeline | process (counted / timed) |
//! |---|---|---|---|
//! | `system` | glibc malloc (`System`) | std: each record seven `String`s | `ex6` / `ex6-untracked` |
//! | `jemalloc` | jemalloc | std | `ex6-jemalloc` / `ex6-jemalloc-untracked` |
//! | `mimalloc` | mimalloc | std | `ex6-mimalloc` / `ex6-mimalloc-untracked` |
//! | `borrowed` | `System` | records borrowing from the batch's text | `ex6` / `ex6-untracked` |
//! | `arena` | `System`, for the arenas' chunks | borrowed records; the batch and the maps in arenas | `ex6` / `ex6-untracked` |
//! | `arena-jemalloc` | jemalloc | the arena pipeline | `ex6-jemalloc` / `ex6-jemalloc-untracked` |
//! | `arena-mimalloc` | mimalloc | the arena pipeline | `ex6-mimalloc` / `ex6-mimalloc-untracked` |
//!
//! A process has one global allocator, so each strategy runs in a process of
//! its own: binaries built from the same code, one per allocator, each in
//! two builds. The counting one wraps its allocator in exercise 1's
//! [`ex1::Tracker`] for the allocation counts and the memory figures; the
//! timed one has the allocator as it is, since the tracker's cost per call
//! would land on the strategies that call it most. The `ex6` binary is also
//! the parent: it writes the input once, runs every (strategy, run) in a
//! fresh untracked child, rotating the order from run to run, then each
//! strategy once in its tracked child, checks that all wrote the same
//! report, and puts the results side by side.
//!
//! Reading order, as in the chapter:
//!
//! 1. [`Strategy`]: the strategies and the processes each runs in.
//! 2. [`pipeline`]: the job's one code path, and the two choices that make
//!    its three pipelines: what a record holds, and where blocks come from.
//! 3. [`batch`]: what a child runs: the pipeline over the input, each batch
//!    timed, the whole job counted.
//! 4. [`compare`]: the parent: fresh processes, rotation, medians, ratios,
//!    and the verdict on "arenas make batch processing 5–20x faster".
//! 5. [`chart`]: the comparison as an SVG chart.

pub mod batch;
pub mod chart;
pub mod child;
pub mod compare;
pub mod pipeline;
pub mod strategy;

pub use batch::{Job, Latency, Sample};
pub use compare::{Plan, Report, Row};
pub use strategy::Strategy;
