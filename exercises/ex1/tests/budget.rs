//! Allocation budgets: they hold when the code keeps within them, fail with
//! the counts when it does not, and stay exact while other threads allocate.
//! An ordinary libtest file: the budget counts only the calling thread, so
//! libtest's own threads (and the tests running beside each other) do not
//! disturb it.

use std::alloc::System;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use ex1::Tracker;
use ex1::budget::{Budget, Error};

#[global_allocator]
static GLOBAL: Tracker<System> = Tracker::new(System);

/// Makes `n` boxes of 32 bytes: exactly `n` allocations, `32 n` bytes (the
/// boxes are the point: one allocation each).
#[allow(clippy::vec_box)]
fn boxes(n: usize) -> Vec<Box<[u8; 32]>> {
    let mut v = Vec::with_capacity(n); // one more allocation
    for i in 0..n {
        v.push(Box::new([i as u8; 32]));
    }
    v
}

#[test]
fn a_reused_buffer_is_within_a_zero_budget_after_warm_up() {
    let mut buf = String::new();
    let stats = Budget::zero().warm_up(1).assert(|| {
        buf.clear();
        for i in 0..100 {
            buf.push_str(if i % 2 == 0 {
                "GET "
            } else {
                "/api/orders/:id "
            });
        }
        buf.len()
    });
    assert_eq!(stats.dhat_blocks(), 0);
}

#[test]
fn without_warm_up_the_same_code_exceeds_a_zero_budget() {
    let mut buf = String::new();
    let err = Budget::zero()
        .check(|| {
            buf.clear();
            buf.push_str("GET /api/orders/:id");
        })
        .unwrap_err();
    assert!(matches!(err, Error::Exceeded { .. }), "{err}");
}

#[test]
fn exact_counts_within_budget() {
    let stats = Budget::allocs(11)
        .bytes(10 * 32 + 10 * 8)
        .assert(|| boxes(10));
    assert_eq!((stats.allocs, stats.reallocs), (11, 0));
    assert_eq!(stats.bytes_allocated, 10 * 32 + 10 * 8);
}

#[test]
fn the_failure_shows_the_counts() {
    let err = Budget::allocs(10).check(|| boxes(10)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "allocation budget exceeded: 11 allocations (11 alloc + 0 realloc), 400 bytes; \
         the budget is 10 allocations, any bytes (after 0 warm-up calls)"
    );
}

#[test]
fn a_byte_limit_fails_on_its_own() {
    let err = Budget::allocs(100)
        .bytes(399)
        .check(|| boxes(10))
        .unwrap_err();
    match err {
        Error::Exceeded { stats, .. } => assert_eq!(stats.bytes_allocated, 400),
        e => panic!("expected Exceeded, got {e}"),
    }
}

#[test]
fn growth_one_push_at_a_time_counts_its_reallocs() {
    let err = Budget::allocs(1)
        .check(|| {
            let mut v = Vec::new();
            for i in 0..100u64 {
                v.push(i);
            }
            v
        })
        .unwrap_err();
    let Error::Exceeded { stats, .. } = err else {
        panic!("expected Exceeded")
    };
    // 4, 8, 16, 32, 64, 128 elements: one alloc and five reallocs.
    assert_eq!((stats.allocs, stats.reallocs), (1, 5));
}

// ANCHOR: should_panic
#[test]
#[should_panic(expected = "allocation budget exceeded: 1000 allocations (1000 alloc + 0 realloc)")]
fn a_format_per_item_breaks_a_budget() {
    Budget::allocs(10).assert(|| {
        (0..1000)
            .map(|i| format!("GET /api/orders/{i}").len())
            .sum::<usize>()
    });
}
// ANCHOR_END: should_panic

#[test]
fn exact_while_another_thread_allocates() {
    static STOP: AtomicBool = AtomicBool::new(false);
    static STARTED: AtomicBool = AtomicBool::new(false);
    let noise = std::thread::spawn(|| {
        let mut n = 0u64;
        loop {
            n = n.wrapping_add(std::hint::black_box(boxes(64)).len() as u64);
            STARTED.store(true, Relaxed);
            if STOP.load(Relaxed) {
                return n;
            }
        }
    });
    while !STARTED.load(Relaxed) {
        std::hint::spin_loop();
    }
    for _ in 0..200 {
        let stats = Budget::allocs(11).bytes(400).assert(|| boxes(10));
        assert_eq!((stats.allocs, stats.bytes_allocated), (11, 400));
    }
    STOP.store(true, Relaxed);
    assert!(noise.join().unwrap() > 0);
}
