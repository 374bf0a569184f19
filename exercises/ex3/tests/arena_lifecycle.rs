//! An arena's lifecycle across rounds (`chunks::reset_rounds`): what
//! `reset()` keeps, what it frees, and when the global allocator stops being
//! asked. Expected values follow from bumpalo 3.20.4's behaviour (the pinned
//! version), each with its reasoning, never copied from output.

use std::alloc::System;

use ex3::chunks;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

#[test]
fn reset_keeps_the_largest_chunk_and_reuses_its_memory() {
    // 2,000 u64s are 16,000 bytes. Round 1 fills chunks of roughly 0.5, 1, 2,
    // 4 and 8 KB (about 15.5 KB) and needs a sixth of about 16 KB. A reset
    // keeps only that last chunk, which holds a whole round: from round 2 on
    // no global allocation at all, and round 2 frees the five others.
    let rounds = chunks::reset_rounds(5, 2_000);
    let first_round_chunks = rounds[0].global_allocs;
    assert_eq!(first_round_chunks, chunks::growth(2_000).steps.len() as u64);
    assert_eq!(rounds[0].global_deallocs, 0);
    assert_eq!(
        rounds[1].global_allocs, 0,
        "the round after reset(): your round made {} global allocations; the reference makes 0 (the kept chunk holds a whole round)",
        rounds[1].global_allocs
    );
    assert_eq!(
        rounds[1].global_deallocs,
        first_round_chunks - 1,
        "the first reset: your round freed {} chunks; the reference frees every chunk but the last, {}",
        rounds[1].global_deallocs,
        first_round_chunks - 1
    );
    assert!(
        !rounds[1].same_address_as_previous,
        "round 1 began in the first chunk"
    );
    for r in &rounds[2..] {
        assert_eq!(
            (r.global_allocs, r.global_deallocs),
            (0, 0),
            "round {}",
            r.round
        );
        assert!(
            r.same_address_as_previous,
            "round {} reuses the same memory",
            r.round
        );
    }
    let kept = rounds[1].allocated_bytes;
    assert!(rounds[2..].iter().all(|r| r.allocated_bytes == kept));
    assert!(kept >= 16_000);
}

#[test]
fn a_round_bigger_than_the_kept_chunk_takes_one_more_then_settles() {
    // 3,000 u64s (24,000 bytes): the last chunk of round 1 is smaller than a
    // round, so round 2 needs one more chunk (twice its size), and round 3
    // fits in that one.
    let rounds = chunks::reset_rounds(4, 3_000);
    assert_eq!(rounds[1].global_allocs, 1);
    assert_eq!((rounds[2].global_allocs, rounds[2].global_deallocs), (0, 1));
    assert_eq!((rounds[3].global_allocs, rounds[3].global_deallocs), (0, 0));
    assert!(rounds[3].same_address_as_previous);
}
