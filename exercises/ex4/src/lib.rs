//! # Exercise 4: collections in an arena
//!
//! Chapter 3 put single values in an arena. Real programs want growable
//! collections there too: a vector of results, a string being built, a map,
//! a tree. This crate puts each of them in a `bumpalo::Bump` and compares it
//! with the heap version on what the global allocator sees (exercise 1's
//! tracker counts it) and, in `bench`, on time.
//!
//! 1. [`vecs`]: `bumpalo::collections::Vec`: push, extend,
//!    `extend_from_slice_copy`, and the buffers growth leaves behind.
//! 2. [`strings`]: `bumpalo::collections::String` and `bumpalo::format!`
//!    against `format!`.
//! 3. [`tree`]: a tree with parent links, built in an arena from plain
//!    references (no `Rc`), next to the same tree with `Rc` and `Weak`.
//! 4. [`maps`]: the stable allocator API: bumpalo's `allocator-api2` feature
//!    puts a `hashbrown::HashMap` (and an `allocator_api2` `Vec`) in an arena.
//! 5. [`bench`]: build and traversal times, arena against heap.
//!
//! The lifetimes are what make this safe: every collection and node borrows
//! the arena, so none can outlive it, and the arena cannot be reset while any
//! of them is alive. Both mistakes are compile errors, checked here:
//!
//! ```compile_fail,E0597
#![doc = include_str!("../compile_fail/outlives_arena.rs")]
//! ```
//!
//! ```compile_fail,E0502
#![doc = include_str!("../compile_fail/reset_while_borrowed.rs")]
//! ```
//!
//! (Stable rustdoc does not check the error codes, so a typo would also
//! "fail to compile". These corrected versions, with the same names and
//! imports, must compile, which leaves the lifetime as the only error above.)
//!
//! ```
//! use bumpalo::Bump;
//! use ex4::tree::{Node, build_arena};
//!
//! let bump = Bump::new(); // the arena now outlives the reference
//! let kept: &Node;
//! {
//!     let tree = build_arena(&bump, 10, 2);
//!     kept = tree.root;
//! }
//! println!("{}", kept.id);
//! ```
//!
//! ```
//! use bumpalo::Bump;
//! use ex4::tree::build_arena;
//!
//! let mut bump = Bump::new();
//! let tree = build_arena(&bump, 10, 2);
//! println!("{}", tree.root.id); // the last use of the tree...
//! bump.reset(); // ...so resetting is allowed here
//! ```

pub mod bench;
pub mod child;
pub mod maps;
pub mod strings;
pub mod tree;
pub mod vecs;

/// Bytes of the arena's current chunk that are in use: its capacity minus
/// what is left. Exact only while the arena has a single chunk, which is why
/// every caller creates it with `Bump::with_capacity`.
pub fn used_in_single_chunk(bump: &bumpalo::Bump) -> usize {
    bump.allocated_bytes() - bump.chunk_capacity()
}
