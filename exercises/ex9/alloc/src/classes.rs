//! Step 2: size classes. One pool per class, a request rounded up to the
//! smallest class that holds it, and anything larger passed to an upstream
//! allocator (the system's, in a program with `std`).
//!
//! ## Invariants
//!
//! - Every class has a region of [`CLASS_BYTES`] in one page-aligned buffer,
//!   in class order, and its own [`FreeList`] of block indices with its own
//!   slice of one links array. Which class a pointer belongs to is its
//!   offset in the buffer divided by [`CLASS_BYTES`]: no header, no lookup.
//! - A class of `s` bytes serves a request of `size <= s` and
//!   `align <= natural_align(s)`: its region starts on a 4096-byte
//!   boundary and its blocks at multiples of `s`. A request no class can
//!   serve, and a request whose class is full, goes upstream; its pointer
//!   is outside the buffer, which is how `dealloc` knows.
//! - Rounding up is the internal fragmentation this step costs: a 65-byte
//!   request takes a 96-byte block.
//! - A class's region is never given to another class or back to the OS:
//!   memory a class once used stays with it (measured in the chapter).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::AtomicU32;

use crate::pool::{FreeList, natural_align, realloc_by_copy};
use crate::valgrind;

// ANCHOR: classes
/// The block sizes: 16 bytes, then two classes per doubling (each power of
/// two and the point halfway to the next), up to 4096. A request over 16
/// bytes wastes less than a third of its block. jemalloc has four classes
/// per doubling from 64 bytes on, so less than a fifth there; below 64 its
/// classes are 16 bytes apart (a 17-byte request takes 32).
pub const CLASSES: [usize; 17] = [
    16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
];
// ANCHOR_END: classes

/// Number of classes.
pub const NCLASSES: usize = CLASSES.len();

/// The largest request a class serves; larger ones go upstream.
pub const MAX_CLASS: usize = CLASSES[NCLASSES - 1];

/// Bytes of buffer per class (8 MiB: 136 MiB of address space in all, of
/// which only the pages a class has used are ever resident).
pub const CLASS_BYTES: usize = 8 << 20;

/// Blocks in class `c`.
pub const fn blocks(c: usize) -> usize {
    CLASS_BYTES / CLASSES[c]
}

/// Where class `c`'s links start in the shared links array.
const fn link_start(c: usize) -> usize {
    let mut i = 0;
    let mut at = 0;
    while i < c {
        at += blocks(i);
        i += 1;
    }
    at
}

/// Links for every class's blocks.
const LINKS: usize = link_start(NCLASSES);

/// `2^40 / size + 1` per class: `(off * r) >> 40 == off / size` for every
/// offset below 2^23 (the error, at most `off / 2^40 < 2^-17`, is smaller
/// than the gap to the next multiple, at least `1 / 4096`).
const RECIPROCALS: [u64; NCLASSES] = {
    let mut r = [0; NCLASSES];
    let mut c = 0;
    while c < NCLASSES {
        r[c] = (1u64 << 40) / CLASSES[c] as u64 + 1;
        c += 1;
    }
    r
};

const _: () = assert!(CLASS_BYTES <= 1 << 23, "RECIPROCALS are exact below 2^23");

const LINK_STARTS: [usize; NCLASSES + 1] = {
    let mut s = [0; NCLASSES + 1];
    let mut c = 0;
    while c <= NCLASSES {
        s[c] = link_start(c);
        c += 1;
    }
    s
};

