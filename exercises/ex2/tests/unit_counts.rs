//! Exactly what one request costs in allocations, derived by reasoning, and
//! the seeded workload's counts being a function of the seed alone. Runs
//! without libtest's harness: the tracker counts this thread exactly, and no
//! harness threads run alongside.

use std::alloc::System;

use ex2::workload;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

fn main() {
    one_request_exactly();
    counts_depend_on_the_seed_only();
    println!("unit_counts: 2 tests passed");
}

fn one_request_exactly() {
    let raw =
        "GET /api/users HTTP/1.1\nHost: example.org\nAccept: text/html\n\nred Green red blue\n";
    let (_, s) = ex1::measure(|| workload::handle(std::hint::black_box(raw)));
    // Counting `handle` line by line for this request:
    // - path segments "api", "users": 2 Strings, plus the Vec collected from a
    //   filtered iterator (lower size-hint 0, so it starts at the minimum
    //   capacity, 4, and two segments fit): 3 allocations.
    // - header map `with_capacity(16)`: 1; two headers, each a lowercased name
    //   and a trimmed value: 4. Subtotal 5.
    // - tokens: 4 words, 4 lowercased Strings; the Vec's first push allocates
    //   capacity 4 and the other 3 fit: 5.
    // - word counts: `HashMap::new()` allocates nothing; the first insert
    //   allocates a 4-bucket table holding 3 entries, and there are exactly
    //   3 distinct words ("red", "green", "blue"): 1.
    // - ranked Vec from the map's 3 entries: 1 (capacity max(4, 3)).
    // - route `join`: 1 (it sizes the result exactly first).
    // - response `with_capacity(256)`; the text written is far shorter: 1.
    // Total 3 + 5 + 5 + 1 + 1 + 1 + 1 = 17, nothing reallocated, all freed.
    assert_eq!(s.allocs, 17, "{s:?}");
    assert_eq!(s.reallocs, 0, "{s:?}");
    assert_eq!(s.deallocs, 17, "{s:?}");
    assert_eq!(s.live_bytes, 0, "{s:?}");
}

fn counts_depend_on_the_seed_only() {
    let (sum_a, a) = workload::run(42, 300);
    let (sum_b, b) = workload::run(42, 300);
    let (_, c) = workload::run(43, 300);
    assert_eq!((sum_a, a), (sum_b, b), "same seed, same work, same counts");
    assert_ne!(a, c, "another seed makes other requests");
    // Nothing a request allocates outlives it.
    assert_eq!(a.live_bytes, 0, "{a:?}");
    assert!(
        a.allocs > 300 * 20,
        "requests are full of allocations: {a:?}"
    );
}
