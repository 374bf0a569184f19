//! Thread slots are reused: `measure` stays exact for any number of threads
//! over the process's life while at most `SLOTS` are alive at once, and says
//! `inexact` when more are. No libtest harness: the tracker is this process's
//! global allocator, and only these threads should be in it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier};

use ex1::{SLOTS, Tracker, measure};

/// The tracker, plus a count of every call made through the global
/// allocator while `WATCH` is set (to see what claiming a slot allocates),
/// and a way to keep a new thread away from the tracker until it says so
/// (to decide in which order its thread-exit hooks are registered).
struct Watched(Tracker<System>);

static WATCH: AtomicBool = AtomicBool::new(false);
static WATCHED_CALLS: AtomicU64 = AtomicU64::new(0);
/// While set, a thread that has not called `track_me` goes straight to
/// `System`, and the tracker does not see it (nor claim it a slot).
static BYPASS_NEW_THREADS: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Allocations this thread has made (const, no destructor: no allocation).
    static THREAD_ALLOCS: Cell<u64> = const { Cell::new(0) };
    static TRACK_ME: Cell<bool> = const { Cell::new(false) };
}

fn track_me() {
    TRACK_ME.set(true);
}

fn tracked_here() -> bool {
    TRACK_ME.get() || !BYPASS_NEW_THREADS.load(Relaxed)
}

// SAFETY: forwards every call unchanged, to the tracker or to `System`;
// the tracker forwards to `System` unchanged, so a block from either may be
// freed or reallocated through the other. The extra counting touches
// atomics and const thread-locals only.
unsafe impl GlobalAlloc for Watched {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        THREAD_ALLOCS.set(THREAD_ALLOCS.get() + 1);
        if WATCH.load(Relaxed) {
            WATCHED_CALLS.fetch_add(1, Relaxed);
        }
        // SAFETY: the caller's guarantees, passed on.
        unsafe {
            if tracked_here() {
                self.0.alloc(l)
            } else {
                System.alloc(l)
            }
        }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's guarantees, passed on.
        unsafe {
            if tracked_here() {
                self.0.dealloc(p, l)
            } else {
                System.dealloc(p, l)
            }
        }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if WATCH.load(Relaxed) {
            WATCHED_CALLS.fetch_add(1, Relaxed);
        }
        // SAFETY: the caller's guarantees, passed on.
        unsafe {
            if tracked_here() {
                self.0.realloc(p, l, n)
            } else {
                System.realloc(p, l, n)
            }
        }
    }
}

// Checked at compile time: on the targets CI builds (Linux, glibc) slots
// are recycled, so the tests below test recycling.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const _: () = assert!(
    ex1::RECYCLES_SLOTS,
    "slots are recycled on Linux with glibc"
);

#[global_allocator]
static GLOBAL: Watched = Watched(Tracker::new(System));

/// A known allocation pattern: three blocks of 16 000, 4 000 and 8 000
/// bytes, at most 16 000 live at once (the first is freed before the others).
fn known_work() -> u64 {
    let a = black_box(vec![1u8; 16_000]);
    let n = a.len() as u64;
    drop(a);
    let b = black_box(vec![2u8; 4_000]);
    let c = black_box(vec![3u8; 8_000]);
    n + b.len() as u64 + c.len() as u64
}

/// The stats `known_work` must produce when measured exactly.
fn expected(s: &ex1::Stats) -> bool {
    !s.inexact
        && s.allocs == 3
        && s.deallocs == 3
        && s.reallocs == 0
        && s.bytes_allocated == 28_000
        && s.bytes_freed == 28_000
        && s.live_bytes == 0
        && s.peak_live_bytes == 16_000
}

