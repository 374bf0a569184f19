//! Measuring a pipeline run the same way for both pipelines: per phase, the
//! global allocations and the peak of live heap bytes (exercise 1's tracker);
//! at each drop, live bytes and resident memory before and after; and a
//! timeline of memory as records are read.
//!
//! The meter runs *inside* the phases it measures, so it must not allocate
//! there: its vectors are sized before the run starts, the timeline thins
//! itself out in place when full, and RSS is read into a stack buffer.

use ex1::{COUNTERS, Stats};
use serde::{Deserialize, Serialize};

use crate::phase_arena::{ArenaUsage, Phase};

/// Anonymous resident memory in bytes (`RssAnon`: the heap's share, without
/// the binary's and libc's file-backed pages), read without allocating, so
/// that reading it inside a measured phase does not count itself. `None` off
/// Linux.
pub fn rss_now() -> Option<u64> {
    kit::rss::anon()
}

/// One phase's global allocations (summed over batches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseStats {
    /// Which phase.
    pub phase: Phase,
    /// Allocations (`alloc` calls).
    pub allocs: u64,
    /// Reallocations.
    pub reallocs: u64,
    /// Deallocations.
    pub deallocs: u64,
    /// Bytes requested by allocations and reallocations.
    pub bytes_requested: u64,
    /// Highest live heap bytes during the phase, above the run's start.
    pub peak_live_bytes: i64,
    /// Live heap bytes when the phase (its last batch) ended.
    pub live_bytes_after: i64,
    /// Live heap bytes the phase added (freed, if negative), all batches.
    pub net_bytes: i64,
}

/// What dropping one phase's memory gave back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropStats {
    /// Whose memory: the parse phase's records or the transform's results.
    pub phase: Phase,
    /// Live heap bytes just before the drop.
    pub live_bytes_before: i64,
    /// Live heap bytes just after it.
    pub live_bytes_after: i64,
    /// Resident memory just before the drop.
    pub rss_before: Option<u64>,
    /// Resident memory just after it.
    pub rss_after: Option<u64>,
}

/// A point of the memory timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Records read so far.
    pub records: u64,
    /// Live heap bytes above the run's start.
    pub live_bytes: i64,
    /// Resident memory (`None` off Linux).
    pub rss: Option<u64>,
    /// Set on the sample taken just after dropping this phase's memory.
    pub dropped: Option<Phase>,
}

/// Timeline points kept at most (then every other one is dropped and the
/// sampling interval doubles).
pub const TIMELINE_POINTS: usize = 256;

/// Collects a run's measurements.
pub struct Meter<'p> {
    start: Stats,
    phases: Vec<PhaseStats>,
    drops: Vec<DropStats>,
    arenas: Vec<ArenaUsage>,
    timeline: Vec<Sample>,
    sample_every: u64,
    next_sample: u64,
    next_progress: u64,
    batches: u64,
    records: u64,
    progress: Option<&'p dyn Fn(u64, u64)>,
}