// ANCHOR: class_of
/// The class that serves `layout`: the smallest that is big enough and
/// aligned enough. `None` for a request larger than [`MAX_CLASS`] or
/// aligned more than any class that could hold it.
#[inline]
pub fn class_of(layout: Layout) -> Option<usize> {
    // ANCHOR: task_class_of
    let (size, align) = (layout.size(), layout.align());
    if size > MAX_CLASS {
        return None;
    }
    // The first class at or above `size`: 16 for the smallest requests,
    // then two per doubling. Found by counting, not by searching.
    let mut c = if size <= 16 {
        0
    } else {
        // size in (2^k, 2^(k+1)]: 2^k < size <= 1.5 * 2^k takes class
        // 1.5 * 2^k, else 2^(k+1). Class 2^j sits at index 2(j - 4).
        let k = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize; // 2^k < size
        let pow = 1 << k;
        let base = 2 * (k - 4); // index of class 2^k
        if size <= pow + pow / 2 {
            base + 1
        } else {
            base + 2
        }
    };
    // Alignment: every class is aligned to at least 8 bytes; past that,
    // move up to the first class aligned enough.
    if align <= 8 {
        return Some(c);
    }
    while c < NCLASSES {
        if natural_align(CLASSES[c]) >= align {
            return Some(c);
        }
        c += 1;
    }
    None
    // ANCHOR_END: task_class_of
}
// ANCHOR_END: class_of

/// The buffer every class's region lives in. Zeroed, like everything in
/// [`SizeClasses::new`], so a `static` of it sits in `.bss`: no file size,
/// and no memory until a page is first used.
#[repr(C, align(4096))]
struct Buffer(UnsafeCell<[[u8; CLASS_BYTES]; NCLASSES]>);

// ANCHOR: size_classes
/// Step 2: a pool per size class, and `upstream` for the rest.
pub struct SizeClasses<U> {
    buffer: Buffer,
    links: [AtomicU32; LINKS],
    lists: [FreeList; NCLASSES],
    upstream: U,
}
// ANCHOR_END: size_classes

/// The free lists and the upstream allocator; not the blocks (another
/// thread may own them) nor every link.
impl<U: core::fmt::Debug> core::fmt::Debug for SizeClasses<U> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SizeClasses")
            .field("lists", &self.lists)
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

// SAFETY: each block has one owner at a time (the free lists hand it out
// once until it is pushed back); every other field is atomic, and `U` is
// shared only if it is `Sync` itself.
unsafe impl<U: Sync> Sync for SizeClasses<U> {}

impl<U> SizeClasses<U> {
    /// Empty classes; meant for a `static` (the buffer is in it).
    pub const fn new(upstream: U) -> Self {
        SizeClasses {
            buffer: Buffer(UnsafeCell::new([[0; CLASS_BYTES]; NCLASSES])),
            links: [const { AtomicU32::new(0) }; LINKS],
            lists: [const { FreeList::new() }; NCLASSES],
            upstream,
        }
    }

    /// The allocator behind: it serves what the classes do not.
    pub fn upstream(&self) -> &U {
        &self.upstream
    }

    fn base(&self) -> *mut u8 {
        self.buffer.0.get().cast()
    }

    /// Class `c`'s links.
    #[inline]
    pub fn links(&self, c: usize) -> &[AtomicU32] {
        &self.links[LINK_STARTS[c]..LINK_STARTS[c + 1]]
    }

    /// Class `c`'s free list (`c < NCLASSES`).
    #[inline]
    pub fn list(&self, c: usize) -> &FreeList {
        &self.lists[c]
    }

    // ANCHOR: take
    /// A block index of class `c` from its shared list, if any is free.
    #[inline]
    pub fn take(&self, c: usize) -> Option<u32> {
        self.lists[c].pop(self.links(c))
    }

    /// Block `i` of class `c` back on the shared list.
    #[inline]
    pub fn give(&self, c: usize, i: u32) {
        self.lists[c].push(self.links(c), i)
    }

    /// The address of block `i` of class `c`.
    #[inline]
    pub fn block(&self, c: usize, i: u32) -> *mut u8 {
        // SAFETY: c < NCLASSES and i < blocks(c): inside the buffer.
        unsafe { self.base().add(c * CLASS_BYTES + i as usize * CLASSES[c]) }
    }

    /// The class of a block of ours (a subtraction and a shift); `None` for
    /// a pointer from upstream.
    #[inline]
    pub fn class_at(&self, p: *const u8) -> Option<usize> {
        let off = (p as usize).wrapping_sub(self.base() as usize);
        (off < NCLASSES * CLASS_BYTES).then_some(off / CLASS_BYTES)
    }

