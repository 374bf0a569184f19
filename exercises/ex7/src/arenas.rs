//! Arenas, shown by running them: glibc's arena count as threads grow, then
//! capped with `MALLOC_ARENA_MAX=2`; jemalloc's arenas with the options that
//! govern them (`narenas`, `percpu_arena`, `background_thread`,
//! `dirty_decay_ms`), set through `_RJEM_MALLOC_CONF`; mimalloc beside them.

use serde::{Deserialize, Serialize};

use crate::Allocator;
use crate::child::Sample;
use crate::compare::run_child;
use crate::workload::{Params, Workload};
use kit::format::{mib, mib_or_na as mib_of};

/// How long after the threads exit the last RSS reading is taken: long
/// enough for a background thread with no decay to purge.
pub const LINGER_MS: u32 = 300;

// ANCHOR: settings
/// One allocator setting: the allocator, and the environment its process
/// gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The allocator of the process.
    pub allocator: Allocator,
    /// One environment variable set for it, `(name, value)`; `None`: the defaults.
    pub env: Option<(String, String)>,
}

/// The settings shown, each at `threads`.
pub fn settings() -> Vec<Setting> {
    let s = |allocator, env: Option<(&str, &str)>| Setting {
        allocator,
        env: env.map(|(k, v)| (k.to_string(), v.to_string())),
    };
    vec![
        s(Allocator::System, None),
        s(Allocator::System, Some(("MALLOC_ARENA_MAX", "2"))),
        s(Allocator::Jemalloc, None),
        s(
            Allocator::Jemalloc,
            Some(("_RJEM_MALLOC_CONF", "narenas:2")),
        ),
        s(
            Allocator::Jemalloc,
            Some(("_RJEM_MALLOC_CONF", "percpu_arena:percpu")),
        ),
        s(
            Allocator::Jemalloc,
            Some((
                "_RJEM_MALLOC_CONF",
                "background_thread:true,dirty_decay_ms:0",
            )),
        ),
        s(Allocator::Mimalloc, None),
    ]
}
// ANCHOR_END: settings

impl Setting {
    /// The setting as tables show it: `jemalloc _RJEM_MALLOC_CONF=narenas:2`.
    pub fn label(&self) -> String {
        match &self.env {
            None => format!("{} (defaults)", self.allocator),
            Some((k, v)) => format!("{} {k}={v}", self.allocator),
        }
    }
}

/// Every setting of [`settings`] run at one thread count, labelled: what
/// `arenas --json` writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Arenas {
    /// Where it ran.
    pub machine: kit::machine::Machine,
    /// Each setting with what its child measured.
    pub rows: Vec<(Setting, Sample)>,
}

/// The arenas workload's parameters at `threads`.
pub fn params(threads: u32, seed: u64) -> Params {
    Params {
        workload: Workload::Arenas,
        threads,
        ops: 2000,
        max_size: 1024,
        seed,
    }
}

/// System at each of `threads`, then every setting at the largest.
pub fn collect(threads: &[u32], seed: u64, progress: &dyn Fn()) -> Result<Arenas, String> {
    let mut rows = Vec::new();
    let top = threads.iter().copied().max().unwrap_or(1);
    let mut jobs: Vec<(Setting, u32)> = threads
        .iter()
        .filter(|&&t| t != top)
        .map(|&t| (settings()[0].clone(), t))
        .collect();
    jobs.extend(
        settings()
            .into_iter()
            .filter(|s| crate::allocator::is_available(s.allocator))
            .map(|s| (s, top)),
    );
    for (setting, t) in jobs {
        let env: Vec<(&str, &str)> = setting
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let sample = run_child(
            setting.allocator,
            false,
            &params(t, seed),
            0,
            LINGER_MS,
            &env,
        )?;
        rows.push((setting, sample));
        progress();
    }
    Ok(Arenas {
        machine: kit::machine::Machine::describe(),
        rows,
    })
}

/// The arenas a sample's allocator reported while every thread held memory.
pub fn arena_cell(s: &Sample) -> String {
    let Some(a) = s.alive else {
        return "n/a".into();
    };
    let v = a.view;
    match (v.glibc_arenas, v.jemalloc_narenas, v.jemalloc_arenas_in_use) {
        (Some(g), _, _) => format!("{g} glibc arenas"),
        (_, Some(n), Some(u)) => format!("{u} in use of narenas = {n}"),
        _ => "not exposed".into(),
    }
}

/// The settings side by side: the allocator's arenas and anonymous RSS, holding and after.
pub fn table(a: &Arenas) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "Every thread holds {} MiB at once: the allocator's arenas and anonymous RSS ({})",
            crate::workload::HOLD_BYTES >> 20,
            a.machine.short()
        ),
        &[
            "setting",
            "threads",
            "arenas (allocator's view)",
            "RssAnon, all holding (MiB)",
            &format!("RssAnon {LINGER_MS} ms after all freed (MiB)"),
        ],
    );
    for (setting, s) in &a.rows {
        t.row([
            setting.label(),
            s.params.threads.to_string(),
            arena_cell(s),
            mib_of(s.alive.and_then(|p| p.rss_anon)),
            mib_of(s.rss_anon_after),
        ]);
    }
    t
}

/// The line under the table: where it ran, and glibc's default arena limit there.
pub fn label(a: &Arenas) -> String {
    let m = &a.machine;
    format!(
        "{}; glibc's default limit there is 8 x {} = {} arenas. Baseline anonymous RSS of a child before the work: {} MiB.",
        m.measured_on(),
        m.cores,
        8 * m.cores,
        a.rows.first().map_or("n/a".into(), |(_, s)| s
            .rss_anon_start
            .map_or("n/a".into(), |b| mib(b as f64)))
    )
}
