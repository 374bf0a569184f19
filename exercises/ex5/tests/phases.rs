//! The facts chapter 5 rests on, with exercise 1's tracker installed:
//! identical reports from both pipelines, the allocation counts per phase
//! (derived below, not copied from output), what each drop frees, batches
//! that stop allocating, and errors that stop a run before any output.
//!
//! `harness = false`: the tests run one after another on the main thread,
//! with nothing else allocating in the process.

use std::alloc::System;

use ex5::phase_arena::Phase;
use ex5::{
    access_log::{Error, Options},
    meter::{Meter, Pipeline, RunStats},
};

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

const SEED: u64 = 42;

fn generated(records: u64) -> Vec<u8> {
    let mut v = Vec::new();
    ex5::generate::generate(SEED, records, &mut v).unwrap();
    v
}

/// Runs `pipeline` over `input` bytes; returns the measurements and the report.
fn run_bytes(
    pipeline: Pipeline,
    input: &[u8],
    options: &Options,
) -> (Result<RunStats, Error>, Vec<u8>) {
    let mut out = Vec::new();
    let mut meter = Meter::new(1000, None);
    let result = ex5::run(pipeline, input, &mut out, options, &mut meter)
        .map(|o| meter.finish(pipeline, options, o));
    (result, out)
}

fn run_generated(pipeline: Pipeline, records: u64, batch: Option<u64>) -> RunStats {
    let options = Options {
        batch,
        ..Options::default()
    };
    ex5::run_generated(pipeline, SEED, records, &options, std::io::sink(), None).unwrap()
}

fn phase(r: &RunStats, p: Phase) -> ex5::meter::PhaseStats {
    *r.phase(p).expect("phase was measured")
}

fn reports_are_byte_identical() {
    let input = generated(5_000);
    let one = Options::default();
    let (arena, arena_out) = run_bytes(Pipeline::Arena, &input, &one);
    let (std, std_out) = run_bytes(Pipeline::Std, &input, &one);
    let (arena, std) = (arena.unwrap(), std.unwrap());
    assert_eq!(arena_out, std_out, "the two pipelines' reports differ");
    assert_eq!(arena.records, 5_000);
    assert!(
        String::from_utf8(arena_out.clone())
            .unwrap()
            .ends_with("end of report (5000 records)\n")
    );
    assert_eq!(
        (arena.report_fnv, arena.report_bytes),
        (std.report_fnv, std.report_bytes)
    );
    assert_eq!(arena.report_bytes, arena_out.len() as u64);

    // Batches change where the memory goes, never the report: 333 does not
    // divide 5000, so the last batch is a short one.
    let batched = Options {
        batch: Some(333),
        ..Options::default()
    };
    for p in [Pipeline::Arena, Pipeline::Std] {
        let (r, out) = run_bytes(p, &input, &batched);
        assert_eq!(out, arena_out, "{p:?} in batches of 333");
        assert_eq!(r.unwrap().batches, 5_000_u64.div_ceil(333));
    }

    // Generated on the fly (the default input) gives the same report as the
    // same lines read from bytes.
    let mut streamed = Vec::new();
    ex5::run_generated(Pipeline::Arena, SEED, 5_000, &one, &mut streamed, None).unwrap();
    assert_eq!(streamed, arena_out);
}

// ANCHOR: counts
fn allocation_counts_per_phase() {
    const N: u64 = 20_000;
    let arena = run_generated(Pipeline::Arena, N, None);
    let std = run_generated(Pipeline::Std, N, None);

    // std, parse: seven `String`s per request (every field is non-empty, and
    // `to_string` of a non-empty `&str` is exactly one allocation) plus the
    // request vector, reserved once for the expected count, so it never
    // reallocates. The line and read buffers were allocated before the run.
    let p = phase(&std, Phase::Parse);
    assert_eq!(
        (p.allocs, p.reallocs),
        (7 * N + 1, 0),
        "std parse phase: (allocs, reallocs) of your run (left); the reference makes seven per record plus the request vector, and no realloc (right)"
    );

    // arena, parse and transform: the arena's chunks are the only global
    // allocations of each phase. (No reset in one batch, so every chunk the
    // arena ever took is still there to count.)
    let chunks = |ph| arena.arenas.iter().find(|a| a.phase == ph).unwrap().chunks as u64;
    let p = phase(&arena, Phase::Parse);
    assert_eq!(
        (p.allocs, p.reallocs),
        (chunks(Phase::Parse), 0),
        "arena parse phase: your run made (allocs, reallocs) = {:?}; the reference makes one allocation per arena chunk, {}, and no realloc",
        (p.allocs, p.reallocs),
        chunks(Phase::Parse)
    );
    let t = phase(&arena, Phase::Transform);
    assert_eq!((t.allocs, t.reallocs), (chunks(Phase::Transform), 0));

    // std, transform: at least a key and a boxed histogram per route and a
    // key per client: far more than the arena's few chunks.
    assert!(phase(&std, Phase::Transform).allocs > 100 * t.allocs);

    // Output writes formatted text straight into the writer: nothing allocated.
    for r in [&arena, &std] {
        assert_eq!(
            phase(r, Phase::Output).allocs + phase(r, Phase::Output).reallocs,
            0
        );
    }
}
// ANCHOR_END: counts

