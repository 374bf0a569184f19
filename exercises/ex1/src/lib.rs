//! # Exercise 1: a tracking allocator
//!
//! Rust lets a program replace the allocator behind every `Box`, `Vec` and
//! `String` with one attribute, `#[global_allocator]`, on a static whose type
//! implements [`GlobalAlloc`](std::alloc::GlobalAlloc). The simplest useful
//! allocator of your own is one that does nothing but *count*: forward every
//! call to the real allocator and record what was asked.
//!
//! This crate builds two such trackers and then uses the better one to see
//! what ordinary code allocates:
//!
//! 1. [`NaiveTracker`]: every counter a global atomic. Exact and simple, and
//!    slow as soon as two threads allocate at once.
//! 2. [`Tracker`]: the same counts in per-thread slots, summed on read. This is
//!    the one the rest of the book installs.
//! 3. [`measure`]: what one closure allocated, exactly.
//! 4. [`growth`]: what `Vec` and `String` growth really allocate.
//! 5. [`overhead`]: what tracking costs, at one thread and at several.
//! 6. [`workload`]: a fixed workload that dhat and the tracker must agree on.
//! 7. [`contract`]: the `GlobalAlloc` contract as a test any allocator can be
//!    held to.
//! 8. [`budget`]: allocation budgets as tests (used from chapter 8 on).

mod naive;
mod tracker;

pub mod budget;
pub mod contract;
pub mod growth;
pub mod overhead;
pub mod workload;

pub use naive::NaiveTracker;
pub use tracker::{
    COUNTERS, Counters, FLUSH_BYTES, RECYCLES_SLOTS, SLOTS, Tracker, measure, measure_process,
    on_thread_exit, tracking_is_active, warn_if_untracked,
};

use serde::{Deserialize, Serialize};

// ANCHOR: stats
/// What a tracking allocator counted, in total or over an interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Calls to `alloc` and `alloc_zeroed` that succeeded.
    pub allocs: u64,
    /// Calls to `dealloc`.
    pub deallocs: u64,
    /// Calls to `realloc` that succeeded (growing or shrinking a block).
    pub reallocs: u64,
    /// Bytes handed out: every allocation's size plus every realloc's new size.
    pub bytes_allocated: u64,
    /// Bytes taken back: every deallocation's size plus every realloc's old size.
    pub bytes_freed: u64,
    /// `bytes_allocated - bytes_freed`: what is still allocated.
    pub live_bytes: i64,
    /// The highest `live_bytes` reached.
    pub peak_live_bytes: i64,
    /// True when the numbers above are *not* exact: they come from the slot
    /// that threads share once more than [`SLOTS`] are alive at once, so they
    /// mix in other threads' work. Absent from JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inexact: bool,
}
// ANCHOR_END: stats

impl Stats {
    /// The change from `before` to `self`. The peak becomes the highest point
    /// reached *above where `before` stood*.
    pub fn since(&self, before: &Stats) -> Stats {
        Stats {
            allocs: self.allocs - before.allocs,
            deallocs: self.deallocs - before.deallocs,
            reallocs: self.reallocs - before.reallocs,
            bytes_allocated: self.bytes_allocated - before.bytes_allocated,
            bytes_freed: self.bytes_freed - before.bytes_freed,
            live_bytes: self.live_bytes - before.live_bytes,
            peak_live_bytes: (self.peak_live_bytes - before.live_bytes).max(0),
            inexact: self.inexact || before.inexact,
        }
    }

    /// Two threads' counts added up. The peak is the higher of the two
    /// threads' own peaks (each is exact and deterministic; their sum would
    /// assume both peaked at once).
    pub fn merged(&self, other: &Stats) -> Stats {
        Stats {
            allocs: self.allocs + other.allocs,
            deallocs: self.deallocs + other.deallocs,
            reallocs: self.reallocs + other.reallocs,
            bytes_allocated: self.bytes_allocated + other.bytes_allocated,
            bytes_freed: self.bytes_freed + other.bytes_freed,
            live_bytes: self.live_bytes + other.live_bytes,
            peak_live_bytes: self.peak_live_bytes.max(other.peak_live_bytes),
            inexact: self.inexact || other.inexact,
        }
    }

    /// Blocks as dhat counts them: each realloc is a new block.
    pub fn dhat_blocks(&self) -> u64 {
        self.allocs + self.reallocs
    }
}

/// `report` as a JSON object with two more fields, `dhat_blocks` and
/// `dhat_bytes`: the totals a dhat profile of the same work shows (dhat
/// counts every realloc as a new block of its new size), from the tracker's
/// `all`. A report that is not a JSON object goes under `"report"`.
///
/// An exercise's `--json` output carries them so that a test can open the
/// dhat profile of the same command, made in another process, and compare.
pub fn with_dhat_totals<T: Serialize>(report: &T, all: &Stats) -> serde_json::Value {
    let mut json = match serde_json::to_value(report) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(other) => serde_json::Map::from_iter([("report".to_string(), other)]),
        Err(e) => serde_json::Map::from_iter([("error".to_string(), e.to_string().into())]),
    };
    json.insert("dhat_blocks".into(), all.dhat_blocks().into());
    json.insert("dhat_bytes".into(), all.bytes_allocated.into());
    serde_json::Value::Object(json)
}
