//! The book's chores in one Rust library: `src/main.rs` parses
//! `cargo xtask`'s command line and calls one function here per command,
//! and `tests/` checks the repository's rules with the same functions that
//! `cargo xtask check` and `check-book` call. What each exercise generates,
//! profiles, times and asks of a learner is in `exercises/manifest.toml`
//! (read by `manifest.rs`).
//!
//! What is `pub` here is what the command line and the tests use; the rest
//! is `pub(crate)`, and the lint below keeps it so.

#![warn(unreachable_pub)]

pub mod anchors;
pub mod book;
pub mod browser;
pub mod checks;
pub mod commands;
pub mod dhat;
pub mod generate;
pub mod inner;
pub mod learn;
pub mod manifest;
pub mod quiz;
pub mod reader;
mod seed;
pub mod starter;
pub mod tasks;
pub mod test;
pub mod tools;
pub mod util;
pub mod view;
