//! # kit: the plumbing every exercise shares
//!
//! Nothing in here is about allocators. It is the part of each exercise that
//! would otherwise be copied six times: how a binary prints (a table for people,
//! JSON for machines, Markdown for the book), how timings are summarised
//! (median and spread, never a single run), how resident memory is read, and
//! how the `dhat-heap` feature swaps in the dhat heap profiler.
//!
//! The allocator code the chapters teach lives in the exercises themselves.

pub mod callgrind;
pub mod chart;
pub mod child;
pub mod finding;
pub mod format;
pub mod machine;
pub mod output;
pub mod profile;
pub mod report;
pub mod rss;
pub mod series;
pub mod sibling;
pub mod timing;

pub use output::{Format, OutputArgs, Table};
pub use timing::{Claim, Summary, Verdict};

/// Re-exported so exercises name one version of dhat, the one the workspace pins.
pub use dhat;