/// What it has collected; the progress callback shows as whether there is
/// one.
impl std::fmt::Debug for Meter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Meter")
            .field("phases", &self.phases)
            .field("drops", &self.drops)
            .field("arenas", &self.arenas)
            .field("batches", &self.batches)
            .field("records", &self.records)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl<'p> Meter<'p> {
    /// A meter for a run of about `expected_records` records (for the
    /// sampling interval; any guess works). `progress` is called with the
    /// lines and bytes read so far, every few thousand lines.
    pub fn new(expected_records: u64, progress: Option<&'p dyn Fn(u64, u64)>) -> Meter<'p> {
        let sample_every = (expected_records / (TIMELINE_POINTS as u64 / 2)).max(1);
        let (phases, drops, arenas, timeline) = (
            Vec::with_capacity(3),
            Vec::with_capacity(2),
            Vec::with_capacity(2),
            Vec::with_capacity(TIMELINE_POINTS),
        );
        Meter {
            // After the meter's own vectors: the run starts from here.
            start: COUNTERS.this_thread(),
            phases,
            drops,
            arenas,
            timeline,
            sample_every,
            next_sample: 0,
            next_progress: 0,
            batches: 0,
            records: 0,
            progress,
        }
    }

    fn live(&self) -> i64 {
        COUNTERS.this_thread().live_bytes - self.start.live_bytes
    }

    /// Runs one phase (or one batch of it) and adds what it allocated to
    /// that phase's row.
    pub fn phase<R>(&mut self, phase: Phase, f: impl FnOnce(&mut Self) -> R) -> R {
        let live_before = self.live();
        let (result, s) = ex1::measure(|| f(self));
        let peak = live_before + s.peak_live_bytes;
        let live_after = self.live();
        if phase == Phase::Parse {
            self.batches += 1;
        }
        match self.phases.iter_mut().find(|p| p.phase == phase) {
            Some(p) => {
                p.allocs += s.allocs;
                p.reallocs += s.reallocs;
                p.deallocs += s.deallocs;
                p.bytes_requested += s.bytes_allocated;
                p.peak_live_bytes = p.peak_live_bytes.max(peak);
                p.live_bytes_after = live_after;
                p.net_bytes += live_after - live_before;
            }
            None => self.phases.push(PhaseStats {
                phase,
                allocs: s.allocs,
                reallocs: s.reallocs,
                deallocs: s.deallocs,
                bytes_requested: s.bytes_allocated,
                peak_live_bytes: peak,
                live_bytes_after: live_after,
                net_bytes: live_after - live_before,
            }),
        }
        result
    }

    // ANCHOR: drop_phase
    /// Drops `memory` (a phase's arena, or the std pipeline's records or
    /// results), recording live bytes and RSS on either side of the drop.
    pub fn drop_phase<T>(&mut self, phase: Phase, memory: T) {
        let (live_before, rss_before) = (self.live(), rss_now());
        drop(memory);
        let (live_after, rss_after) = (self.live(), rss_now());
        self.drops.push(DropStats {
            phase,
            live_bytes_before: live_before,
            live_bytes_after: live_after,
            rss_before,
            rss_after,
        });
        self.push_sample(self.records, Some(phase));
    }

    // ANCHOR_END: drop_phase

    /// Keeps a phase arena's own report.
    pub fn arena_usage(&mut self, usage: ArenaUsage) {
        self.arenas.push(usage);
    }

    /// Called once per line read (`records`: lines so far, `bytes`: input
    /// bytes so far): samples the timeline and reports progress when due.
    #[inline]
    pub fn record_read(&mut self, records: u64, bytes: u64) {
        self.records = records;
        if records >= self.next_sample {
            self.push_sample(records, None);
            self.next_sample = records + self.sample_every;
        }
        if records >= self.next_progress {
            if let Some(progress) = self.progress {
                progress(records, bytes);
            }
            self.next_progress = records + 8192;
        }
    }

    /// A timeline point now.
    pub fn sample(&mut self) {
        self.push_sample(self.records, None);
    }

    fn push_sample(&mut self, records: u64, dropped: Option<Phase>) {
        if self.timeline.len() == self.timeline.capacity() {
            // Full: keep every other point, in place, and sample half as often.
            let mut keep = 0;
            for i in (0..self.timeline.len()).step_by(2) {
                self.timeline[keep] = self.timeline[i];
                keep += 1;
            }
            self.timeline.truncate(keep);
            self.sample_every *= 2;
        }
        let live_bytes = self.live();
        self.timeline.push(Sample {
            records,
            live_bytes,
            rss: rss_now(),
            dropped,
        });
    }

    /// The finished measurements.
    pub fn finish(
        self,
        pipeline: Pipeline,
        options: &crate::access_log::Options,
        outcome: Outcome,
    ) -> RunStats {
        RunStats {
            pipeline,
            batch: options.batch,
            records: outcome.records,
            skipped: outcome.skipped,
            batches: self.batches,
            report_bytes: outcome.report_bytes,
            report_fnv: outcome.report_fnv,
            phases: self.phases,
            drops: self.drops,
            arenas: self.arenas,
            timeline: self.timeline,
            peak_rss: kit::rss::read().map(|r| r.peak),
        }
    }
}

/// Which pipeline ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Pipeline {
    /// One arena per phase (bumpalo).
    Arena,
    /// The twin with `String`, `Vec` and `HashMap`.
    Std,
}

