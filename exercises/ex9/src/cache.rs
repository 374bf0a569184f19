//! Step 3: a thread cache in front of the shared size classes.
//!
//! Every allocation of step 2 is a compare-and-swap on a list all threads
//! share: correct, but two threads allocating the same size fight over one
//! cache line. jemalloc's tcache and mimalloc's per-thread heaps avoid that
//! by keeping a few free blocks of each class per thread. So does this
//! step: each thread has, for each class, a small stack of free blocks
//! ([`Bin`]). An allocation pops from it and a free pushes onto it, with no
//! atomic instruction at all; only an empty bin (refill) or a full one
//! (flush) goes to the shared lists, [`BATCH`] blocks at a time.
//!
//! ## Invariants
//!
//! - A bin holds blocks that are free (memcheck is told so when they enter
//!   it), of its class, owned by this thread alone: no other thread reads
//!   or writes a thread's bins.
//! - A block freed by another thread than the one that allocated it goes
//!   into the *freeing* thread's bin (jemalloc's tcache does the same);
//!   blocks migrate between threads through the shared lists.
//! - The thread-local state is `const`-initialised and has no `Drop`, so
//!   reading it never allocates and works during the thread's teardown
//!   (with native TLS, as chapter 1's tracker explains). It holds the bins
//!   and `cap`, the most blocks a bin may hold: 0 until the thread's first
//!   free through the cache and again once it has exited, so that the fast
//!   path needs one comparison and no separate state check (a thread with
//!   `cap == 0` has empty bins, and every call takes the slow path).
//! - At thread exit every bin goes back to the shared lists, through
//!   chapter 1's exit mechanism ([`ex1::on_thread_exit`]), registered on
//!   the thread's first allocation. After that the thread is `Exited` and
//!   uses the shared lists directly, for frees and allocations that other
//!   destructors make later. Where that mechanism cannot register without
//!   allocating (targets other than Linux with glibc), nothing is
//!   registered and an exiting thread keeps at most `CAP` blocks per class
//!   out of use for good.
//! - Nothing here allocates, locks or panics.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, UnsafeCell};
use std::ptr;

use ex9_alloc::classes::{NCLASSES, SizeClasses, class_of};
use ex9_alloc::pool::realloc_by_copy;
use ex9_alloc::valgrind;

/// Blocks a bin holds at most.
pub const CAP: usize = 64;
/// Blocks moved between a bin and the shared lists at once.
pub const BATCH: usize = 32;

// ANCHOR: bin
/// One thread's free blocks of one class: a stack of pointers.
#[derive(Debug)]
pub struct Bin {
    len: u32,
    blocks: [*mut u8; CAP],
}
// ANCHOR_END: bin

impl Bin {
    /// A bin holding no block.
    pub const EMPTY: Bin = Bin {
        len: 0,
        blocks: [ptr::null_mut(); CAP],
    };

    /// Blocks in the bin.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the bin holds no block.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The top block, or null when the bin is empty: the fast path.
    #[inline(always)]
    pub fn pop(&mut self) -> *mut u8 {
        if self.len == 0 {
            return ptr::null_mut();
        }
        self.len -= 1;
        self.blocks[self.len as usize]
    }

    // ANCHOR: bin_take
    /// A free block of class `c` for this thread: the top of the bin, after
    /// refilling the bin with up to [`BATCH`] blocks from `shared` when it
    /// is empty. Null when the class has no free block at all.
    #[inline]
    pub fn take<U>(&mut self, shared: &SizeClasses<U>, c: usize) -> *mut u8 {
        // ANCHOR: task_cache_take
        if self.len == 0 {
            self.refill(shared, c);
            if self.len == 0 {
                return ptr::null_mut();
            }
        }
        self.len -= 1;
        self.blocks[self.len as usize]
        // ANCHOR_END: task_cache_take
    }

    /// Up to BATCH blocks from the shared list, one pop each (the shared
    /// path: the only place this step touches shared state to allocate).
    #[cold]
    pub fn refill<U>(&mut self, shared: &SizeClasses<U>, c: usize) {
        while (self.len as usize) < BATCH {
            match shared.take(c) {
                Some(i) => {
                    self.blocks[self.len as usize] = shared.block(c, i);
                    self.len += 1;
                }
                None => break,
            }
        }
    }
    // ANCHOR_END: bin_take

    // ANCHOR: bin_flush
    /// Block `p` of class `c` onto the bin, first flushing [`BATCH`] blocks
    /// to `shared` if the bin holds `cap` or more.
    #[inline]
    pub fn put<U>(&mut self, shared: &SizeClasses<U>, c: usize, p: *mut u8, cap: usize) {
        if self.len as usize >= cap {
            self.flush(shared, c, BATCH);
        }
        self.blocks[self.len as usize] = p;
        self.len += 1;
    }

