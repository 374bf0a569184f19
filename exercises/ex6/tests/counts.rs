//! The batch job in this process, with exercise 1's tracker installed: it
//! produces exactly exercise 5's report, and its pipelines' allocation
//! counts differ in what the pairs name (derived below, not copied from
//! output).
//!
//! `harness = false`: the tests run one after another on the main thread,
//! with nothing else allocating in the process.

use std::alloc::System;
use std::io::BufReader;

use ex5::{access_log::Options, generate::GeneratedInput, meter::Pipeline};
use ex6::{Sample, Strategy};

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

const SEED: u64 = 7;

fn ex6_job(strategy: Strategy, records: u64, batch: u64) -> Sample {
    let input = BufReader::with_capacity(64 * 1024, GeneratedInput::new(SEED, records));
    ex6::batch::measure(strategy, input, records, batch, false).expect("the job runs")
}

fn ex5_run(pipeline: Pipeline, records: u64, batch: u64) -> ex5::meter::RunStats {
    let options = Options {
        batch: Some(batch),
        ..Options::default()
    };
    ex5::run_generated(pipeline, SEED, records, &options, std::io::sink(), None)
        .expect("exercise 5's pipeline runs")
}

fn main() {
    same_report_as_exercise_5();
    batches_are_counted_and_timed();
    borrowed_writes_the_same_report_without_the_copies();
    println!("counts: 3 tests passed");
}

fn same_report_as_exercise_5() {
    // 12,345 records in batches of 1000: 13 batches, the last one short.
    let (records, batch) = (12_345, 1000);
    for (strategy, pipeline) in [
        (Strategy::System, Pipeline::Std),
        (Strategy::Borrowed, Pipeline::Std),
        (Strategy::Arena, Pipeline::Arena),
    ] {
        let mine = ex6_job(strategy, records, batch);
        let theirs = ex5_run(pipeline, records, batch);
        // The same phases over the same lines: the same report, byte for byte.
        assert_eq!(
            (mine.report_bytes, mine.report_fnv),
            (theirs.report_bytes, theirs.report_fnv),
            "{strategy}"
        );
        assert_eq!(mine.records, records);
        // Everything the job allocated, it freed.
        assert_eq!(mine.counts.live_bytes, 0, "{strategy}: {:?}", mine.counts);
    }
}

fn batches_are_counted_and_timed() {
    let (records, batch) = (100_000, 1000);
    let std = ex6_job(Strategy::System, records, batch);
    let arena = ex6_job(Strategy::Arena, records, batch);
    for s in [&std, &arena] {
        // 100,000 records in batches of 1000: exactly 100 batches (the
        // look-ahead at the end of a batch sees the end of the input, so no
        // empty batch is timed).
        assert_eq!(s.batches, 100, "{s:?}");
        let l = s.batch_latency;
        assert!(0 < l.p50 && l.p50 <= l.p99 && l.p99 <= l.max, "{l:?}");
    }
    // The std twin: seven `String`s per record (every field of a generated
    // line is non-empty: an anonymous user is "-"), so at least 7 per record.
    assert!(std.counts.allocs >= 7 * records, "{:?}", std.counts);
    // The arena: the parse arena is reset for every batch and keeps its
    // largest chunk, so once it has grown to a batch, a batch costs the
    // global allocator nothing. Fewer global allocations than batches.
    assert!(arena.counts.allocs < arena.batches, "{:?}", arena.counts);
}

fn borrowed_writes_the_same_report_without_the_copies() {
    let (records, batch) = (20_000, 1000);
    let std = ex6_job(Strategy::System, records, batch);
    for strategy in [Strategy::Borrowed, Strategy::ArenaJemalloc] {
        // Under this test's global allocator (System), any strategy runs its
        // pipeline: `arena-jemalloc` is the arena pipeline.
        let other = ex6_job(strategy, records, batch);
        assert_eq!(
            (other.report_bytes, other.report_fnv),
            (std.report_bytes, std.report_fnv),
            "{strategy}"
        );
        assert_eq!(other.counts.live_bytes, 0, "{strategy}: {:?}", other.counts);
    }
    let borrowed = ex6_job(Strategy::Borrowed, records, batch);
    let (s, b) = (&std.counts, &borrowed.counts);
    // `system` and `borrowed` run one code path and differ only in what a
    // record holds: every field of a generated line is non-empty (an
    // anonymous user is "-"), so the copies are exactly seven allocations
    // per record, and nothing else differs (the same reader, the same
    // batch `Vec`s, the same maps and keys, grown the same way).
    assert_eq!(s.allocs - b.allocs, 7 * records, "{s:?} vs {b:?}");
    assert_eq!(s.reallocs, b.reallocs, "{s:?} vs {b:?}");
    assert!(b.allocs + b.reallocs < records / 10, "{b:?}");
}
