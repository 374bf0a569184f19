//! The workloads of the comparison, one run in this process: chapter 2's
//! request workload and chapter 7's server simulation (their own code,
//! called from their crates), and a long run of random sizes for
//! fragmentation. The process's global allocator is the one measured.

use std::time::Instant;

use kit::format::mib_or_na;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::Allocator;

/// A workload of the comparison.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// Chapter 2's requests: each thread handles `ops` requests.
    Requests,
    /// Chapter 7's server simulation (larson): `ops` objects replaced per
    /// thread.
    Server,
    /// Fragmentation: `ops` objects of random sizes replaced in a set of
    /// [`FRAG_OBJECTS`], the sizes drifting from small to large and back.
    Frag,
}

impl Workload {
    /// The three, in the order tables show them.
    pub const ALL: [Workload; 3] = [Workload::Requests, Workload::Server, Workload::Frag];

    /// The name `--workload` takes and tables show.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Requests => "requests",
            Workload::Server => "server",
            Workload::Frag => "frag",
        }
    }

    /// What one operation is.
    pub fn op(self) -> &'static str {
        match self {
            Workload::Requests => "request",
            Workload::Server => "object replaced",
            Workload::Frag => "object replaced",
        }
    }
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Most threads a run may ask for.
pub const MAX_THREADS: u32 = 16;
/// Most operations per thread.
pub const MAX_OPS: u64 = 20_000_000;
/// Objects alive at once in the fragmentation run (at most 4 KiB each:
/// at most 80 MiB live).
pub const FRAG_OBJECTS: usize = 20_000;

/// One job for a child process.
#[derive(clap::Args, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Which workload.
    #[arg(long, value_enum)]
    pub workload: Workload,
    /// Threads (the fragmentation run uses one).
    #[arg(long, default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=MAX_THREADS as i64))]
    pub threads: u32,
    /// Operations per thread.
    #[arg(long, default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_OPS))]
    pub ops: u64,
    /// Seed of the random sizes and choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// What ran.
    pub job: Job,
    /// The process's global allocator.
    pub allocator: Allocator,
    /// True when the tracker counted (and its cost is in the timings).
    pub counted: bool,
    /// Operations, all threads.
    pub ops: u64,
    /// From the start of the work until the last thread finished.
    pub wall_secs: f64,
    /// A sum over the blocks' contents: the same work, the same checksum.
    pub checksum: u64,
    /// Anonymous RSS before the work.
    pub rss_anon_start: Option<u64>,
    /// The highest anonymous RSS seen during it: the child's reading at
    /// the end, raised by the parent to the highest it sampled from outside
    /// every millisecond (`kit::child::run_json_sampled`).
    pub rss_anon_peak: Option<u64>,
    /// Fragmentation run: bytes the program held at its end, and the
    /// anonymous memory the process had gained by then.
    pub frag: Option<Frag>,
}

impl Sample {
    /// Operations per second, all threads together.
    pub fn throughput(&self) -> f64 {
        kit::timing::per_second(self.ops, self.wall_secs)
    }

    /// Anonymous memory gained at the peak.
    pub fn rss_growth(&self) -> Option<u64> {
        Some(self.rss_anon_peak?.saturating_sub(self.rss_anon_start?))
    }
}

/// What the fragmentation run left behind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Frag {
    /// Bytes of the objects alive at the end (what the program asked for).
    pub live_bytes: u64,
    /// The most bytes alive at once.
    pub peak_live_bytes: u64,
    /// Anonymous RSS at the end minus at the start: what the allocator
    /// holds from the OS for those bytes (and its own metadata).
    pub held_bytes: u64,
}

/// Runs the job here and says what it measured.
pub fn measure(allocator: Allocator, job: &Job, counted: bool) -> Sample {
    let rss_anon_start = kit::rss::anon();
    let t = Instant::now();
    let (ops, checksum, frag) = run(job);
    let wall_secs = t.elapsed().as_secs_f64();
    // The parent samples during the work; this is the reading at its end.
    let rss_anon_peak = kit::rss::anon();
    Sample {
        job: *job,
        allocator,
        counted,
        ops,
        wall_secs,
        checksum,
        rss_anon_start,
        rss_anon_peak,
        frag: frag.map(|(live, peak, rss_end)| Frag {
            live_bytes: live,
            peak_live_bytes: peak,
            held_bytes: rss_end.saturating_sub(rss_anon_start.unwrap_or(0)),
        }),
    }
}

/// (operations, checksum, fragmentation readings).
type Outcome = (u64, u64, Option<(u64, u64, u64)>);

