//! # Exercise 9: the allocator itself, in `core` only
//!
//! The two steps of chapter 9's small allocator that need no operating
//! system: this crate is `#![no_std]` and has no dependencies, so it builds
//! for any target with 64-bit atomics (the free list's head is an
//! `AtomicU64`), and any program can install it as its `#[global_allocator]`.
//!
//! 1. [`pool`]: a fixed-block pool over a static buffer, with a lock-free,
//!    ABA-safe free list of block indices.
//! 2. [`classes`]: a pool per size class, requests rounded up to their
//!    class, the rest passed to an upstream allocator.
//!
//! [`valgrind`] tells valgrind's memcheck about every block the two hand out
//! and take back. Step 3, the thread cache, needs thread-local storage and a
//! hook at thread exit: it lives in the `ex9` crate, which has `std`.
#![no_std]

pub mod classes;
pub mod pool;
pub mod valgrind;

pub use classes::{CLASSES, SizeClasses, class_of};
pub use pool::{FreeList, Pool, PoolAlloc};
