//! `PhaseArena`: a bumpalo arena that belongs to one phase of a pipeline.
//!
//! It knows its phase's name, can be given a byte limit that turns running
//! out into an error (instead of a panic from bumpalo's own methods, or an
//! abort from a hashbrown map growing in it), and reports what it used: bytes
//! in its chunks, how many chunks, and how many global allocations the
//! thread made while it lived.

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use ex1::{COUNTERS, Stats};
use serde::{Deserialize, Serialize};

/// The three phases of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Lines into requests: the records the transform reads.
    Parse,
    /// Requests into per-route and per-client totals.
    Transform,
    /// Totals into the report's text.
    Output,
}

impl Phase {
    /// The name reports and charts show.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Parse => "parse",
            Phase::Transform => "transform",
            Phase::Output => "output",
        }
    }
}

/// An arena ran into its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArenaFull {
    /// The phase whose arena it was.
    pub phase: Phase,
    /// Its limit, in bytes.
    pub limit: usize,
}

impl ArenaFull {
    /// The pipeline error, saying at which input line it happened if known.
    pub fn at_line(self, line: Option<u64>) -> crate::access_log::Error {
        crate::access_log::Error::ArenaFull {
            phase: self.phase.name(),
            limit: self.limit,
            line,
        }
    }
}

impl From<ArenaFull> for crate::access_log::Error {
    fn from(e: ArenaFull) -> Self {
        e.at_line(None)
    }
}

// ANCHOR: phase_arena
/// One phase's arena.
#[derive(Debug)]
pub struct PhaseArena {
    phase: Phase,
    bump: Bump,
    limit: Option<usize>,
    /// The thread's allocation counters when the arena was made.
    born: Stats,
    /// Highest `allocated_bytes()` seen before a reset.
    peak_capacity: usize,
    resets: u64,
}

/// What a phase arena used, as it reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArenaUsage {
    /// The phase it served.
    pub phase: Phase,
    /// Bytes in its chunks now (`Bump::allocated_bytes`: capacity, not use).
    pub capacity_bytes: usize,
    /// Of those, bytes handed out since the last reset.
    pub used_bytes: usize,
    /// The most chunk bytes it ever held at once.
    pub peak_capacity_bytes: usize,
    /// Chunks it holds now.
    pub chunks: usize,
    /// Times it was reset (once per batch).
    pub resets: u64,
    /// Global allocations this thread made while the arena lived: its own
    /// chunks and anything else the phase's code allocated outside it.
    pub global_allocs: u64,
}

impl PhaseArena {
    /// An empty arena for `phase`; with a `limit`, allocations past that many bytes fail.
    pub fn new(phase: Phase, limit: Option<usize>) -> PhaseArena {
        let bump = Bump::new();
        bump.set_allocation_limit(limit);
        PhaseArena {
            phase,
            bump,
            limit,
            born: COUNTERS.this_thread(),
            peak_capacity: 0,
            resets: 0,
        }
    }

    /// The phase this arena serves.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The arena itself, for collections that take a `&Bump`.
    pub fn bump(&self) -> &Bump {
        &self.bump
    }

    /// The error to return when this arena cannot grow.
    pub fn full(&self) -> ArenaFull {
        ArenaFull {
            phase: self.phase,
            limit: self.limit.unwrap_or(usize::MAX),
        }
    }

    /// Copies `text` into the arena.
    pub fn alloc_str(&self, text: &str) -> Result<&str, ArenaFull> {
        match self.bump.try_alloc_str(text) {
            Ok(copy) => Ok(copy),
            Err(_) => Err(self.full()),
        }
    }

    /// Moves `value` into the arena.
    pub fn alloc<T>(&self, value: T) -> Result<&mut T, ArenaFull> {
        self.bump.try_alloc(value).map_err(|_| self.full())
    }

    /// Pushes onto an arena vector, failing instead of panicking at the limit.
    pub fn push<'a, T>(&self, vec: &mut BumpVec<'a, T>, value: T) -> Result<(), ArenaFull> {
        // ANCHOR: task_phase_arena_push
        vec.try_reserve(1).map_err(|_| self.full())?;
        vec.push(value);
        Ok(())
        // ANCHOR_END: task_phase_arena_push
    }

    /// Frees everything in the arena at once, keeping its largest chunk for
    /// the next batch. Takes `&mut self`: nothing may still borrow from it.
    pub fn reset(&mut self) {
        self.peak_capacity = self.peak_capacity.max(self.bump.allocated_bytes());
        self.bump.reset();
        self.resets += 1;
    }

    /// What the arena has used so far.
    pub fn usage(&mut self) -> ArenaUsage {
        // ANCHOR: task_phase_arena_usage
        let capacity_bytes = self.bump.allocated_bytes();
        let (mut chunks, mut used_bytes) = (0, 0);
        for chunk in self.bump.iter_allocated_chunks() {
            chunks += 1;
            used_bytes += chunk.len();
        }
        ArenaUsage {
            phase: self.phase,
            capacity_bytes,
            used_bytes,
            peak_capacity_bytes: self.peak_capacity.max(capacity_bytes),
            chunks,
            resets: self.resets,
            global_allocs: COUNTERS.this_thread().allocs - self.born.allocs,
        }
        // ANCHOR_END: task_phase_arena_usage
    }
}
// ANCHOR_END: phase_arena
