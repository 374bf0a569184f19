//! Step 1: a fixed-block pool over a static buffer.
//!
//! One block size, `BLOCKS` blocks in a buffer that is part of the program
//! image (a `static`: no OS call, no `std`), and a free list: allocation pops
//! a block index off it, a free pushes one back. Both are O(1), and the
//! pool returns null when every block is in use.
//!
//! ## Invariants
//!
//! - The free list holds block *indices*, linked through an array beside
//!   the buffer (`links[i]` is the index after `i`, plus one; 0 ends the
//!   list), not through the free blocks themselves. Nothing of the
//!   allocator lives in a block, so a program that writes to a block after
//!   freeing it cannot corrupt the list, and valgrind can be told that a
//!   freed block is unaddressable as a whole (see [`crate::valgrind`]).
//! - Blocks `fresh..BLOCKS` have never been handed out. They are carved in
//!   order, so the buffer's pages are touched only as the pool first needs
//!   them, and the list never has to be built up front.
//! - The list's head is one `AtomicU64`: the top index plus one in the low
//!   32 bits and a tag in the high 32 that every successful push and pop
//!   increments. A pop reads the head and the top's link, then swaps the
//!   head for (link, tag + 1) with one compare-and-swap. Without the tag
//!   that swap could succeed after other threads popped the top, popped
//!   its successor and pushed the top back: the head would look the same,
//!   and the stale link would put a block in use back on the list (the ABA
//!   problem). With the tag the head is never the same value twice within
//!   2^32 changes, so the compare-and-swap fails and the pop retries. (A
//!   pointer and a counter would need a 128-bit compare-and-swap, which
//!   stable Rust does not offer; an index fits in 32 bits.)
//! - A block is aligned to the largest power of two dividing `BLOCK`
//!   (the buffer is 4096-aligned), at most 4096: [`Pool::ALIGN`].
//! - Nothing here allocates, locks or panics.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{
    AtomicU32, AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};

use crate::valgrind;

// ANCHOR: free_list
/// A lock-free, ABA-safe stack of block indices, linked through a `links`
/// array the caller owns: one entry per block, so its length is the number
/// of blocks. All zeros when empty, so a `static` pool costs no file size.
#[derive(Debug)]
pub struct FreeList {
    /// `tag << 32 | (top + 1)`; the low half is 0 when the list is empty.
    head: AtomicU64,
    /// Blocks from here to the end of the links array (its length is the
    /// list's capacity) have never been handed out.
    fresh: AtomicU32,
}
// ANCHOR_END: free_list

impl Default for FreeList {
    fn default() -> Self {
        Self::new()
    }
}

/// One step of the tag, in the head's high half.
const TAG: u64 = 1 << 32;
const LOW: u64 = 0xFFFF_FFFF;

impl FreeList {
    /// An empty list, no block carved yet; `const`, so it can live in a `static`.
    pub const fn new() -> FreeList {
        FreeList {
            head: AtomicU64::new(0),
            fresh: AtomicU32::new(0),
        }
    }

    // ANCHOR: pop
    /// Takes a free block's index: the list's top, else a block never handed
    /// out; `None` when every block is in use.
    ///
    /// `links` must be the array this list was always used with.
    #[inline]
    pub fn pop(&self, links: &[AtomicU32]) -> Option<u32> {
        // ANCHOR: task_pool_pop
        let mut head = self.head.load(Acquire);
        loop {
            let top = (head & LOW) as u32;
            if top == 0 {
                return self.carve(links.len() as u32);
            }
            // The link may be stale if another thread pops `top` meanwhile:
            // then the head's tag has moved and the exchange below fails.
            let next = match links.get(top as usize - 1) {
                Some(l) => l.load(Relaxed),
                None => return None, // not our links: refuse, never panic
            };
            let new = ((head & !LOW).wrapping_add(TAG)) | u64::from(next);
            match self.head.compare_exchange_weak(head, new, Acquire, Acquire) {
                Ok(_) => return Some(top - 1),
                Err(now) => head = now,
            }
        }
        // ANCHOR_END: task_pool_pop
    }
    // ANCHOR_END: pop

    /// A block never handed out before, if any is left.
    #[inline]
    fn carve(&self, capacity: u32) -> Option<u32> {
        self.fresh
            .fetch_update(Relaxed, Relaxed, |f| (f < capacity).then_some(f + 1))
            .ok()
    }

    // ANCHOR: push
    /// Puts block `i` back on the list.
    #[inline]
    pub fn push(&self, links: &[AtomicU32], i: u32) {
        self.push_chain(links, i, i);
    }

