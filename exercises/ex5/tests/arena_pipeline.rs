//! The arena pipeline's parse and transform phases on their own, with
//! exercise 1's tracker installed and the std twin as the oracle: the same
//! requests batch by batch, the same report, and global allocations that are
//! the arenas' chunks and nothing else. A bad line or a full arena is an
//! error, never a panic or an abort.

use std::alloc::System;

use ex5::access_log::{Lines, parse_line};
use ex5::arena::{self, Aggregate};
use ex5::std_pipeline::{self, OwnedRequest};
use ex5::{
    access_log::{Error, Options, Request},
    meter::Meter,
    phase_arena::{ArenaFull, Phase, PhaseArena},
};

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

const SEED: u64 = 42;

/// `records` generated log lines, with a malformed line after the first
/// `bad_at` of them when asked.
fn log(records: u64, bad_at: Option<usize>) -> Vec<u8> {
    let mut generated = Vec::new();
    ex5::generate::generate(SEED, records, &mut generated).unwrap();
    let mut out = Vec::with_capacity(generated.len() + 64);
    for (i, line) in generated.split_inclusive(|&b| b == b'\n').enumerate() {
        if Some(i) == bad_at {
            out.extend_from_slice(b"this is not an access log line\n");
        }
        out.extend_from_slice(line);
    }
    out
}

/// `records` generated lines (none malformed) as one `String`.
fn log_text(records: u64) -> String {
    String::from_utf8(log(records, None)).unwrap()
}

/// Every line of `text`, parsed.
fn parse_all(text: &str) -> Vec<Request<'_>> {
    text.lines().map(|l| parse_line(l).unwrap()).collect()
}

/// Parses the next batch into `arena` with the learner's `arena::parse`,
/// counting what it allocates; returns the requests as owned copies, the
/// vector's capacity and the counts.
fn parse_batch(
    arena: &mut PhaseArena,
    lines: &mut Lines<&[u8]>,
    options: &Options,
    skipped: &mut u64,
    meter: &mut Meter,
) -> Result<(Vec<OwnedRequest>, usize, ex1::Stats), Error> {
    let (requests, stats) =
        ex1::measure(move || arena::parse(arena, lines, options, skipped, meter));
    let requests = requests?;
    let owned = requests.iter().map(OwnedRequest::new).collect();
    Ok((owned, requests.capacity(), stats))
}

#[test]
fn parse_reads_one_batch_into_the_arena() {
    const RECORDS: u64 = 900;
    let input = log(RECORDS, Some(400));
    let options = Options {
        batch: Some(300),
        skip_malformed: true,
        expected_records: Some(RECORDS),
        ..Options::default()
    };
    let mut meter = Meter::new(RECORDS, None);

    // The oracle: the std twin's parse, batch by batch.
    let mut std_lines = Lines::new(&input[..], &options);
    let (mut std_skipped, mut std_batches) = (0, Vec::new());
    loop {
        let mut batch = Vec::new();
        std_pipeline::parse(
            &mut batch,
            &mut std_lines,
            &options,
            &mut std_skipped,
            &mut meter,
        )
        .unwrap();
        std_batches.push(batch);
        if std_lines.exhausted() {
            break;
        }
    }
    // 900 records in batches of 300, the bad line skipped in the second:
    // the look-ahead after the third finds the end.
    assert_eq!((std_batches.len(), std_skipped), (3, 1));

    let mut lines = Lines::new(&input[..], &options);
    let mut arena = PhaseArena::new(Phase::Parse, None);
    let mut skipped = 0;
    for (i, want) in std_batches.iter().enumerate() {
        // A reset keeps the arena's largest chunk: only chunks past it are new.
        let kept = arena.usage().chunks.min(1);
        let (got, capacity, stats) =
            parse_batch(&mut arena, &mut lines, &options, &mut skipped, &mut meter)
                .unwrap_or_else(|e| panic!("batch {}: {e}", i + 1));
        assert!(
            got == *want,
            "batch {}: your parse returned {} requests, the std twin {}; they differ",
            i + 1,
            got.len(),
            want.len()
        );
        assert_eq!(
            capacity,
            options.reserve(),
            "batch {}: your request vector's capacity; the reference sizes it once, for a \
             whole batch (a vector that grows in an arena leaves its old buffers behind)",
            i + 1
        );
        let usage = arena.usage();
        assert_eq!(
            usage.resets,
            i as u64,
            "resets before batch {}: each batch but the first starts by resetting the arena",
            i + 1
        );
        let new_chunks = (usage.chunks - kept) as u64;
        assert!(
            (stats.allocs, stats.reallocs) == (new_chunks, 0),
            "batch {}: your parse made {} global allocations and {} reallocs; the reference \
             makes one per new arena chunk, {new_chunks}, and no realloc",
            i + 1,
            stats.allocs,
            stats.reallocs
        );
    }
    assert!(
        lines.exhausted(),
        "after the last batch your parse should have looked ahead (lines.at_end) and found the end"
    );
    assert_eq!(skipped, 1, "malformed lines your parse skipped");
}

