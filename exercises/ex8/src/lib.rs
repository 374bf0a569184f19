//! # Exercise 8: your own program
//!
//! The book's last exercise turns its tools on a program as a reader would
//! on their own: find what allocates, cut it, keep it cut, and know which
//! heap profiler to reach for.
//!
//! Reading order, as in the chapter:
//!
//! 1. [`ex1::budget`] (in exercise 1's crate, beside the tracker it reads):
//!    allocation budgets as tests.
//! 2. [`fix`]: a worked find-and-fix on exercise 5's transform step: the
//!    naive version, the hot site a profile points at, the fix, and the
//!    budget tests that keep it (`tests/budget.rs`).
//! 3. [`compare`]: the fix's counts and times, before and after.
//! 4. [`job`]: the one job every profiler runs (exercise 5's std pipeline).
//! 5. [`shootout`]: dhat-rs, valgrind's DHAT, heaptrack, massif and
//!    jemalloc's profiler on that job: cost, and agreement with the tracker.
//! 6. [`flame`]: the allocation flame graph.

pub mod child;
pub mod compare;
pub mod fix;
pub mod flame;
pub mod job;
pub mod shootout;