    /// Puts a chain of blocks back with one compare-and-swap: `first`, then
    /// whatever `links` already says follows it, down to `last` (whose link
    /// is set here). The thread cache returns its blocks in batches this way.
    #[inline]
    pub fn push_chain(&self, links: &[AtomicU32], first: u32, last: u32) {
        let Some(tail) = links.get(last as usize) else {
            return; // not our links: refuse, never panic
        };
        let mut head = self.head.load(Relaxed);
        loop {
            tail.store((head & LOW) as u32, Relaxed);
            let new = ((head & !LOW).wrapping_add(TAG)) | (u64::from(first) + 1);
            // Release: the links written above are visible to the thread
            // that pops these blocks (it loads the head with Acquire).
            match self.head.compare_exchange_weak(head, new, Release, Relaxed) {
                Ok(_) => return,
                Err(now) => head = now,
            }
        }
    }
    // ANCHOR_END: push

    /// Blocks ever carved from the buffer (in use or on the list).
    pub fn carved(&self) -> u32 {
        self.fresh.load(Relaxed)
    }

    /// Blocks on the list now, by walking it: for reports, when no other
    /// thread changes the list.
    pub fn len(&self, links: &[AtomicU32]) -> u32 {
        let mut n = 0;
        let mut at = (self.head.load(Acquire) & LOW) as u32;
        while at != 0 && n as usize <= links.len() {
            n += 1;
            at = links.get(at as usize - 1).map_or(0, |l| l.load(Relaxed));
        }
        n
    }

    /// Whether no block is left: none on the list and none to carve.
    pub fn is_exhausted(&self, links: &[AtomicU32]) -> bool {
        self.head.load(Acquire) & LOW == 0 && self.carved() as usize == links.len()
    }
}

/// The largest power of two dividing `block`, at most 4096: the alignment
/// every block of that size gets in a 4096-aligned buffer.
pub const fn natural_align(block: usize) -> usize {
    let a = block & block.wrapping_neg();
    if a == 0 || a > 4096 { 4096 } else { a }
}

/// A buffer of `BLOCKS` blocks of `BLOCK` bytes, page-aligned. Zeroed, so a
/// `static` of it sits in `.bss`: no file size, and no memory until its
/// pages are touched.
#[repr(C, align(4096))]
struct Buffer<const BLOCK: usize, const BLOCKS: usize>(UnsafeCell<[[u8; BLOCK]; BLOCKS]>);

// ANCHOR: pool
/// Step 1: `BLOCKS` blocks of `BLOCK` bytes in a buffer of its own.
pub struct Pool<const BLOCK: usize, const BLOCKS: usize> {
    buffer: Buffer<BLOCK, BLOCKS>,
    links: [AtomicU32; BLOCKS],
    list: FreeList,
}
// ANCHOR_END: pool

/// The shape and the free list; not the blocks (another thread may own
/// them) nor every link.
impl<const BLOCK: usize, const BLOCKS: usize> core::fmt::Debug for Pool<BLOCK, BLOCKS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pool")
            .field("block", &BLOCK)
            .field("blocks", &BLOCKS)
            .field("list", &self.list)
            .finish_non_exhaustive()
    }
}

// SAFETY: the buffer is shared by design: the free list hands each block to
// one owner at a time (see the module's invariants), and every other field
// is atomic.
unsafe impl<const BLOCK: usize, const BLOCKS: usize> Sync for Pool<BLOCK, BLOCKS> {}

impl<const BLOCK: usize, const BLOCKS: usize> Default for Pool<BLOCK, BLOCKS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const BLOCK: usize, const BLOCKS: usize> Pool<BLOCK, BLOCKS> {
    /// The alignment of every block.
    pub const ALIGN: usize = natural_align(BLOCK);

    /// An empty pool; meant for a `static` (it is as big as its buffer).
    pub const fn new() -> Self {
        assert!(BLOCK > 0 && BLOCKS > 0 && BLOCKS < u32::MAX as usize);
        Pool {
            buffer: Buffer(UnsafeCell::new([[0; BLOCK]; BLOCKS])),
            links: [const { AtomicU32::new(0) }; BLOCKS],
            list: FreeList::new(),
        }
    }

    /// Whether a block of this pool can hold `layout`.
    pub const fn fits(layout: Layout) -> bool {
        layout.size() <= BLOCK && layout.align() <= Self::ALIGN
    }

    fn base(&self) -> *mut u8 {
        self.buffer.0.get().cast()
    }