impl Pipeline {
    /// The name `--pipeline` takes.
    pub fn name(self) -> &'static str {
        match self {
            Pipeline::Arena => "arena",
            Pipeline::Std => "std",
        }
    }
}

/// What a pipeline returns besides its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Lines parsed into requests.
    pub records: u64,
    /// Malformed lines skipped (`--skip-malformed`).
    pub skipped: u64,
    /// Bytes of the report written.
    pub report_bytes: u64,
    /// FNV-1a hash of the report: equal reports, equal hashes.
    pub report_fnv: u64,
}

/// Everything measured in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// Which pipeline ran.
    pub pipeline: Pipeline,
    /// Lines per batch (`None`: the whole input in one batch).
    pub batch: Option<u64>,
    /// Lines parsed into requests.
    pub records: u64,
    /// Malformed lines skipped (`--skip-malformed`).
    pub skipped: u64,
    /// Batches the input was read in.
    pub batches: u64,
    /// Bytes of the report written.
    pub report_bytes: u64,
    /// FNV-1a hash of the report: equal reports, equal hashes.
    pub report_fnv: u64,
    /// One entry per phase, in pipeline order.
    pub phases: Vec<PhaseStats>,
    /// One entry per phase whose memory was dropped, in order.
    pub drops: Vec<DropStats>,
    /// What each phase arena used (empty for the std pipeline).
    pub arenas: Vec<ArenaUsage>,
    /// Live heap bytes and RSS as the run went.
    pub timeline: Vec<Sample>,
    /// The process's highest RSS (`VmHWM`) when the run ended.
    pub peak_rss: Option<u64>,
}

impl RunStats {
    /// The stats of `phase`, if it ran.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseStats> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// What dropping `phase`'s memory gave back, if it was dropped.
    pub fn dropped(&self, phase: Phase) -> Option<&DropStats> {
        self.drops.iter().find(|d| d.phase == phase)
    }

    /// Global allocations over all phases.
    pub fn allocs(&self) -> u64 {
        self.phases.iter().map(|p| p.allocs + p.reallocs).sum()
    }

    /// Highest live heap bytes of the run.
    pub fn peak_live_bytes(&self) -> i64 {
        self.phases
            .iter()
            .map(|p| p.peak_live_bytes)
            .max()
            .unwrap_or(0)
    }
}

/// A writer that counts and hashes what passes through it (FNV-1a).
#[derive(Debug)]
pub struct Fingerprint<W> {
    inner: W,
    /// Bytes written so far.
    pub bytes: u64,
    /// FNV-1a hash of those bytes.
    pub hash: u64,
}

impl<W: std::io::Write> Fingerprint<W> {
    /// Passes writes on to `inner`, counting and hashing them.
    pub fn new(inner: W) -> Self {
        Fingerprint {
            inner,
            bytes: 0,
            hash: 0xcbf2_9ce4_8422_2325,
        }
    }

    /// What a run returns, once this report is written.
    pub fn outcome(&self, records: u64, skipped: u64) -> Outcome {
        Outcome {
            records,
            skipped,
            report_bytes: self.bytes,
            report_fnv: self.hash,
        }
    }
}

impl<W: std::io::Write> std::io::Write for Fingerprint<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        for &b in &buf[..n] {
            self.hash = (self.hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