    /// The index of block `p` in class `c` (`p` one of the class's blocks).
    /// A division by the class size, done as a multiplication by its
    /// reciprocal: a divide instruction costs tens of cycles.
    #[inline]
    pub fn index_of(&self, c: usize, p: *const u8) -> u32 {
        let off = (p as usize).wrapping_sub(self.base() as usize) % CLASS_BYTES;
        ((off as u64 * RECIPROCALS[c]) >> 40) as u32
    }

    /// The class and index of a block of ours; `None` for upstream's.
    #[inline]
    pub fn locate(&self, p: *const u8) -> Option<(usize, u32)> {
        let c = self.class_at(p)?;
        Some((c, self.index_of(c, p)))
    }
    // ANCHOR_END: take

    /// What the classes hold: for each class, blocks carved (touched at
    /// least once) and blocks on its free list. For reports, when nothing
    /// else runs.
    pub fn usage(&self) -> [(u32, u32); NCLASSES] {
        let mut u = [(0, 0); NCLASSES];
        for (c, slot) in u.iter_mut().enumerate() {
            *slot = (self.lists[c].carved(), self.lists[c].len(self.links(c)));
        }
        u
    }
}

impl<U: GlobalAlloc> SizeClasses<U> {
    /// From upstream, for what no class serves or a class that is full.
    ///
    /// # Safety
    /// `GlobalAlloc::alloc`'s contract.
    #[cold]
    pub unsafe fn alloc_upstream(&self, layout: Layout) -> *mut u8 {
        // SAFETY: our caller's layout, unchanged.
        unsafe { self.upstream.alloc(layout) }
    }

    /// Back upstream.
    ///
    /// # Safety
    /// `p` came from [`SizeClasses::alloc_upstream`] with `layout`.
    #[cold]
    pub unsafe fn dealloc_upstream(&self, p: *mut u8, layout: Layout) {
        // SAFETY: our caller's guarantee.
        unsafe { self.upstream.dealloc(p, layout) }
    }
}

// ANCHOR: size_classes_alloc
// SAFETY: a block comes from the class `class_of` chose, which holds the
// layout's size at its alignment; each block has one owner at a time; what
// no class serves comes from `upstream` and goes back there (by address).
unsafe impl<U: GlobalAlloc> GlobalAlloc for SizeClasses<U> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some(c) = class_of(layout)
            && let Some(i) = self.take(c)
        {
            let p = self.block(c, i);
            valgrind::malloclike(p, layout.size());
            return p;
        }
        // SAFETY: our caller's layout.
        unsafe { self.alloc_upstream(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        match self.locate(p) {
            Some((c, i)) => {
                valgrind::freelike(p);
                self.give(c, i);
            }
            // SAFETY: not in our buffer, so upstream made it with `layout`.
            None => unsafe { self.dealloc_upstream(p, layout) },
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: new_size is valid for layout.align() (realloc's contract).
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if let Some((c, _)) = self.locate(p)
            && class_of(new) == Some(c)
        {
            // Same class: the block already holds the new size.
            valgrind::resize_in_place(p, layout.size(), new_size);
            return p;
        }
        if self.locate(p).is_none() && class_of(new).is_none() {
            // Upstream to upstream: let it grow in place if it can.
            // SAFETY: upstream made p with `layout`; our caller's contract.
            return unsafe { self.upstream.realloc(p, layout, new_size) };
        }
        // SAFETY: realloc's contract, which our caller upholds.
        unsafe { realloc_by_copy(self, p, layout, new_size) }
    }
}
// ANCHOR_END: size_classes_alloc

/// The bytes a request of `size` (alignment 1 to 16) takes: its class, or
/// itself when it goes upstream.
pub fn rounded(size: usize) -> usize {
    match Layout::from_size_align(size.max(1), 1) {
        Ok(l) => match class_of(l) {
            Some(c) => CLASSES[c],
            None => size,
        },
        Err(_) => size,
    }
}
