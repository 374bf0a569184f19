//! Strings built in an arena: `strings::arena_labels` (`bumpalo::format!`)
//! and `strings::arena_report` (one bumpalo `String`), each checked on its
//! own. Each is given an arena with room to spare in its first chunk, made
//! before measuring: then building the strings must not reach the global
//! allocator at all.

use std::alloc::System;

use bumpalo::Bump;
use ex4::strings::{self, NAME};
use ex4::used_in_single_chunk;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

/// Nothing reached the global allocator: the arena's chunk was taken before
/// measuring, with room to spare.
fn assert_no_global_allocation(s: &ex1::Stats) {
    assert_eq!(
        (s.allocs, s.reallocs),
        (0, 0),
        "your code made {} global allocations and {} reallocs; the reference makes none \
         (the arena's chunk was taken before): {s:?}",
        s.allocs,
        s.reallocs
    );
}

#[test]
fn labels_are_formatted_into_the_arena() {
    let bump = Bump::with_capacity(64 * 1024);
    let (labels, s) = ex1::measure(|| strings::arena_labels(&bump, 100));
    // 100 labels of at most 17 bytes, and 100 x 16 bytes of `&str`s: far
    // less than the chunk.
    assert_no_global_allocation(&s);
    assert_eq!(labels.len(), 100);
    assert_eq!(labels.capacity(), 100, "sized once, never grown");
    for (i, label) in labels.iter().enumerate() {
        assert_eq!(*label, format!("item {i}: {NAME}"));
    }
    // Every byte is in the arena: at least the text and the Vec's buffer.
    let text: usize = labels.iter().map(|l| l.len()).sum();
    assert!(used_in_single_chunk(&bump) >= text + 100 * 16);
}

#[test]
fn the_report_is_one_string_growing_in_place() {
    let bump = Bump::with_capacity(64 * 1024);
    let (report, s) = ex1::measure(|| strings::arena_report(&bump, 20));
    assert_no_global_allocation(&s);
    // Line i is "line " (5 bytes), i's digits and ": ferris\n" (9 bytes):
    // ten lines of one digit and ten of two, 20 x 14 + 10 + 20 = 310.
    assert_eq!(report.len(), 310);
    assert!(report.starts_with("line 0: ferris\nline 1: ferris\n"));
    assert!(report.ends_with("line 19: ferris\n"));
    assert_eq!(report.as_str(), strings::heap_report(20));
    // One String alone in the arena is always its most recent allocation,
    // so it grows in place: the arena holds its buffer and nothing else
    // (a temporary String per line would have left its bytes behind).
    assert_eq!(used_in_single_chunk(&bump), report.capacity());
}