#[test]
fn parse_stops_at_a_bad_line_or_a_full_arena() {
    let input = log(500, Some(200));
    let strict = Options::default();
    let mut meter = Meter::new(500, None);
    let mut arena = PhaseArena::new(Phase::Parse, None);
    let mut lines = Lines::new(&input[..], &strict);
    match parse_batch(&mut arena, &mut lines, &strict, &mut 0, &mut meter) {
        Err(Error::Malformed { line: 201, .. }) => {}
        Err(e) => panic!("without skip_malformed, line 201 is an error; your parse said: {e}"),
        Ok(_) => panic!("without skip_malformed, line 201 is an error; your parse went on"),
    }

    let input = log(500, None);
    let mut small = PhaseArena::new(Phase::Parse, Some(8 * 1024));
    let mut lines = Lines::new(&input[..], &strict);
    match parse_batch(&mut small, &mut lines, &strict, &mut 0, &mut meter) {
        Err(Error::ArenaFull {
            phase: "parse",
            limit: 8192,
            line: Some(line),
        }) if line > 1 && line <= 500 => {}
        Err(e) => panic!("an 8 KiB parse arena fills at a line of the input; your parse said: {e}"),
        Ok(_) => panic!("500 lines do not fit in an 8 KiB arena; your parse returned them all"),
    }
}

/// Batches the transform phase counts at a time.
const BATCH: usize = 500;

/// The std twin's report over `batches`.
fn std_report(batches: &[&[Request<'_>]]) -> Vec<u8> {
    let mut aggregate = std_pipeline::Aggregate::default();
    for batch in batches {
        aggregate.add_borrowed(batch);
    }
    let mut out = Vec::new();
    aggregate.finish(0).write(&mut out).unwrap();
    out
}

#[test]
fn aggregate_counts_into_the_transform_arena() {
    let input = log_text(2_000);
    let requests = parse_all(&input);
    // Every batch once, then the first one again: by then all its routes
    // and clients are known.
    let mut batches: Vec<&[Request<'_>]> = requests.chunks(BATCH).collect();
    batches.push(&requests[..BATCH]);
    let (first_pass, again) = batches.split_at(batches.len() - 1);

    let mut transform = PhaseArena::new(Phase::Transform, None);
    let mut aggregate = Aggregate::new(&transform);
    let mut counted = ex1::Stats::default();
    for batch in first_pass {
        let (added, s) = ex1::measure(|| aggregate.add(batch));
        added.unwrap();
        counted = counted.merged(&s);
    }

    let bump = transform.bump();
    let room = (bump.allocated_bytes(), bump.chunk_capacity());
    let (added, s) = ex1::measure(|| aggregate.add(again[0]));
    added.unwrap();
    let used = room.1 as i64 - bump.chunk_capacity() as i64;
    assert!(
        s.allocs == 0 && room == (bump.allocated_bytes(), bump.chunk_capacity()),
        "counting {BATCH} requests whose routes and clients are all known: your add made {} \
         global allocations and took {used} bytes from the arena; the reference makes 0 and \
         takes 0 (a key is copied into the arena only the first time it is seen)",
        s.allocs
    );
    counted = counted.merged(&s);

    let (summary, s) = ex1::measure(move || aggregate.finish(0));
    let summary = summary.unwrap();
    counted = counted.merged(&s);
    let mut out = Vec::new();
    summary.write(&mut out).unwrap();
    assert!(
        out == std_report(&batches),
        "the report from your aggregate differs from the std twin's"
    );
    drop(summary);

    let chunks = transform.usage().chunks as u64;
    assert!(
        (counted.allocs, counted.reallocs, counted.deallocs) == (chunks, 0, 0),
        "your transform phase made {} global allocations, {} reallocs and {} frees; the \
         reference makes one allocation per arena chunk, {chunks}, and nothing else",
        counted.allocs,
        counted.reallocs,
        counted.deallocs
    );
}

#[test]
fn a_full_transform_arena_is_an_error_not_an_abort() {
    let input = log_text(500);
    let requests = parse_all(&input);
    // Each new route takes a 4 KB histogram: 16 KiB is full after a few.
    let small = PhaseArena::new(Phase::Transform, Some(16 * 1024));
    let mut aggregate = Aggregate::new(&small);
    assert_eq!(
        aggregate.add(&requests),
        Err(ArenaFull {
            phase: Phase::Transform,
            limit: 16 * 1024
        }),
        "500 requests do not fit in a 16 KiB transform arena"
    );
}
