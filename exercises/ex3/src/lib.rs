//! # Exercise 3: arena basics
//!
//! An arena (a *bump allocator*) hands out memory by moving one pointer
//! through a big block, and frees everything at once. There is no per-object
//! `free`, no size classes, no free lists: allocation is a subtraction and a
//! comparison. [`bumpalo`] is the arena most Rust code uses; this crate takes
//! it apart one fact at a time and then races it against the heap.
//!
//! 1. [`layout`]: values sit next to each other, the pointer moves *down*, and
//!    alignment costs padding.
//! 2. [`chunks`]: where an arena's memory comes from (chunks from the global
//!    allocator, roughly doubling) and what `reset()` keeps.
//! 3. [`drops`]: values in an arena are never dropped; `bumpalo::boxed::Box`
//!    is. And an allocation limit that fails gracefully.
//! 4. [`versus`]: 100,000 small objects with `Box::new` and with `bump.alloc`,
//!    timed and counted.
//!
//! Counts come from exercise 1's tracking allocator, which the binary (and
//! every test) installs as the global allocator: whatever the arena asks of
//! the global allocator shows up there, and nothing else it does.

pub mod child;
pub mod chunks;
pub mod drops;
pub mod layout;
pub mod report;
pub mod versus;

/// The address of a value, as a number (only ever used for differences).
pub fn addr_of<T: ?Sized>(value: &T) -> usize {
    (value as *const T).cast::<u8>() as usize
}
