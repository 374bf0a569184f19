//! How many arenas each allocator makes, computed as upstream does.
//!
//! Both allocators size their arenas from the CPUs this process may run on,
//! its affinity mask: glibc 2.36 through `__get_nprocs_sched` (`arena.c`,
//! `arena_get2`), jemalloc 5.3.1 through `malloc_ncpus` (`jemalloc.c`,
//! `sched_getaffinity` and `CPU_COUNT`). Neither reads a cgroup CPU quota,
//! which std's `available_parallelism` does honour: in a container with a
//! quota the two counts differ, and so would limits computed from std's.

use serde::Serialize;

// ANCHOR: limits
/// glibc's default arena limit (`NARENAS_FROM_NCORES`): 8 per CPU on a
/// 64-bit target, 2 on a 32-bit one.
pub fn glibc_arena_limit(cpus: u64) -> u64 {
    let per_cpu = if cfg!(target_pointer_width = "32") {
        2
    } else {
        8
    };
    per_cpu * cpus
}

/// The arenas glibc has made once `threads` threads, all allocating at
/// once, have each asked for one: the main arena, then one per thread that
/// finds the others busy, up to the limit.
pub fn glibc_arenas(threads: u64, cpus: u64) -> u64 {
    (1 + threads).min(glibc_arena_limit(cpus))
}

/// What jemalloc's `arenas.narenas` reports by default: its automatic
/// arenas (`malloc_narenas_default`: 4 per CPU, but 1 on a single CPU) and
/// the one it keeps for huge allocations (`arena_init_huge`).
pub fn jemalloc_narenas(cpus: u64) -> u64 {
    let automatic = if cpus > 1 { 4 * cpus } else { 1 };
    automatic + 1
}
// ANCHOR_END: limits

/// The CPUs this process may run on, as both allocators count them: the
/// affinity mask, from `Cpus_allowed_list` in `/proc/self/status` (`0-3`,
/// `0,2,4-7`). `None` where there is no such file.
pub fn affinity_cpus() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
    cpus_in(list.trim())
}

/// The number of CPUs in a list such as `0-3,8,10-11`.
fn cpus_in(list: &str) -> Option<u64> {
    let mut n = 0;
    for part in list.split(',') {
        n += match part.split_once('-') {
            Some((a, b)) => b.parse::<u64>().ok()? - a.parse::<u64>().ok()? + 1,
            None => part.parse::<u64>().map(|_| 1).ok()?,
        };
    }
    (n > 0).then_some(n)
}

/// One row of the limits table.
#[derive(Debug, Clone, Serialize)]
pub struct Limit {
    /// CPUs in the affinity mask.
    pub cpus: u64,
    /// Threads allocating at once.
    pub threads: u64,
    /// glibc arenas, the main arena included.
    pub glibc_arenas: u64,
    /// jemalloc's `arenas.narenas`.
    pub jemalloc_narenas: u64,
}

/// The limits for each CPU count and thread count: the same on every
/// machine, since they are computed, not measured.
pub fn limits(cpus: &[u64], threads: &[u64]) -> Vec<Limit> {
    let mut rows = Vec::new();
    for &c in cpus {
        for &t in threads {
            rows.push(Limit {
                cpus: c,
                threads: t,
                glibc_arenas: glibc_arenas(t, c),
                jemalloc_narenas: jemalloc_narenas(c),
            });
        }
    }
    rows
}

/// The table of [`limits`].
pub fn table(rows: &[Limit]) -> kit::Table {
    let mut t = kit::Table::new(
        "Arenas by default, computed as glibc 2.36 and jemalloc 5.3.1 compute them, for a \
         process whose affinity mask holds so many CPUs"
            .to_string(),
        &[
            "CPUs",
            "threads allocating at once",
            "glibc arenas",
            "jemalloc arenas.narenas",
        ],
    );
    for r in rows {
        t.row([
            r.cpus.to_string(),
            r.threads.to_string(),
            r.glibc_arenas.to_string(),
            r.jemalloc_narenas.to_string(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_are_counted() {
        assert_eq!(cpus_in("0"), Some(1));
        assert_eq!(cpus_in("0-3"), Some(4));
        assert_eq!(cpus_in("0,2,4-7"), Some(6));
        assert_eq!(cpus_in(""), None);
        assert_eq!(cpus_in("x"), None);
    }

    #[test]
    fn one_cpu_gives_jemalloc_one_automatic_arena() {
        assert_eq!(jemalloc_narenas(1), 2);
        assert_eq!(jemalloc_narenas(2), 9);
        assert_eq!(glibc_arenas(16, 2), 16);
        assert_eq!(glibc_arenas(4, 2), 5);
    }
}
