//! One allocation and one free, repeated: the microbenchmark a small
//! allocator can win. Each allocator is called directly (not installed as
//! the global allocator), so every step and every real allocator runs the
//! same loop in the same process; the loop is compiled once per allocator.
//!
//! Two patterns: `same` frees each 32-byte block at once (the hottest path
//! every allocator has: the block just freed comes straight back), and
//! `mixed` keeps a window of [`WINDOW`] blocks of eight sizes from 24 to
//! 1000 bytes alive and frees the oldest as it allocates the newest (so
//! blocks come back in another order than they left, and the size varies).
//!
//! Instructions come from callgrind ([`kit::callgrind`], only the code
//! inside `counted`); times from the same loop in an untimed-by-nothing
//! process, several runs.

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;

use serde::{Deserialize, Serialize};

/// Blocks alive at once in the `mixed` pattern.
pub const WINDOW: usize = 256;

/// The sizes `mixed` cycles through.
pub const MIXED_SIZES: [usize; 8] = [24, 40, 72, 100, 136, 264, 520, 1000];

/// The loop's shape.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// Allocate 32 bytes, write them, free them.
    Same,
    /// A window of blocks of eight sizes; each step frees the oldest.
    Mixed,
}

impl Pattern {
    /// Both, in the order tables show them.
    pub const ALL: [Pattern; 2] = [Pattern::Same, Pattern::Mixed];

    /// The name `--pattern` takes and tables show.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Same => "same",
            Pattern::Mixed => "mixed",
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

// ANCHOR: churn
/// `iters` allocation+free pairs on `a`, the loop inside
/// [`kit::callgrind::counted`]. Returns a checksum. Null (an allocator out
/// of memory) ends the loop early; the checksum then differs.
#[inline(never)]
pub fn run<A: GlobalAlloc>(a: &A, pattern: Pattern, iters: u64) -> u64 {
    match pattern {
        Pattern::Same => kit::callgrind::counted(|| same(a, iters)),
        Pattern::Mixed => {
            // The window lives on the stack: nothing else allocates.
            let mut window = [(std::ptr::null_mut::<u8>(), 0usize); WINDOW];
            kit::callgrind::counted(|| mixed(a, iters, &mut window))
        }
    }
}

fn same<A: GlobalAlloc>(a: &A, iters: u64) -> u64 {
    let layout = Layout::new::<[u64; 4]>();
    let mut sum = 0u64;
    for i in 0..iters {
        // SAFETY: a non-zero layout; the block is written within its 32
        // bytes and freed once with the same layout.
        unsafe {
            let p = a.alloc(layout);
            if p.is_null() {
                break;
            }
            p.cast::<u64>().write(black_box(i));
            sum = sum.wrapping_add(p.cast::<u64>().read());
            a.dealloc(black_box(p), layout);
        }
    }
    sum
}
// ANCHOR_END: churn

fn mixed<A: GlobalAlloc>(a: &A, iters: u64, window: &mut [(*mut u8, usize); WINDOW]) -> u64 {
    let mut sum = 0u64;
    for i in 0..iters as usize {
        let slot = i % WINDOW;
        let size = MIXED_SIZES[i % MIXED_SIZES.len()];
        // SAFETY: every layout is non-zero with alignment 8; each block is
        // written within its size and freed once with its own layout.
        unsafe {
            let (old, old_size) = window[slot];
            if !old.is_null() {
                sum = sum.wrapping_add(u64::from(*old));
                a.dealloc(old, Layout::from_size_align_unchecked(old_size, 8));
            }
            let p = a.alloc(Layout::from_size_align_unchecked(size, 8));
            if p.is_null() {
                window[slot] = (p, 0);
                break;
            }
            *p = black_box(i as u8);
            window[slot] = (p, size);
        }
    }
    for (p, size) in window.iter_mut() {
        if !p.is_null() {
            // SAFETY: a live block of ours with its own layout.
            unsafe { a.dealloc(*p, Layout::from_size_align_unchecked(*size, 8)) };
            *p = std::ptr::null_mut();
        }
    }
    sum
}
