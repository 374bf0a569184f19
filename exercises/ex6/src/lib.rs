//! # Exercise 6: four ways to allocate for one batch job
//!
//! The capstone. One realistic batch workload, chapter 5's access-log
//! pipeline (parse lines into records, count them into new maps, write a
//! report), run four ways:
//!
//! | strategy | global allocator | pipeline | process |
//! |---|---|---|---|
//! | `system` | glibc malloc (`System`) | std (`String`, `Vec`, `HashMap`) | `ex6` |
//! | `jemalloc` | jemalloc | std | `ex6-jemalloc` |
//! | `mimalloc` | mimalloc | std | `ex6-mimalloc` |
//! | `arena` | `System`, for the arenas' chunks | an arena per phase, the parse arena reset every batch | `ex6` |
//!
//! A process has one global allocator, so each strategy runs in a process of
//! its own: three binaries built from the same code, each wrapping its
//! allocator in exercise 1's [`ex1::Tracker`] so that every run also reports
//! its allocation count and peak live heap. The `ex6` binary is also the
//! parent: it writes the input once, runs every (strategy, run) in a fresh
//! child, rotating the order from run to run, checks that all four wrote the
//! same report, and puts the results side by side.
//!
//! Reading order, as in the chapter:
//!
//! 1. [`Strategy`]: the four strategies and the process each runs in.
//! 2. [`batch`]: the job a child runs: exercise 5's phases, one batch at a
//!    time, each batch timed.
//! 3. [`compare`]: the parent: fresh processes, rotation, medians, ratios,
//!    and the verdict on "arenas make batch processing 5–20x faster".
//! 4. [`chart`]: the comparison as an SVG chart.

pub mod batch;
pub mod chart;
pub mod child;
pub mod compare;
pub mod strategy;

pub use batch::{Job, Latency, Sample};
pub use compare::{Plan, Report, Row};
pub use strategy::Strategy;

/// Formats a byte count in MiB for tables.
pub fn mib(bytes: f64) -> String {
    format!("{:.1}", bytes / (1024.0 * 1024.0))
}
