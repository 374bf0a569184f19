//! The `GlobalAlloc` contract as a test any allocator can be held to.
//!
//! Allocator code is `unsafe` code: the compiler cannot check that a block
//! is aligned, that `realloc` keeps its contents or that `alloc_zeroed`
//! zeroes. [`check`] does, over sizes from 1 byte to 1 MiB and alignments
//! from 1 to 4096, and from many threads at once. Chapter 1 holds both
//! trackers to it (`tests/contract.rs`); a later chapter's allocator can be
//! held to the same rules with one call:
//!
//! ```
//! use std::alloc::System;
//! static ALLOC: System = System;
//! ex1::contract::check(&ALLOC);
//! ```
//!
//! Each check panics with a message naming the rule that broke (these are
//! tests, run outside the allocator, so panicking is what they should do).

use std::alloc::{GlobalAlloc, Layout};
use std::ptr;

/// Threads [`many_threads`] runs at once in [`check`].
pub const THREADS: usize = 8;

/// Every check below: blocks are non-null, aligned and writable; `realloc`
/// keeps contents; `alloc_zeroed` zeroes; and all of it from [`THREADS`]
/// threads at once. Returns the number of blocks allocated.
pub fn check<A: GlobalAlloc + Sync>(a: &A) -> u64 {
    let mut blocks = alloc_write_free(a);
    blocks += zeroed(a);
    blocks += realloc_keeps_contents(a);
    blocks + many_threads(a, THREADS)
}

/// Sizes from 1 byte to 1 MiB: each power of two, one more, and one in
/// between.
pub fn sizes() -> Vec<usize> {
    let mut v = Vec::new();
    let mut s = 1;
    while s <= 1 << 20 {
        v.extend([s, s + 1, s + s / 2 + 3]);
        s *= 2;
    }
    v.retain(|&s| s <= 1 << 20);
    v
}

/// Alignments from 1 to 4096, every power of two.
pub fn aligns() -> impl Iterator<Item = usize> {
    (0..=12).map(|k| 1usize << k)
}

fn pattern(i: usize, seed: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 8) ^ seed) as u8
}

/// Every size x every alignment: the block is non-null, aligned and
/// writable to its last byte, then freed. Returns the blocks allocated.
pub fn alloc_write_free<A: GlobalAlloc>(a: &A) -> u64 {
    let mut n = 0;
    for size in sizes() {
        for align in aligns() {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: size >= 1.
            let p = unsafe { a.alloc(layout) };
            assert!(!p.is_null(), "alloc({size}, {align}) returned null");
            assert_eq!(p as usize % align, 0, "alloc({size}, {align}) misaligned");
            // SAFETY: p is a fresh block of `size` bytes, freed once.
            unsafe {
                ptr::write_bytes(p, 0xA5, size);
                assert_eq!(*p.add(size - 1), 0xA5);
                a.dealloc(p, layout);
            }
            n += 1;
        }
    }
    n
}

/// `alloc_zeroed` returns aligned, zeroed blocks (at alignments 1, 16 and
/// 4096). Returns the blocks allocated.
pub fn zeroed<A: GlobalAlloc>(a: &A) -> u64 {
    let mut n = 0;
    for size in sizes() {
        for align in [1, 16, 4096] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: size >= 1.
            let p = unsafe { a.alloc_zeroed(layout) };
            assert!(!p.is_null(), "alloc_zeroed({size}, {align}) returned null");
            assert_eq!(
                p as usize % align,
                0,
                "alloc_zeroed({size}, {align}) misaligned"
            );
            // SAFETY: p points to `size` initialised (zeroed) bytes.
            let bytes = unsafe { std::slice::from_raw_parts(p, size) };
            assert!(
                bytes.iter().all(|&b| b == 0),
                "alloc_zeroed({size}, {align}) not zeroed"
            );
            // SAFETY: p was allocated with `layout`.
            unsafe { a.dealloc(p, layout) };
            n += 1;
        }
    }
    n
}

/// `realloc` keeps the contents when growing (all of them) and when
/// shrinking (the prefix that fits), and keeps the alignment. Returns the
/// blocks allocated.
pub fn realloc_keeps_contents<A: GlobalAlloc>(a: &A) -> u64 {
    realloc_round(a, 0, &[1, 8, 64, 4096])
}

fn realloc_round<A: GlobalAlloc>(a: &A, seed: usize, aligns: &[usize]) -> u64 {
    let mut n = 0;
    for size in sizes() {
        for &align in aligns {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: size >= 1; every access below stays inside the block,
            // and each block is freed once with the layout it has then.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null(), "alloc({size}, {align}) returned null");
                for i in 0..size {
                    *p.add(i) = pattern(i, seed);
                }
                // Grow: the old contents must survive.
                let grown = size * 2 + 5;
                let q = a.realloc(p, layout, grown);
                assert!(!q.is_null(), "realloc up to {grown} returned null");
                assert_eq!(q as usize % align, 0, "realloc kept alignment {align}");
                for i in 0..size {
                    assert_eq!(
                        *q.add(i),
                        pattern(i, seed),
                        "realloc up lost byte {i} of {size}"
                    );
                }
                // Shrink: the prefix must survive.
                let small = size.div_ceil(2);
                let grown_layout = Layout::from_size_align(grown, align).unwrap();
                let r = a.realloc(q, grown_layout, small);
                assert!(!r.is_null(), "realloc down to {small} returned null");
                for i in 0..small {
                    assert_eq!(*r.add(i), pattern(i, seed), "realloc down lost byte {i}");
                }
                a.dealloc(r, Layout::from_size_align(small, align).unwrap());
            }
            n += 1;
        }
    }
    n
}

/// `threads` threads at once each run the realloc round with a pattern of
/// their own: a block handed to two threads, or contents mixed up between
/// them, fails it. Returns the blocks allocated.
pub fn many_threads<A: GlobalAlloc + Sync>(a: &A, threads: usize) -> u64 {
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    realloc_round(a, t + 1, &[8, 64])
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a contract thread panicked"))
            .sum()
    })
}
