//! The fix, locked in: allocation budgets on the tally (see `ex1::budget`).
//! Remove the reused key buffer, look a key up by an owned `String`, or
//! drop the `with_capacity` of the rows, and one of these fails with the
//! counts. An ordinary libtest file: a budget counts only its own thread.

use std::alloc::System;

use ex1::Tracker;
use ex1::budget::{Budget, Error};
use ex8::fix::{self, NaiveTally, Tally, Version};

#[global_allocator]
static GLOBAL: Tracker<System> = Tracker::new(System);

const RECORDS: u64 = 2000;

// ANCHOR: budget_test
#[test]
fn counting_known_keys_allocates_nothing() {
    let text = fix::lines(1, RECORDS);
    let requests = fix::requests(&text);
    let mut tally = Tally::default();
    // The warm-up call inserts every key; the measured call finds them all.
    Budget::zero().warm_up(1).assert(|| tally.add(&requests));
}

#[test]
fn the_rows_are_one_allocation() {
    let text = fix::lines(1, RECORDS);
    let requests = fix::requests(&text);
    let mut tally = Tally::default();
    tally.add(&requests);
    Budget::allocs(1).assert(|| tally.rows().len());
}
// ANCHOR_END: budget_test

#[test]
fn the_naive_tally_exceeds_the_budget_by_its_requests() {
    let text = fix::lines(1, RECORDS);
    let requests = fix::requests(&text);
    let mut tally = NaiveTally::default();
    let err = Budget::zero()
        .warm_up(1)
        .check(|| tally.add(&requests))
        .unwrap_err();
    let Error::Exceeded { stats, .. } = &err else {
        panic!("expected Exceeded, got {err}")
    };
    // At least a route key and a client key per request.
    assert!(stats.allocs >= 2 * RECORDS, "{err}");
    assert!(err.to_string().starts_with("allocation budget exceeded: "));
}

#[test]
fn both_versions_count_the_same() {
    let text = fix::lines(1, RECORDS);
    let requests = fix::requests(&text);
    assert_eq!(requests.len() as u64, RECORDS);
    let naive = fix::count_once(Version::Naive, &requests);
    let fixed = fix::count_once(Version::Fixed, &requests);
    assert_eq!(naive, fixed);
    // Every request is counted once per route and once per client.
    assert_eq!(fixed.1, 2 * RECORDS);
}
