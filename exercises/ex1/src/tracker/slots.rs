//! The per-thread slot registry: which slot of a
//! [`Counters`](super::Counters) each thread counts into, how a thread claims
//! one of its own on its first allocation and gives it back when it exits,
//! and the same exit hook offered to other allocators. The counters
//! themselves, and the hot path that reads `SLOT_OFFSET`, are in
//! `tracker.rs`.
//!
//! ## Thread-local storage, and the targets this supports
//!
//! The hot path reads `SLOT_OFFSET`, a `const`-initialised thread-local without
//! `Drop`. With *native* TLS (`#[thread_local]`: Linux, macOS, Windows MSVC,
//! the BSDs) that read is a load at a fixed offset: it never allocates and
//! works at any point of a thread's life, teardown included. On a target with
//! key-based TLS the first access boxes the value through the global
//! allocator, which would recurse into this tracker: such targets are not
//! supported. (Stable Rust has no `cfg(target_thread_local)` to reject them at
//! compile time; `tests/slot_reuse.rs` checks the claim on the target CI
//! builds, x86_64 Linux with glibc, by counting every allocation a fresh
//! thread makes through the global allocator while it claims a slot.)
//!
//! Giving a slot back needs a hook at thread exit: a thread-local whose
//! `Drop` releases the index. Two traps, and how they are avoided:
//!
//! - *Registering* that destructor may allocate, and it happens inside the
//!   allocator, on the thread's first allocation. The thread therefore owns
//!   its slot *before* it registers: an allocation made by the registration
//!   takes the ordinary path into that slot and never reaches the
//!   registration again. On glibc the registration is
//!   `__cxa_thread_atexit_impl`, which allocates with C's `malloc`, not
//!   through Rust's global allocator at all; elsewhere std keeps a list of
//!   destructors in a `RefCell<Vec<_>>`, and an allocator that registers one
//!   while that list is being pushed to makes std abort. So slots are given
//!   back only where the registration is known not to come back through the
//!   global allocator: [`RECYCLES_SLOTS`] (Linux with glibc). Elsewhere no
//!   destructor is registered and a slot is kept for the thread's life, as if
//!   the process never ended a thread: exact for the first `SLOTS` threads,
//!   and said to be inexact after.
//! - *Teardown order*: other thread-locals' destructors may allocate and free
//!   before or after ours runs. Before, they count into the thread's slot.
//!   After, `SLOT_OFFSET` (which has no destructor and so is never torn down) already
//!   points at the shared slot and the cold path knows the thread has exited,
//!   so they count there, atomically, and never claim an index again.
//!
//! One case keeps an index for good: a thread whose *first* allocation comes
//! after all its thread-local destructors ran (from a C library's
//! `pthread_key` destructor, say) registers a hook that never runs. That
//! costs one index, never exactness.

use std::cell::Cell;
use std::sync::atomic::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};

use super::{SLOTS, Slot};

/// True where a thread's slot is given back when the thread exits (see the
/// module docs): Linux with glibc. Elsewhere a slot lasts as long as the
/// process.
pub const RECYCLES_SLOTS: bool = cfg!(all(target_os = "linux", target_env = "gnu"));

// ANCHOR: claim
thread_local! {
    /// Where this thread's slot sits in `Counters::slots`, in bytes (its
    /// index times `size_of::<Slot>()`, kept multiplied so the hot path adds
    /// it without a shift): its own (index `< SLOTS`) or [`SHARED`]'s, which
    /// it holds before its first allocation, when no index was free, and
    /// after its index was given back. `const`-initialised and without
    /// `Drop`, so reading it never allocates and works even while the thread
    /// is being torn down (with native TLS: see the module docs).
    static SLOT_OFFSET: Cell<usize> = const { Cell::new(SHARED * SLOT_BYTES) };
    /// Where the thread stands, for the cold path only (same properties).
    static STATE: Cell<State> = const { Cell::new(State::Unclaimed) };
    /// Gives the thread's index back when the thread exits: the one
    /// thread-local here with a destructor, registered once the thread owns
    /// a slot.
    static RELEASE: SlotRelease = const { SlotRelease };
}

/// The index of the slot that threads without one of their own share.
pub(super) const SHARED: usize = SLOTS;

const SLOT_BYTES: usize = std::mem::size_of::<Slot>();

/// The calling thread's slot index (see `SLOT_OFFSET`).
fn slot_index() -> usize {
    SLOT_OFFSET.get() / SLOT_BYTES
}