fn a_drop_frees_exactly_what_its_phase_kept() {
    for r in [
        run_generated(Pipeline::Arena, 10_000, None),
        run_generated(Pipeline::Std, 10_000, None),
    ] {
        // Everything the parse phase left live is freed by dropping its
        // memory, and nothing else is.
        let kept = phase(&r, Phase::Parse).net_bytes;
        let d = r.dropped(Phase::Parse).unwrap();
        assert_eq!(
            d.live_bytes_before - d.live_bytes_after,
            kept,
            "{:?}",
            r.pipeline
        );
        // After the last drop, nothing of the run is left.
        assert_eq!(
            r.dropped(Phase::Transform).unwrap().live_bytes_after,
            0,
            "{:?}",
            r.pipeline
        );
    }
}

fn batches_stop_allocating() {
    const N: u64 = 10_000;
    const B: u64 = 500;
    let small = run_generated(Pipeline::Arena, N, Some(B));
    let large = run_generated(Pipeline::Arena, 10 * N, Some(B));
    let one = run_generated(Pipeline::Arena, N, None);
    // The parse arena grows over the first batches; after that, `reset`
    // keeps its largest chunk and every batch fits: ten times the records,
    // not one more global allocation while parsing.
    let parse_allocs = |r: &RunStats| phase(r, Phase::Parse).allocs;
    assert_eq!(parse_allocs(&small), parse_allocs(&large));
    assert_eq!(
        large
            .arenas
            .iter()
            .find(|a| a.phase == Phase::Parse)
            .unwrap()
            .resets,
        10 * N / B - 1
    );
    // So the peak stays where it was (new client keys may still add a
    // transform chunk), while one big batch holds every record at once.
    assert!(large.peak_live_bytes() < small.peak_live_bytes() * 3 / 2);
    assert!(one.peak_live_bytes() > 5 * small.peak_live_bytes());

    // The std twin reuses its vector but allocates every string again, in
    // every batch: 7 per request, plus the vector once.
    let std = run_generated(Pipeline::Std, 10 * N, Some(B));
    assert_eq!(phase(&std, Phase::Parse).allocs, 7 * 10 * N + 1);
}

fn bad_input_stops_the_run_before_any_output() {
    let mut input = generated(10);
    let good = input.clone();
    // Break line 4's status.
    let start = input
        .split(|&b| b == b'\n')
        .take(3)
        .map(|l| l.len() + 1)
        .sum::<usize>();
    let line4_end = start + input[start..].iter().position(|&b| b == b'\n').unwrap();
    let line4 = String::from_utf8(input[start..line4_end].to_vec()).unwrap();
    let broken = line4.replacen("HTTP/1.1\" ", "HTTP/1.1\" abc", 1);
    input.splice(start..line4_end, broken.bytes());

    for p in [Pipeline::Arena, Pipeline::Std] {
        let (r, out) = run_bytes(p, &input, &Options::default());
        match r {
            Err(Error::Malformed { line: 4, reason }) => assert!(reason.contains("status")),
            other => panic!("{p:?}: expected a malformed line 4, got {other:?}"),
        }
        assert!(out.is_empty(), "{p:?} wrote output after an error");

        let skip = Options {
            skip_malformed: true,
            ..Options::default()
        };
        let (r, out) = run_bytes(p, &input, &skip);
        let r = r.unwrap();
        assert_eq!((r.records, r.skipped), (9, 1));
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("malformed skipped            1\n"), "{text}");
    }
    assert_ne!(input, good);
}

fn an_arena_limit_is_an_error_with_no_output() {
    let input = generated(20_000);
    let limited = Options {
        arena_limit: Some(1 << 20),
        ..Options::default()
    };
    let (r, out) = run_bytes(Pipeline::Arena, &input, &limited);
    match r {
        Err(Error::ArenaFull {
            phase: "parse",
            limit: 1_048_576,
            line: Some(line),
        }) => assert!(line > 1 && line < 20_000, "line {line}"),
        other => panic!("expected the parse arena to fill up, got {other:?}"),
    }
    assert!(out.is_empty());
    // The same limit is plenty when the parse arena holds one batch at a time.
    let batched = Options {
        batch: Some(1000),
        ..limited
    };
    let (r, _) = run_bytes(Pipeline::Arena, &input, &batched);
    assert_eq!(r.unwrap().records, 20_000);
}

fn main() {
    assert!(
        ex1::tracking_is_active(),
        "the tracker must be the global allocator"
    );
    let tests: [(&str, fn()); 6] = [
        ("reports_are_byte_identical", reports_are_byte_identical),
        ("allocation_counts_per_phase", allocation_counts_per_phase),
        (
            "a_drop_frees_exactly_what_its_phase_kept",
            a_drop_frees_exactly_what_its_phase_kept,
        ),
        ("batches_stop_allocating", batches_stop_allocating),
        (
            "bad_input_stops_the_run_before_any_output",
            bad_input_stops_the_run_before_any_output,
        ),
        (
            "an_arena_limit_is_an_error_with_no_output",
            an_arena_limit_is_an_error_with_no_output,
        ),
    ];
    for (name, test) in tests {
        test();
        println!("test {name} ... ok");
    }
    println!("\n{} passed", tests.len());
}
