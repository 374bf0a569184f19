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

#[test]
fn check_budgets_holds_the_fix_and_catches_the_naive_tally() {
    let text = fix::lines(1, RECORDS);
    let requests = fix::requests(&text);
    let fixed = fix::check_budgets::<Tally>(&requests);
    match (&fixed.again, &fixed.rows) {
        (Ok(again), Ok(rows)) => assert!(
            (again.dhat_blocks(), rows.dhat_blocks()) == (0, 1),
            "the fixed tally: your checks counted {} allocations for the batch again and {} \
             for the rows; the reference counts 0 and 1",
            again.dhat_blocks(),
            rows.dhat_blocks()
        ),
        _ => panic!("the fixed tally keeps both budgets; your checks said {fixed:?}"),
    }
    // The naive tally breaks both, and the errors say which budget: zero
    // after one warm-up call, and one allocation for the rows.
    let naive = fix::check_budgets::<NaiveTally>(&requests);
    match (&naive.again, &naive.rows) {
        (
            Err(Error::Exceeded {
                budget: again_budget,
                stats,
            }),
            Err(Error::Exceeded {
                budget: rows_budget,
                ..
            }),
        ) => {
            assert_eq!(
                (*again_budget, *rows_budget),
                (Budget::zero().warm_up(1), Budget::allocs(1)),
                "the budgets your checks held the naive tally to (left); the reference's (right)"
            );
            assert!(stats.allocs >= 2 * RECORDS, "{stats:?}");
        }
        _ => panic!("the naive tally breaks both budgets; your checks said {naive:?}"),
    }
}