fn set_slot_index(i: usize) {
    SLOT_OFFSET.set(i * SLOT_BYTES);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Has not allocated yet.
    Unclaimed,
    /// Owns the slot at `SLOT_OFFSET`.
    Owned,
    /// Found every index taken; counts into the shared slot.
    Overflowed,
    /// Gave its index back (its destructors are running); counts into the
    /// shared slot from now on.
    Exited,
}

/// Which slot indices are taken: bit `i % 64` of word `i / 64` set.
struct Taken([AtomicU64; SLOTS / 64]);

const _: () = assert!(SLOTS.is_multiple_of(64), "SLOTS fills whole bitmap words");

/// Shared by every `Counters`: an index is a thread's in all of them.
static TAKEN: Taken = Taken([const { AtomicU64::new(0) }; SLOTS / 64]);

impl Taken {
    /// Claims the lowest free index. `Acquire` pairs with [`Taken::give_back`]:
    /// the last owner's final stores into the slot are visible to us.
    fn claim(&self) -> Option<usize> {
        for (w, word) in self.0.iter().enumerate() {
            let mut bits = word.load(Relaxed);
            while bits != u64::MAX {
                let bit = (!bits).trailing_zeros() as usize;
                match word.compare_exchange_weak(bits, bits | 1 << bit, Acquire, Relaxed) {
                    Ok(_) => return Some(w * 64 + bit),
                    Err(now) => bits = now,
                }
            }
        }
        None
    }

    fn give_back(&self, i: usize) {
        self.0[i / 64].fetch_and(!(1 << (i % 64)), Release);
    }
}

/// Claims a slot for a thread that has none yet (and, with `retry`, for one
/// that found none free before) and returns the thread's index. Runs inside
/// the allocator, on a thread's first allocation: see the module docs for
/// why registering the release hook here neither recurses nor deadlocks.
#[cold]
pub(super) fn claim_slot(retry: bool) -> usize {
    match STATE.get() {
        State::Owned => return slot_index(),
        State::Exited => return SHARED,
        State::Overflowed if !retry => return SHARED,
        State::Unclaimed | State::Overflowed => {}
    }
    let Some(i) = TAKEN.claim() else {
        STATE.set(State::Overflowed);
        return SHARED;
    };
    // Owned first: an allocation made by the registration below takes the
    // ordinary path into slot `i` and does not come back here.
    set_slot_index(i);
    STATE.set(State::Owned);
    if RECYCLES_SLOTS && RELEASE.try_with(|_| ()).is_err() {
        // The thread's destructors have already run, so it cannot be told
        // when it exits: it must not keep an index.
        give_back_slot();
    }
    slot_index()
}

/// Moves the calling thread to the shared slot for good and frees its index.
fn give_back_slot() {
    let i = slot_index();
    set_slot_index(SHARED);
    STATE.set(State::Exited);
    if i < SLOTS {
        TAKEN.give_back(i);
    }
}

/// The thread-exit hook. Neither allocates nor touches a thread-local that
/// has a destructor, so it is safe whatever order the destructors run in.
struct SlotRelease;

impl Drop for SlotRelease {
    fn drop(&mut self) {
        give_back_slot();
    }
}
// ANCHOR_END: claim

// ANCHOR: on_thread_exit
thread_local! {
    /// Another allocator's thread-exit hook (see [`on_thread_exit`]).
    static EXIT_HOOK: ExitHook = const { ExitHook(Cell::new(None)) };
}

/// Runs the function it holds when the thread's destructors run.
struct ExitHook(Cell<Option<fn()>>);

impl Drop for ExitHook {
    fn drop(&mut self) {
        if let Some(hook) = self.0.take() {
            hook();
        }
    }
}

/// Arranges for `hook` to run when the calling thread exits, by the
/// mechanism that gives a tracker's slot back (the same two traps apply:
/// see the module docs), for an allocator of another chapter that keeps
/// per-thread state. One hook per thread: a second call replaces the first.
///
/// Returns false, and registers nothing, where registering could come back
/// through the global allocator (anywhere but [`RECYCLES_SLOTS`] targets)
/// or once the thread's destructors have run. `hook` must not allocate.
pub fn on_thread_exit(hook: fn()) -> bool {
    RECYCLES_SLOTS && EXIT_HOOK.try_with(|h| h.0.set(Some(hook))).is_ok()
}
// ANCHOR_END: on_thread_exit

/// The calling thread's `SLOT_OFFSET`, for the hot path: only this module
/// sets it, so it is always a whole slot's offset inside `Counters::slots`.
#[inline]
pub(super) fn slot_offset() -> usize {
    SLOT_OFFSET.get()
}
