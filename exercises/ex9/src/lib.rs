//! # Exercise 9: a small allocator, built in three steps
//!
//! The theory chapter describes free lists, size classes and thread caches;
//! this exercise builds each, holds every step to the book's own checks
//! (chapter 1's `GlobalAlloc` contract, valgrind's memcheck, the tracker),
//! and measures the result against the allocators the book has used.
//!
//! Reading order, as in the chapter:
//!
//! 1. [`ex9_alloc::pool`] (crate `ex9-alloc`, `core` only): a fixed-block
//!    pool over a static buffer, its free list lock-free and ABA-safe;
//!    [`steps::STEP1`] installs it with the system allocator as fallback.
//! 2. [`ex9_alloc::classes`]: a pool per size class, larger requests to the
//!    system allocator ([`steps::STEP2`]); [`rounding`] measures what
//!    rounding up costs, against jemalloc's classes from chapter 2.
//! 3. [`cache`]: per-thread bins in front of the shared classes, flushed in
//!    batches and at thread exit ([`cache::ThreadCache`], the final step).
//! 4. [`churn`]: one allocation and free, repeated: instructions (callgrind)
//!    and time per pair, for every step and for System, jemalloc and
//!    mimalloc.
//! 5. [`workload`]: chapter 2's requests, chapter 7's server simulation and
//!    a long random-size run for fragmentation, each allocator in its own
//!    process ([`compare`]).

pub mod cache;
pub mod child;
pub mod churn;
pub mod compare;
pub mod rounding;
pub mod steps;
pub mod workload;

pub use steps::Allocator;
