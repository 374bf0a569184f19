//! What `workload::handle` returns and exactly what one request costs in
//! allocations, both derived by reasoning, and the seeded workload's counts
//! being a function of the seed alone. Runs without libtest's harness: the
//! tracker counts this thread exactly, and no harness threads run alongside.

use std::alloc::System;

use ex2::workload;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

fn main() {
    one_request_exactly();
    a_request_whose_containers_grow();
    counts_depend_on_the_seed_only();
    println!("unit_counts: 3 tests passed");
}

/// The counts of one call, in the order the test states them.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    allocs: u64,
    reallocs: u64,
    deallocs: u64,
    live_bytes: i64,
}

/// Handles `raw` once and checks its checksum (the response's length, plus
/// the bytes of the header values, plus the body's word count) and its
/// allocations against what reasoning says.
fn check(raw: &str, response: &str, header_bytes: usize, words: usize, want: Counts) {
    let (sum, s) = ex1::measure(|| workload::handle(std::hint::black_box(raw)));
    let expected = (response.len() + header_bytes + words) as u64;
    assert_eq!(
        sum,
        expected,
        "your handler returned {sum} for {raw:?}; the reference returns {expected}: the \
         response {response} ({} bytes), plus {header_bytes} bytes of header values, plus \
         {words} body words",
        response.len()
    );
    let got = Counts {
        allocs: s.allocs,
        reallocs: s.reallocs,
        deallocs: s.deallocs,
        live_bytes: s.live_bytes,
    };
    assert_eq!(
        got, want,
        "your handler's allocations for {raw:?} (left); the reference's (right)"
    );
}

fn one_request_exactly() {
    let raw =
        "GET /api/users HTTP/1.1\nHost: example.org\nAccept: text/html\n\nred Green red blue\n";
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
    // The top words by count, ties by the word: red 2, then blue and green.
    let response = r#"{"route":"api/users","headers":2,"top":{"red":2,"blue":1,"green":1,}}"#;
    let want = Counts {
        allocs: 17,
        reallocs: 0,
        deallocs: 17,
        live_bytes: 0,
    };
    check(
        raw,
        response,
        "example.org".len() + "text/html".len(),
        4,
        want,
    );
}

fn a_request_whose_containers_grow() {
    let raw = "GET //v1//items/ HTTP/1.1\nX-Trace:   abc  \nACCEPT:gzip\nno colon here\n\n\
               one two three four five one\n";
    // - segments: empty pieces between slashes are dropped, "v1" and "items"
    //   stay: 2 Strings and the Vec: 3.
    // - headers: the map 1; the line without a colon is not a header; two
    //   headers, a name and a trimmed value each: 4. Subtotal 5.
    // - tokens: 6 Strings; the Vec's first push allocates capacity 4 and the
    //   fifth push grows it to 8: 7 allocations and 1 realloc.
    // - word counts: 5 distinct words. The first insert allocates a 4-bucket
    //   table (room for 3); the fourth distinct word makes it move to an
    //   8-bucket table: a new allocation, the old table freed: 2.
    // - ranked: 5 entries, sized exactly from the map's length: 1.
    // - route 1, response 1.
    // Total 3 + 5 + 7 + 2 + 1 + 1 + 1 = 20 allocations and 1 realloc; every
    // block is freed (the grown one once, at its new address): 20 frees.
    let response =
        r#"{"route":"v1/items","headers":2,"top":{"one":2,"five":1,"four":1,"three":1,"two":1,}}"#;
    let want = Counts {
        allocs: 20,
        reallocs: 1,
        deallocs: 20,
        live_bytes: 0,
    };
    check(raw, response, "abc".len() + "gzip".len(), 6, want);
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
