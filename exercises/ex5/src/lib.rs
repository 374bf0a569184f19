//! # Exercise 5: one arena per phase
//!
//! A batch program often runs in phases, and each phase's data dies when the
//! phase ends: the parsed input is dead once it has been aggregated, the
//! aggregates once the report is written. An arena per phase matches that
//! shape exactly: everything a phase allocates goes into its arena, and when
//! the phase is over the whole arena is freed at once.
//!
//! This crate builds such a pipeline over web access logs and, beside it, a
//! twin that uses `String`, `Vec` and `HashMap`, then measures both:
//!
//! 1. [`generate`]: a seeded generator of realistic access-log lines.
//! 2. [`access_log`]: what both pipelines share: the line reader, the parser (a
//!    [`Request`] borrows every field from its line), options and errors.
//! 3. [`PhaseArena`]: an arena that knows its phase, can be limited, and
//!    reports what it used.
//! 4. [`arena`]: parse → transform → output, one arena per phase.
//! 5. [`std_pipeline`]: the same with owned `String`s and std collections.
//! 6. [`tally`]: the counting and the report, shared so the two pipelines'
//!    outputs are byte-identical.
//! 7. [`meter`]: per phase, global allocations and peak live heap; at each
//!    drop, live heap and RSS before and after; memory over time.
//! 8. [`memory`] and [`chart`]: fresh-process runs of both pipelines for
//!    RSS figures, and the chart of memory over time.

pub mod access_log;
pub mod arena;
pub mod chart;
pub mod generate;
pub mod memory;
pub mod meter;
pub mod phase_arena;
pub mod std_pipeline;
pub mod tally;

use access_log::{Error, Options};
use generate::GeneratedInput;
use meter::{Meter, Outcome, Pipeline, RunStats};

use std::io::{BufRead, Write};

/// Runs one pipeline: the entry point other exercises reuse.
pub fn run(
    pipeline: Pipeline,
    input: impl BufRead,
    out: impl Write,
    options: &Options,
    meter: &mut Meter,
) -> Result<Outcome, Error> {
    match pipeline {
        Pipeline::Arena => arena::run(input, out, options, meter),
        Pipeline::Std => std_pipeline::run(input, out, options, meter),
    }
}

/// Runs one pipeline over `records` generated lines (from `seed`), writing
/// the report to `out`, and returns what was measured.
pub fn run_generated(
    pipeline: Pipeline,
    seed: u64,
    records: u64,
    options: &Options,
    out: impl Write,
    progress: Option<&dyn Fn(u64, u64)>,
) -> Result<RunStats, Error> {
    // A 64 KiB read buffer: allocated here, before the meter starts.
    let input = std::io::BufReader::with_capacity(64 * 1024, GeneratedInput::new(seed, records));
    let options = Options {
        expected_records: Some(records),
        ..*options
    };
    let mut meter = Meter::new(records, progress);
    let outcome = run(pipeline, input, out, &options, &mut meter)?;
    Ok(meter.finish(pipeline, &options, outcome))
}
