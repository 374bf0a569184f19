//! Exact allocation counts for building one `String` three ways: `format!`,
//! `push_str` onto `String::new()`, and `push_str` onto
//! `String::with_capacity`. Each expectation is derived from the standard
//! library's growth policy (and `format!`'s capacity estimate), not copied
//! from the program's output; each task has a test of its own.

use std::alloc::System;
use std::hint::black_box;

use ex1::{Tracker, growth};

#[global_allocator]
static GLOBAL: Tracker<System> = Tracker::new(System);

#[test]
fn format_estimates_then_reallocates_once() {
    // format! starts from an estimate: literal text is "-" (1 byte), and the
    // first piece is empty, so the estimate is 0. Writing "7" allocates the
    // minimum 8; the name brings the length to 17 > 8: one realloc to
    // max(2 x 8, 17) = 17.
    let (len, s) = growth::format_id_name(black_box(7), black_box("ferris-the-crab"));
    assert_eq!(
        len, 17,
        "the text \"7-ferris-the-crab\" is 17 bytes; yours was {len}"
    );
    assert_eq!(
        (s.allocs, s.reallocs, s.bytes_allocated),
        (1, 1, 8 + 17),
        "your code made (allocs, reallocs, bytes requested) on the left; the reference's \
         format! makes 1 alloc of 8 bytes and 1 realloc to 17"
    );
    assert_eq!(
        s.deallocs, 0,
        "your code freed {} blocks inside measure; the reference returns the String and \
         drops it after measuring",
        s.deallocs
    );
}

#[test]
fn push_str_onto_new_grows_by_doubling() {
    // 100 x 5 bytes onto String::new(): 8, 16, ..., 512.
    let (len, s) = growth::push_str_onto_new();
    assert_eq!(len, 500, "100 x \"word \" is 500 bytes; yours was {len}");
    assert_eq!(
        (s.allocs, s.reallocs),
        (1, 6),
        "your code made (allocs, reallocs) on the left; the reference grows one buffer \
         8, 16, ..., 512: 1 alloc and 6 reallocs"
    );
    assert_eq!(
        s.bytes_allocated,
        8 + 16 + 32 + 64 + 128 + 256 + 512,
        "bytes requested: your code (left), the reference (right)"
    );
    assert_eq!(
        s.deallocs, 0,
        "your code freed {} blocks inside measure",
        s.deallocs
    );
}

#[test]
fn push_str_with_capacity_allocates_once() {
    let (len, s) = growth::push_str_with_capacity();
    assert_eq!(len, 500, "100 x \"word \" is 500 bytes; yours was {len}");
    assert_eq!(
        (s.allocs, s.reallocs, s.bytes_allocated),
        (1, 0, 500),
        "your code made (allocs, reallocs, bytes requested) on the left; the reference \
         reserves 500 bytes once and never grows"
    );
    assert_eq!(
        s.deallocs, 0,
        "your code freed {} blocks inside measure",
        s.deallocs
    );
}