/// More than SLOTS threads come and go (each joined, so its thread-exit
/// hook has run); then a late thread measures while another thread churns.
fn late_thread_is_exact() {
    let born = 2 * SLOTS + 50;
    for batch in 0..born / 50 {
        let threads: Vec<_> = (0..50)
            .map(|i| std::thread::spawn(move || black_box(vec![batch * 50 + i; 10]).len()))
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
    // Another thread allocates all along; the late thread keeps measuring
    // until that thread has allocated at least 1000 times meanwhile.
    static NOISE: AtomicU64 = AtomicU64::new(0);
    static STOP: AtomicBool = AtomicBool::new(false);
    let noise = std::thread::spawn(|| {
        while !STOP.load(Relaxed) {
            black_box(vec![0u8; 1000]);
            NOISE.fetch_add(1, Relaxed);
        }
    });
    while NOISE.load(Relaxed) == 0 {
        std::thread::yield_now();
    }
    let late = std::thread::spawn(|| {
        let start = NOISE.load(Relaxed);
        let mut measured = 0u64;
        while NOISE.load(Relaxed) - start < 1000 || measured < 200 {
            let (_, s) = measure(known_work);
            if !expected(&s) {
                return Err(s);
            }
            measured += 1;
        }
        Ok(measured)
    });
    let result = late.join().unwrap();
    STOP.store(true, Relaxed);
    noise.join().unwrap();
    let measured = result.unwrap_or_else(|s| {
        panic!("after {born} threads came and went, a late thread measured {s:?}")
    });
    println!("late_thread_is_exact: ok ({born} threads born before it, {measured} exact measures)");
}

/// More than SLOTS threads alive at once: those without a slot of their own
/// get `inexact: true`, and every result not marked so is exact.
fn too_many_alive_at_once_say_inexact() {
    let alive = SLOTS + 10;
    let all_alive = Arc::new(Barrier::new(alive));
    let threads: Vec<_> = (0..alive)
        .map(|_| {
            let all_alive = Arc::clone(&all_alive);
            std::thread::spawn(move || {
                black_box(vec![0u8; 64]); // claim a slot, if one is free
                all_alive.wait();
                let (_, s) = measure(known_work);
                all_alive.wait(); // nobody exits (and frees a slot) early
                s
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let inexact = results.iter().filter(|s| s.inexact).count();
    // The main thread holds a slot too, so at least 11 of ours have none.
    assert!(
        inexact > alive - SLOTS,
        "{inexact} of {alive} threads alive at once said inexact"
    );
    assert!(
        results.iter().filter(|s| !s.inexact).all(expected),
        "every result not marked inexact is exact"
    );
    // Once they are gone, slots are free again.
    let (_, s) = std::thread::spawn(|| measure(known_work)).join().unwrap();
    assert!(expected(&s), "a thread after them is exact again: {s:?}");
    println!("too_many_alive_at_once_say_inexact: ok ({inexact} of {alive} inexact)");
}

/// Claiming a slot on a thread's first allocation (reading the thread-local,
/// registering the release hook) makes no call through the global allocator:
/// the first allocation is the only one seen. This is the check that TLS is
/// native on this target and that registering the hook does not come back
/// into the allocator.
fn claiming_a_slot_allocates_nothing() {
    let calls = std::thread::spawn(|| {
        // Nothing allocated on this thread yet, so the box below claims its slot.
        assert_eq!(THREAD_ALLOCS.get(), 0, "a fresh thread has not allocated");
        WATCH.store(true, Relaxed);
        let b = black_box(Box::new(7u64));
        WATCH.store(false, Relaxed);
        drop(b);
        WATCHED_CALLS.load(Relaxed)
    })
    .join()
    .unwrap();
    assert_eq!(calls, 1, "the thread's first allocation is its only one");
    println!("claiming_a_slot_allocates_nothing: ok");
}

thread_local! {
    /// Allocates in its destructor, at thread exit.
    static LATE: Late = const { Late };
}

struct Late;

/// Set by `Late`'s destructor: whether its allocation went to the shared
/// slot, i.e. the thread had given its own slot back by then.
static LATE_SAW_SHARED_SLOT: AtomicBool = AtomicBool::new(false);

impl Drop for Late {
    fn drop(&mut self) {
        black_box(vec![0u8; 4096]);
        LATE_SAW_SHARED_SLOT.store(ex1::COUNTERS.this_thread().inexact, Relaxed);
    }
}

/// Teardown order: a thread-local destructor that runs after the tracker's
/// own hook (destructors run in reverse order of registration, so `LATE` is
/// registered first, before the thread's first tracked allocation registers
/// the hook) allocates: that allocation must go to the shared slot, not to
/// the slot just given back (which another thread may own by then), and the
/// process totals must count it.
fn allocating_after_the_slot_is_given_back() {
    track_me(); // this thread stays tracked
    BYPASS_NEW_THREADS.store(true, Relaxed);
    let before = ex1::COUNTERS.totals();
    let t = std::thread::spawn(|| {
        LATE.with(|_| ()); // registers LATE's destructor
        track_me();
        black_box(vec![0u8; 100]); // claims a slot, registers the hook
        ex1::COUNTERS.this_thread().inexact
    });
    let had_shared_slot = t.join().unwrap();
    BYPASS_NEW_THREADS.store(false, Relaxed);
    let s = ex1::COUNTERS.totals().since(&before);
    assert!(!had_shared_slot, "the thread had a slot of its own");
    assert!(
        LATE_SAW_SHARED_SLOT.load(Relaxed),
        "an allocation after the hook ran went to the shared slot"
    );
    assert!(
        s.bytes_allocated >= 4096 + 100,
        "the destructor's allocation was counted: {s:?}"
    );
    println!("allocating_after_the_slot_is_given_back: ok");
}

fn main() {
    claiming_a_slot_allocates_nothing();
    allocating_after_the_slot_is_given_back();
    late_thread_is_exact();
    too_many_alive_at_once_say_inexact();
    println!("4 passed, 0 failed");
}
