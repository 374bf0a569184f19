//! Instructions per record, counted by valgrind's callgrind: a figure that
//! barely moves between runs, beside the timings that do.

use kit::callgrind::Scope;
use serde::{Deserialize, Serialize};

use super::{InputFile, Plan, allocs, build_siblings, child_args, executable, run_child};
use crate::Strategy;

/// Instructions per record for each strategy, counted by valgrind's
/// callgrind: unlike a timing, nearly the same on every run (a count
/// moves by a fraction of a percent between processes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instructions {
    /// `valgrind --version` of the run.
    pub valgrind: String,
    /// The two input sizes run (same seed and batch size as the comparison):
    /// the figures are per record of the difference between them.
    pub records: [u64; 2],
    /// One row per strategy.
    pub rows: Vec<InstructionRow>,
}

impl Instructions {
    /// The counts of `strategy`, if it was counted.
    pub fn row(&self, strategy: Strategy) -> Option<&InstructionRow> {
        self.rows.iter().find(|x| x.strategy == strategy)
    }
}

/// One strategy's counts per record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstructionRow {
    /// The strategy counted.
    pub strategy: Strategy,
    /// Instructions per record.
    pub instructions: f64,
    /// Global allocations (allocs + reallocs) per record over the same two
    /// runs, counted by the tracker in a normal child.
    pub allocations: f64,
}

/// Input sizes callgrind runs: the whole comparison under callgrind (many
/// times slower than native) would take minutes per strategy.
pub const COUNTED_RECORDS: [u64; 2] = [25_000, 75_000];

// ANCHOR: count_instructions
/// Runs each strategy's child under callgrind on two input sizes: the
/// difference of the two totals over the difference in records is one
/// record's work (start-up, the allocator's own set-up and the report
/// cancel). Callgrind runs the untracked binaries, so no tracker is counted;
/// the tracked ones run the same two inputs outside callgrind for the
/// allocation counts over the same records.
pub fn count_instructions(plan: &Plan) -> Result<Instructions, String> {
    let valgrind = kit::callgrind::valgrind_version()?;
    // With `--from`, nothing has built the siblings yet.
    build_siblings(&plan.strategies)?;
    let [small, large] = COUNTED_RECORDS;
    let inputs = [
        InputFile::generate(plan.seed, small)?,
        InputFile::generate(plan.seed, large)?,
    ];
    let input = |records: u64| inputs[usize::from(records == large)].path();
    let mut rows = Vec::new();
    for &strategy in &plan.strategies {
        let exe = executable(strategy, false)?;
        let instructions =
            kit::callgrind::per_iteration(&exe, Scope::Program, small, large, |n| {
                child_args(strategy, input(n), n, plan.batch)
            })?;
        let counted = |records: u64| {
            let plan = Plan {
                records,
                ..plan.clone()
            };
            run_child(strategy, input(records), &plan, true).map(|s| allocs(&s.counts))
        };
        let allocations =
            (counted(large)? as f64 - counted(small)? as f64) / (large - small) as f64;
        rows.push(InstructionRow {
            strategy,
            instructions,
            allocations,
        });
    }
    Ok(Instructions {
        valgrind,
        records: COUNTED_RECORDS,
        rows,
    })
}
// ANCHOR_END: count_instructions