    // ANCHOR: alloc_block
    /// A free block, or null when all are in use.
    #[inline]
    pub fn alloc_block(&self) -> *mut u8 {
        match self.list.pop(&self.links) {
            // SAFETY: i < BLOCKS, so the offset stays inside the buffer.
            Some(i) => unsafe { self.base().add(i as usize * BLOCK) },
            None => ptr::null_mut(),
        }
    }

    /// Whether `p` points into this pool's buffer.
    #[inline]
    pub fn owns(&self, p: *const u8) -> bool {
        (p as usize).wrapping_sub(self.base() as usize) < BLOCK * BLOCKS
    }

    /// Gives a block back.
    ///
    /// # Safety
    /// `p` came from [`Pool::alloc_block`] of this pool and is not used
    /// after this call.
    #[inline]
    pub unsafe fn free_block(&self, p: *mut u8) {
        let i = (p as usize - self.base() as usize) / BLOCK;
        self.list.push(&self.links, i as u32);
    }
    // ANCHOR_END: alloc_block

    /// Blocks in use now (for reports, when nothing else runs).
    pub fn in_use(&self) -> u32 {
        self.list.carved() - self.list.len(&self.links)
    }

    /// Blocks ever touched: what the pool holds of its buffer.
    pub fn carved(&self) -> u32 {
        self.list.carved()
    }
}

// ANCHOR: pool_alloc
/// Step 1 as a global allocator: requests that fit a block come from the
/// pool; the rest, and everything once the pool is full, from `fallback`
/// (in a `no_std` program, whatever allocator the platform offers, or one
/// that returns null).
#[derive(Debug)]
pub struct PoolAlloc<const BLOCK: usize, const BLOCKS: usize, F> {
    pool: Pool<BLOCK, BLOCKS>,
    fallback: F,
}

impl<const BLOCK: usize, const BLOCKS: usize, F> PoolAlloc<BLOCK, BLOCKS, F> {
    /// An empty pool over `fallback`; `const`, so it can be a `static`.
    pub const fn new(fallback: F) -> Self {
        PoolAlloc {
            pool: Pool::new(),
            fallback,
        }
    }

    /// The pool, to read what it holds.
    pub fn pool(&self) -> &Pool<BLOCK, BLOCKS> {
        &self.pool
    }
}

// SAFETY: blocks come from the pool (each to one owner, aligned to
// Pool::ALIGN, at least BLOCK bytes) only for layouts that fit; everything
// else goes to `fallback`, and each pointer is given back to the allocator
// that made it (the pool recognises its own by address).
unsafe impl<const BLOCK: usize, const BLOCKS: usize, F: GlobalAlloc> GlobalAlloc
    for PoolAlloc<BLOCK, BLOCKS, F>
{
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Pool::<BLOCK, BLOCKS>::fits(layout) {
            let p = self.pool.alloc_block();
            if !p.is_null() {
                valgrind::malloclike(p, layout.size());
                return p;
            }
        }
        // SAFETY: our caller's layout, passed on unchanged.
        unsafe { self.fallback.alloc(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if self.pool.owns(p) {
            valgrind::freelike(p);
            // SAFETY: the pool made p (it is in its buffer) and our caller
            // gives it up.
            unsafe { self.pool.free_block(p) }
        } else {
            // SAFETY: not the pool's, so `fallback` made it with `layout`.
            unsafe { self.fallback.dealloc(p, layout) }
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if self.pool.owns(p) && new_size <= BLOCK {
            // Still fits its block: nothing moves.
            valgrind::resize_in_place(p, layout.size(), new_size);
            return p;
        }
        // SAFETY: our caller's contract for realloc (p live with `layout`,
        // new_size valid for its alignment) is what realloc_by_copy needs.
        unsafe { realloc_by_copy(self, p, layout, new_size) }
    }
}
// ANCHOR_END: pool_alloc

/// `realloc` as a new block, a copy and a free (what `GlobalAlloc`'s
/// default does).
///
/// # Safety
/// `GlobalAlloc::realloc`'s contract.
pub unsafe fn realloc_by_copy<A: GlobalAlloc>(
    a: &A,
    p: *mut u8,
    layout: Layout,
    new_size: usize,
) -> *mut u8 {
    // SAFETY: the caller guarantees new_size is valid for layout.align().
    let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
    // SAFETY: new_size is non-zero (realloc's contract).
    let q = unsafe { a.alloc(new_layout) };
    if !q.is_null() {
        // SAFETY: both blocks are live and distinct, each at least this long.
        unsafe {
            ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
            a.dealloc(p, layout);
        }
    }
    q
}