// ANCHOR: run
fn run(job: &Job) -> Outcome {
    match job.workload {
        Workload::Requests => {
            // Chapter 2's own loop, one per thread.
            let sums: Vec<u64> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..job.threads as u64)
                    .map(|t| s.spawn(move || ex2::workload::run(job.seed + t, job.ops).0))
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap_or(0)).collect()
            });
            let sum = sums.iter().fold(0u64, |a, &b| a.wrapping_add(b));
            (job.ops * job.threads as u64, sum, None)
        }
        Workload::Server => {
            // Chapter 7's larson-like server, as chapter 7 runs it.
            let p = ex7::Params {
                workload: ex7::Workload::Server,
                threads: job.threads,
                ops: job.ops,
                max_size: 1024,
                seed: job.seed,
            };
            let out = ex7::workload::run(&p, &|| ex7::workload::probe_now(ex7::Allocator::System));
            let t = ex7::workload::totals(&out);
            (t.ops, t.checksum, None)
        }
        Workload::Frag => {
            let (sum, live, peak, rss) = frag(job.ops, job.seed);
            (job.ops, sum, Some((live, peak, rss)))
        }
    }
}
// ANCHOR_END: run

// ANCHOR: frag
/// The fragmentation run: a set of [`FRAG_OBJECTS`] objects, one replaced
/// per operation by a new one of a random size. The sizes drift: the
/// first third of the run draws them from 16 to 256 bytes, the second
/// from 256 to 4096, the last from 16 to 256 again, so memory the large
/// objects used must be reused for small ones. Returns the checksum, the
/// live bytes at the end, the peak live bytes, and anonymous RSS at the end
/// (read while the objects are still held).
pub fn frag(ops: u64, seed: u64) -> (u64, u64, u64, u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let range = |i: u64| {
        if (ops / 3..2 * ops / 3).contains(&i) {
            (256, 4096)
        } else {
            (16, 256)
        }
    };
    let mut set: Vec<Box<[u8]>> = Vec::with_capacity(FRAG_OBJECTS);
    let (mut live, mut peak, mut sum) = (0u64, 0u64, 0u64);
    for _ in 0..FRAG_OBJECTS {
        let b = object(&mut rng, range(0));
        live += b.len() as u64;
        set.push(b);
    }
    for i in 0..ops {
        let k = rng.random_range(0..FRAG_OBJECTS);
        let b = object(&mut rng, range(i));
        live = live + b.len() as u64 - set[k].len() as u64;
        peak = peak.max(live);
        sum = sum.wrapping_add(u64::from(set[k][0]));
        set[k] = b;
    }
    let rss = kit::rss::anon().unwrap_or(0);
    std::hint::black_box(&set);
    (sum, live, peak.max(live), rss)
}

/// An object of a size drawn from `lo..=hi`, every byte written.
fn object<R: Rng>(rng: &mut R, (lo, hi): (usize, usize)) -> Box<[u8]> {
    let size = rng.random_range(lo..=hi);
    vec![size as u8 | 1; size].into_boxed_slice()
}
// ANCHOR_END: frag

/// Runs the job and prints the sample (JSON for the parent, else a table).
pub fn run_and_print(allocator: Allocator, job: &Job, json: bool) -> bool {
    let counted = ex1::tracking_is_active();
    let sample = measure(allocator, job, counted);
    if json {
        kit::output::print_json(&sample);
    } else {
        let mut t = kit::Table::new(
            format!(
                "{} under {}, {} thread(s), {} ops per thread ({}), one run{}",
                job.workload,
                allocator.label(),
                job.threads,
                job.ops,
                job.workload.op(),
                if counted {
                    " (counted: timings include the tracker)"
                } else {
                    ""
                }
            ),
            &["measure", "value"],
        );
        t.row(["wall time (s)".into(), format!("{:.3}", sample.wall_secs)]);
        t.row([
            "throughput (ops/s)".into(),
            format!("{:.0}", sample.throughput()),
        ]);
        t.row([
            "anonymous RSS gained at the peak (MiB)".into(),
            mib_or_na(sample.rss_growth()),
        ]);
        if let Some(f) = sample.frag {
            t.row([
                "live at the end (MiB)".into(),
                mib_or_na(Some(f.live_bytes)),
            ]);
            t.row([
                "held at the end (MiB)".into(),
                mib_or_na(Some(f.held_bytes)),
            ]);
        }
        kit::output::print_tables(&[t], kit::Format::Human);
    }
    true
}

/// What chapter 2's workload of `units` requests allocated on the final
/// step, as the tracker around it counted (the `requests` command).
pub fn requests_table(units: u64, s: &ex1::Stats) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "Chapter 2's workload, {units} requests, on the final step (counted by the tracker)"
        ),
        &["allocations", "reallocations", "frees", "bytes allocated"],
    );
    t.row([s.allocs, s.reallocs, s.deallocs, s.bytes_allocated]);
    t
}
