//! The same work counted under each allocator: every workload once, in the
//! counted process of each allocator. The counts must be equal: the
//! workloads are seeded and each thread counts only its own work.

use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::child::Sample;
use crate::compare::run_child;
use crate::workload::{Params, Workload, same_work};

/// Threads of the counted runs.
pub const THREADS: u32 = 4;

/// The counted runs' parameters: small, so the whole set takes seconds.
pub fn params(w: Workload, seed: u64) -> Params {
    Params {
        workload: w,
        threads: THREADS,
        ops: (w.default_ops() / 40).max(1),
        max_size: 1024,
        seed,
    }
}

/// Every workload's counted sample under every allocator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counts {
    /// One per workload and allocator.
    pub samples: Vec<Sample>,
}

/// Runs every workload once in each allocator's counted process.
pub fn collect(allocators: &[Allocator], seed: u64) -> Result<Counts, String> {
    let mut samples = Vec::new();
    for w in Workload::ALL {
        for &a in allocators {
            samples.push(run_child(a, true, &params(w, seed), 0, 0, &[])?);
        }
    }
    Ok(Counts { samples })
}

impl Counts {
    fn of(&self, w: Workload) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| s.params.workload == w)
            .collect()
    }

    /// Every allocator counted the same for each workload, and each sample
    /// is a counted one.
    pub fn agree(&self) -> bool {
        Workload::ALL.iter().all(|&w| {
            let s = self.of(w);
            s.iter().all(|x| x.counted && same(x, s[0]))
        })
    }

    /// Every block of every workload was freed: live bytes back where they
    /// started once the work is over.
    pub fn all_freed(&self) -> bool {
        self.samples.iter().all(|s| s.counts.live_bytes == 0)
    }
}

/// The same work counted in both samples, thread by thread (peaks aside).
pub fn same(a: &Sample, b: &Sample) -> bool {
    same_work(&a.counts, &b.counts)
        && a.per_thread.len() == b.per_thread.len()
        && a.per_thread
            .iter()
            .zip(&b.per_thread)
            .all(|(x, y)| same_work(x, y))
}

// ANCHOR: accounted
/// Remote-free: thread i frees exactly the blocks thread i - 1 allocated
/// (same count, same bytes), and frees none of its own.
pub fn remote_frees_accounted(s: &Sample) -> bool {
    let t = &s.per_thread;
    let n = t.len();
    n > 0
        && (0..n).all(|i| {
            let before = &t[(i + n - 1) % n];
            t[i].allocs == s.params.ops
                && t[i].deallocs == before.allocs
                && t[i].bytes_freed == before.bytes_allocated
        })
}
// ANCHOR_END: accounted

/// The counts side by side: one line per workload and allocator.
pub fn table(c: &Counts) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "Allocations of the same work under each allocator ({THREADS} threads, counted processes)"
        ),
        &[
            "workload",
            "ops per thread",
            "allocations and reallocs",
            "frees",
            "bytes allocated",
            "live at the end",
            "same under",
        ],
    );
    for w in Workload::ALL {
        let s = c.of(w);
        let Some(first) = s.first() else { continue };
        let same: Vec<String> = s
            .iter()
            .filter(|x| same(x, first))
            .map(|x| x.allocator.to_string())
            .collect();
        t.row([
            w.to_string(),
            first.params.ops.to_string(),
            (first.counts.allocs + first.counts.reallocs).to_string(),
            first.counts.deallocs.to_string(),
            first.counts.bytes_allocated.to_string(),
            first.counts.live_bytes.to_string(),
            same.join(", "),
        ]);
    }
    t
}

/// Remote-free, thread by thread: who allocated what each thread freed.
pub fn remote_table(c: &Counts) -> Option<kit::Table> {
    let s = c.of(Workload::RemoteFree).into_iter().next()?;
    let mut t = kit::Table::new(
        format!(
            "remote-free under {}: each thread frees what the thread before it allocated",
            s.allocator
        ),
        &[
            "thread",
            "blocks allocated",
            "bytes allocated",
            "blocks freed",
            "bytes freed",
            "freed what it allocated",
        ],
    );
    let n = s.per_thread.len();
    for (i, x) in s.per_thread.iter().enumerate() {
        t.row([
            i.to_string(),
            x.allocs.to_string(),
            x.bytes_allocated.to_string(),
            x.deallocs.to_string(),
            x.bytes_freed.to_string(),
            format!("thread {}'s", (i + n - 1) % n),
        ]);
    }
    Some(t)
}

/// One sentence on what the counts show.
pub fn summary_line(c: &Counts) -> String {
    let remote = c
        .of(Workload::RemoteFree)
        .iter()
        .all(|s| remote_frees_accounted(s));
    format!(
        "Counts equal under every allocator: {}. Every block freed (live bytes back to 0): {}. Every remote-freed block accounted for: {}.",
        yes(c.agree()),
        yes(c.all_freed()),
        yes(remote)
    )
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}