    /// The `n` oldest blocks (the bottom of the stack: the ones least
    /// likely to be in the CPU's cache) back to the shared list, linked
    /// into a chain and pushed with one compare-and-swap.
    #[cold]
    pub fn flush<U>(&mut self, shared: &SizeClasses<U>, c: usize, n: usize) {
        let n = n.min(self.len as usize);
        if n == 0 {
            return;
        }
        let links = shared.links(c);
        let index = |k: usize| shared.index_of(c, self.blocks[k]);
        for k in 0..n - 1 {
            // Each block of the chain links to the next (its index + 1).
            if let Some(l) = links.get(index(k) as usize) {
                l.store(index(k + 1) + 1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        shared.list(c).push_chain(links, index(0), index(n - 1));
        self.blocks.copy_within(n..self.len as usize, 0);
        self.len -= n as u32;
    }
    // ANCHOR_END: bin_flush
}

// ANCHOR: tls
/// A thread's cache: its bins, and how many blocks a bin may hold.
#[derive(Debug)]
pub struct Cache {
    /// [`CAP`] while the thread is active; 0 before its first free and
    /// after it exited.
    cap: usize,
    bins: [Bin; NCLASSES],
}

thread_local! {
    /// This thread's cache. `const`, no `Drop`.
    static CACHE: UnsafeCell<Cache> = const {
        UnsafeCell::new(Cache { cap: 0, bins: [Bin::EMPTY; NCLASSES] })
    };
    /// Whether the thread has exited (its bins flushed for good).
    static EXITED: Cell<bool> = const { Cell::new(false) };
}

/// The shared classes behind every thread's cache, with the system
/// allocator for what no class serves.
pub static SHARED: SizeClasses<System> = SizeClasses::new(System);
// ANCHOR_END: tls

/// Runs `f` on this thread's cache.
#[inline(always)]
fn with_cache<R>(f: impl FnOnce(&mut Cache) -> R) -> R {
    CACHE.with(|cache| {
        // SAFETY: only this thread reaches its cache, and never
        // re-entrantly: nothing called while the reference lives allocates
        // or frees through the global allocator.
        f(unsafe { &mut *cache.get() })
    })
}

// ANCHOR: flush_thread
/// The thread-exit hook: every bin back to the shared lists, and `cap` to
/// 0 so that later calls (other destructors) use the shared lists.
/// Allocates nothing.
fn flush_thread() {
    EXITED.set(true);
    with_cache(|cache| {
        cache.cap = 0;
        for (c, bin) in cache.bins.iter_mut().enumerate() {
            bin.flush(&SHARED, c, CAP);
        }
    });
}
// ANCHOR_END: flush_thread

/// Blocks in the calling thread's bins, per class (for tests and reports).
pub fn cached_here() -> [usize; NCLASSES] {
    with_cache(|cache| core::array::from_fn(|c| cache.bins[c].len()))
}

/// Step 3: size classes behind a per-thread cache. A unit struct: its
/// state is [`SHARED`] and each thread's cache.
#[derive(Debug)]
pub struct ThreadCache;

// ANCHOR: cached
// SAFETY: blocks come from SHARED's classes as in step 2, each held by one
// thread's bin or one owner at a time; bins are per thread; what no class
// serves goes to the system allocator and back, recognised by address.
unsafe impl GlobalAlloc for ThreadCache {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some(c) = class_of(layout) {
            // A bin is never filled while cap is 0, so no state check here.
            let mut p = with_cache(|cache| cache.bins[c].pop());
            if p.is_null() {
                p = alloc_slow(c);
            }
            if !p.is_null() {
                valgrind::malloclike(p, layout.size());
                return p;
            }
        }
        // SAFETY: our caller's layout.
        unsafe { SHARED.alloc_upstream(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        let Some(c) = SHARED.class_at(p) else {
            // SAFETY: not in the classes' buffer: upstream made it.
            return unsafe { SHARED.dealloc_upstream(p, layout) };
        };
        valgrind::freelike(p);
        let kept = with_cache(|cache| {
            let cap = cache.cap;
            if cap == 0 {
                return false;
            }
            cache.bins[c].put(&SHARED, c, p, cap);
            true
        });
        if !kept {
            free_slow(c, p);
        }
    }
    // ANCHOR_END: cached

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: new_size is valid for layout.align() (realloc's contract).
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match SHARED.class_at(p) {
            Some(c) if class_of(new) == Some(c) => {
                valgrind::resize_in_place(p, layout.size(), new_size);
                p
            }
            // SAFETY: upstream made p with `layout`; our caller's contract.
            None if class_of(new).is_none() => unsafe {
                SHARED.upstream().realloc(p, layout, new_size)
            },
            // SAFETY: realloc's contract, upheld by our caller.
            _ => unsafe { realloc_by_copy(self, p, layout, new_size) },
        }
    }
}

// ANCHOR: slow
/// The first call through the cache on a thread: set `cap` and ask to be
/// told when the thread exits. `cap` first: an allocation the registration
/// makes (on glibc it uses C's malloc, not this allocator) takes the
/// ordinary path. Without a hook (see the module docs) the bins last the
/// thread's life.
#[cold]
fn start_thread() {
    with_cache(|cache| cache.cap = CAP);
    let _registered = ex1::on_thread_exit(flush_thread);
}

/// An empty bin: refill it (starting the thread's cache if new), or, on a
/// thread that has exited, take from the shared list directly.
#[cold]
fn alloc_slow(c: usize) -> *mut u8 {
    if EXITED.get() {
        return SHARED
            .take(c)
            .map_or(ptr::null_mut(), |i| SHARED.block(c, i));
    }
    if with_cache(|cache| cache.cap) == 0 {
        start_thread();
    }
    with_cache(|cache| cache.bins[c].take(&SHARED, c))
}

/// A free on a thread whose `cap` is 0: a new thread starts its cache; an
/// exited one gives the block straight back to the shared list.
#[cold]
fn free_slow(c: usize, p: *mut u8) {
    if EXITED.get() {
        SHARED.give(c, SHARED.index_of(c, p));
    } else {
        start_thread();
        with_cache(|cache| cache.bins[c].put(&SHARED, c, p, CAP));
    }
}
// ANCHOR_END: slow
