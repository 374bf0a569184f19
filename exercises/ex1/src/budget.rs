//! Allocation budgets: a test that says what a piece of code may allocate,
//! and fails with the counts when it allocates more.
//!
//! A budget is a limit on the allocations one call makes **on the calling
//! thread**: at most N allocations, at most B bytes, or none at all, after
//! some warm-up calls that may fill caches and grow buffers. It is checked
//! with [`measure`](crate::measure), so it is exact whatever other threads
//! do meanwhile (libtest's own threads included): a budget test needs no
//! `harness = false` and no process of its own.
//!
//! ```
//! use ex1::{Tracker, budget::Budget};
//! use std::alloc::System;
//!
//! #[global_allocator]
//! static GLOBAL: Tracker<System> = Tracker::new(System);
//!
//! fn main() {
//!     let mut buf = String::new();
//!     // After one warm-up call the buffer is big enough: no allocation.
//!     Budget::zero().warm_up(1).assert(|| {
//!         buf.clear();
//!         buf.push_str("GET /api/orders/:id");
//!     });
//! }
//! ```
//!
//! ## What is counted
//!
//! - *Allocations* are calls to `alloc`, `alloc_zeroed` and `realloc`: a
//!   realloc may move the block, and a `Vec` that grows one push at a time
//!   is exactly what a budget should catch. (This is dhat's count of blocks.)
//! - *Bytes* are the bytes those calls asked for (a realloc's new size).
//!
//! ## What makes it fail rather than pass by accident
//!
//! - The process's global allocator is not [`Tracker`](crate::Tracker) (a
//!   `dhat-heap` build, say): every count would read zero and every budget
//!   hold. [`Budget::check`] returns [`Error::NotTracking`] instead.
//! - The calling thread shares the tracker's overflow slot (more than
//!   [`SLOTS`](crate::SLOTS) threads alive at once): its counts mix in
//!   other threads' work. [`Error::Inexact`].
//!
//! To copy it into a project of your own: this file and `tracker.rs` (with
//! [`Stats`](crate::Stats)), or depend on this crate by path.

use std::fmt;

use crate::{Stats, measure, tracking_is_active};

// ANCHOR: budget
// ANCHOR: budget_struct
/// What one call may allocate on the calling thread. Build it with
/// [`Budget::zero`] or [`Budget::allocs`], narrow it with [`Budget::bytes`],
/// and let the code warm up with [`Budget::warm_up`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Most allocations (alloc + realloc calls) allowed.
    pub max_allocs: u64,
    /// Most bytes requested allowed (`None`: no limit on bytes).
    pub max_bytes: Option<u64>,
    /// Unmeasured calls made before the measured one.
    pub warm_up: u32,
}
// ANCHOR_END: budget_struct

impl Budget {
    /// No allocation at all.
    pub const fn zero() -> Budget {
        Budget {
            max_allocs: 0,
            max_bytes: Some(0),
            warm_up: 0,
        }
    }

    /// At most `n` allocations, of any size.
    pub const fn allocs(n: u64) -> Budget {
        Budget {
            max_allocs: n,
            max_bytes: None,
            warm_up: 0,
        }
    }

    /// And at most `b` bytes requested in all.
    pub const fn bytes(self, b: u64) -> Budget {
        Budget {
            max_bytes: Some(b),
            ..self
        }
    }

    /// Call the code `calls` times before the measured call (to fill caches,
    /// grow reused buffers, insert keys seen for the first time).
    pub const fn warm_up(self, calls: u32) -> Budget {
        Budget {
            warm_up: calls,
            ..self
        }
    }
}
// ANCHOR_END: budget

/// Why a budget check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The call allocated more than the budget allows: what it allocated.
    Exceeded {
        /// The budget broken.
        budget: Budget,
        /// What the call allocated.
        stats: Stats,
    },
    /// The tracker is not the global allocator: nothing can be counted.
    NotTracking,
    /// The calling thread has no slot of its own: its counts are not exact.
    Inexact {
        /// What was counted, mixed with other threads' work.
        stats: Stats,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Exceeded { budget, stats } => {
                let bytes = budget
                    .max_bytes
                    .map_or("any".to_string(), |b| b.to_string());
                write!(
                    f,
                    "allocation budget exceeded: {} allocations ({} alloc + {} realloc), \
                     {} bytes; the budget is {} allocations, {bytes} bytes \
                     (after {} warm-up calls)",
                    stats.dhat_blocks(),
                    stats.allocs,
                    stats.reallocs,
                    stats.bytes_allocated,
                    budget.max_allocs,
                    budget.warm_up
                )
            }
            Error::NotTracking => f.write_str(
                "allocation budget cannot be checked: the global allocator is not \
                 ex1::Tracker (a dhat-heap build?), so every count would read zero",
            ),
            Error::Inexact { stats } => write!(
                f,
                "allocation budget cannot be checked: this thread shares the tracker's \
                 overflow slot, so its counts ({} allocations) mix in other threads' work",
                stats.dhat_blocks()
            ),
        }
    }
}

impl std::error::Error for Error {}

// ANCHOR: check
impl Budget {
    /// Calls `f` [`warm_up`](Budget::warm_up) times, then once more under
    /// [`measure`], and checks what that last call allocated on this thread.
    /// Returns the counts either way: in `Ok` when within budget.
    pub fn check<R>(&self, mut f: impl FnMut() -> R) -> Result<Stats, Error> {
        if !tracking_is_active() {
            return Err(Error::NotTracking);
        }
        for _ in 0..self.warm_up {
            drop(std::hint::black_box(f()));
        }
        let (result, stats) = measure(&mut f);
        // Dropping the result is the caller's business, not the budget's:
        // drop it outside the measured call.
        drop(std::hint::black_box(result));
        if stats.inexact {
            return Err(Error::Inexact { stats });
        }
        let over_allocs = stats.dhat_blocks() > self.max_allocs;
        let over_bytes = self.max_bytes.is_some_and(|b| stats.bytes_allocated > b);
        if over_allocs || over_bytes {
            return Err(Error::Exceeded {
                budget: *self,
                stats,
            });
        }
        Ok(stats)
    }

    /// [`check`](Budget::check) for tests: panics with the counts when the
    /// budget is exceeded (or cannot be checked), returns them otherwise.
    #[track_caller]
    pub fn assert<R>(&self, f: impl FnMut() -> R) -> Stats {
        match self.check(f) {
            Ok(stats) => stats,
            Err(e) => panic!("{e}"),
        }
    }
}
// ANCHOR_END: check
