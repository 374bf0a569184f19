//! What `_RJEM_MALLOC_CONF` changes, shown by running it.
//!
//! jemalloc reads its options once, at its first allocation, from an
//! environment variable. The parent starts one jemalloc child per setting;
//! each child reads back the options jemalloc actually applied (the proof the
//! setting arrived), allocates a burst of small blocks, frees them all, and
//! watches how much memory stays resident over the next moments, then
//! purges explicitly.
//!
//! One of the settings is the classic trap: `MALLOC_CONF`, the name in
//! jemalloc's manual, which this prefixed build ignores.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::allocator::Evidence;
use crate::jemalloc::{self, Options};

/// Resident memory as the kernel and jemalloc report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mem {
    /// Resident set size (`VmRSS`; `None` off Linux).
    pub rss: Option<u64>,
    /// jemalloc's `stats.resident` (`None` without jemalloc).
    pub resident: Option<u64>,
}

fn mem() -> Mem {
    Mem {
        rss: kit::rss::read().map(|r| r.current),
        resident: jemalloc::stats().map(|s| s.resident),
    }
}

/// One child's observations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    /// The allocator this child was built with.
    pub allocator: Allocator,
    /// Proof of that allocator, watched in this process.
    pub evidence: Evidence,
    /// The options jemalloc applied (`None` without jemalloc).
    pub options: Option<Options>,
    /// Bytes allocated in the burst.
    pub burst_bytes: u64,
    /// Before the burst.
    pub before: Mem,
    /// With the whole burst allocated.
    pub loaded: Mem,
    /// `(milliseconds since the free, memory)`.
    pub after_free: Vec<(u64, Mem)>,
    /// After an explicit purge of every arena.
    pub after_purge: Mem,
}

/// Size of each block of the burst: a small size class, so it comes from
/// slabs and freed blocks go through the thread cache and the bins.
pub const BLOCK: usize = 4000;

// ANCHOR: probe
/// Allocates `burst_mib` MiB in `BLOCK`-byte blocks (each written), frees
/// them all, samples memory at each of `waits_ms` after the free (sleeping,
/// so nothing but a background thread can purge meanwhile), then purges.
pub fn probe(allocator: Allocator, burst_mib: u64, waits_ms: &[u64]) -> Probe {
    let evidence = crate::allocator::detect();
    let options = jemalloc::options();
    let burst_bytes = burst_mib << 20;
    let n = (burst_bytes as usize) / BLOCK;
    let before = mem();
    let mut blocks: Vec<Vec<u8>> = Vec::with_capacity(n);
    for i in 0..n {
        blocks.push(vec![(i as u8) | 1; BLOCK]);
    }
    let loaded = mem();
    drop(std::hint::black_box(blocks));
    let freed_at = Instant::now();
    let mut after_free = Vec::with_capacity(waits_ms.len());
    for &ms in waits_ms {
        let target = Duration::from_millis(ms);
        if let Some(rest) = target.checked_sub(freed_at.elapsed()) {
            std::thread::sleep(rest);
        }
        after_free.push((ms, mem()));
    }
    jemalloc::purge_all();
    Probe {
        allocator,
        evidence,
        options,
        burst_bytes,
        before,
        loaded,
        after_free,
        after_purge: mem(),
    }
}
// ANCHOR_END: probe

/// The settings the chapter compares: `(variable, value)`; `None`: no
/// variable set at all.
pub const SETTINGS: &[Option<(&str, &str)>] = &[
    None,
    Some(("MALLOC_CONF", "dirty_decay_ms:0")),
    Some(("_RJEM_MALLOC_CONF", "dirty_decay_ms:0")),
    Some(("_RJEM_MALLOC_CONF", "background_thread:true")),
    Some((
        "_RJEM_MALLOC_CONF",
        "dirty_decay_ms:1000,background_thread:true",
    )),
];

/// One setting's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// `VAR=value`, or "(none)".
    pub setting: String,
    /// What the child saw under that setting.
    pub probe: Probe,
}

/// The whole experiment, labelled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the experiment ran.
    pub machine: kit::machine::Machine,
    /// Size of each child's burst, in MiB.
    pub burst_mib: u64,
    /// When each child read resident memory after the free, in ms since it.
    pub waits_ms: Vec<u64>,
    /// One outcome per setting tried.
    pub outcomes: Vec<Outcome>,
}

/// Runs every setting in its own jemalloc child.
pub fn run(burst_mib: u64, waits_ms: &[u64], progress: impl Fn()) -> Result<Report, String> {
    let waits = waits_ms
        .iter()
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let job = crate::spawn::args([
        ("--burst-mib", burst_mib.to_string()),
        ("--waits-ms", waits),
    ]);
    let mut outcomes = Vec::new();
    for setting in SETTINGS {
        let mut args = vec!["probe".to_string()];
        args.extend(job.iter().cloned());
        let env: Vec<(&str, &str)> = setting.iter().copied().collect();
        let probe: Probe = crate::spawn::run_child(Allocator::Jemalloc, &args, &env)?;
        outcomes.push(Outcome {
            setting: setting
                .map(|(k, v)| format!("{k}={v}"))
                .unwrap_or_else(|| "(none)".into()),
            probe,
        });
        progress();
    }
    Ok(Report {
        machine: kit::machine::Machine::describe(),
        burst_mib,
        waits_ms: waits_ms.to_vec(),
        outcomes,
    })
}

/// The line under the table: machine, one child per setting.
pub fn label(r: &Report) -> String {
    format!(
        "{}; one child process per setting.",
        r.machine.measured_on()
    )
}

/// The experiment as a table: options applied, then resident memory.
pub fn table(r: &Report) -> kit::Table {
    let mut headers = vec![
        "setting".to_string(),
        "dirty_decay_ms".into(),
        "background_thread".into(),
        "RSS, blocks live".into(),
    ];
    for ms in &r.waits_ms {
        headers.push(format!("{ms} ms after free"));
    }
    headers.push("after purge".into());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = kit::Table::new(
        format!(
            "jemalloc settings, shown by running them: RSS of a child that allocates {} MiB in {} B blocks, then frees them all",
            r.burst_mib, BLOCK
        ),
        &header_refs,
    );
    let b = |m: &Mem| {
        m.rss
            .map(|x| kit::format::bytes(x as f64))
            .unwrap_or_else(|| "n/a".into())
    };
    for o in &r.outcomes {
        let p = &o.probe;
        let mut row = vec![
            format!("`{}`", o.setting),
            p.options
                .as_ref()
                .map(|x| x.dirty_decay_ms.to_string())
                .unwrap_or_else(|| "n/a".into()),
            p.options
                .as_ref()
                .map(|x| x.background_thread.to_string())
                .unwrap_or_else(|| "n/a".into()),
            b(&p.loaded),
        ];
        row.extend(p.after_free.iter().map(|(_, m)| b(m)));
        row.push(b(&p.after_purge));
        t.row(row);
    }
    t
}
