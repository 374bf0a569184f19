//! jemalloc's own view of the heap: size classes, statistics, purging and
//! run-time options, read through its `mallctl` interface.
//!
//! Every function here returns `None` (or `false`) in a build without
//! jemalloc, so callers print "not built in" instead of failing to compile.
//! [`ClassRule`] is the exception: it is jemalloc's size-class rule written
//! out from the manual, available everywhere, and the thing `nallocx` is
//! checked against.

use serde::{Deserialize, Serialize};

#[cfg(jemalloc)]
use tikv_jemalloc_ctl::{epoch, raw, stats, thread};

// ANCHOR: documented_class
/// jemalloc's size-class table (64-bit, 16-byte quantum), from its manual: 8;
/// then multiples of 16 up to 128; then four classes per doubling, so a class
/// is at most 25% larger than the request (`160, 192, 224, 256, 320, …`).
/// jemalloc 5.3.0 used this table for every size.
pub fn geometric_class(size: u64) -> u64 {
    // ANCHOR: task_geometric_class
    match size {
        0..=8 => 8,
        9..=128 => size.div_ceil(16) * 16,
        _ => {
            // floor(log2(size - 1)): the doubling [2^lg, 2^(lg+1)) the request
            // falls in, split into four classes 2^(lg-2) apart.
            let lg = 63 - (size - 1).leading_zeros();
            let spacing = 1u64 << (lg - 2);
            size.div_ceil(spacing) * spacing
        }
    }
    // ANCHOR_END: task_geometric_class
}

/// What decides a request's class in the jemalloc this crate links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRule {
    /// Page size (`arenas.page`).
    pub page: u64,
    /// Largest "small" class, served from slabs (14336 with 4 KiB pages).
    pub small_max: u64,
    /// `opt.disable_large_size_classes`: newer jemalloc (the 5.3.1 release
    /// tikv-jemalloc-sys 0.7 builds) rounds large requests up to whole pages
    /// instead of to the geometric classes; on by default.
    pub large_classes_disabled: bool,
}

impl ClassRule {
    /// The defaults in the manual of the jemalloc this crate builds, for 4 KiB
    /// pages.
    pub const DEFAULT: ClassRule = ClassRule {
        page: 4096,
        small_max: 14_336,
        large_classes_disabled: true,
    };

    /// The class of a `size`-byte request: small requests by the geometric
    /// table; large ones by the table too, or by whole pages when large
    /// classes are disabled.
    pub fn class(&self, size: u64) -> u64 {
        if size <= self.small_max || !self.large_classes_disabled {
            geometric_class(size)
        } else {
            size.div_ceil(self.page) * self.page
        }
    }
}
// ANCHOR_END: documented_class

/// The rule's parameters as the running jemalloc reports them (the manual's
/// defaults without jemalloc).
#[cfg(jemalloc)]
pub fn class_rule() -> ClassRule {
    // SAFETY: `arenas.page` is a `size_t`, the option a `bool`, per the manual.
    let page: Option<usize> = unsafe { raw::read(b"arenas.page\0") }.ok();
    // SAFETY: as above.
    let disabled: Option<bool> = unsafe { raw::read(b"opt.disable_large_size_classes\0") }.ok();
    ClassRule {
        page: page.map_or(ClassRule::DEFAULT.page, |p| p as u64),
        small_max: small_max().unwrap_or(ClassRule::DEFAULT.small_max),
        large_classes_disabled: disabled.unwrap_or(false),
    }
}

/// Without jemalloc: the documented default rule.
#[cfg(not(jemalloc))]
pub fn class_rule() -> ClassRule {
    ClassRule::DEFAULT
}

// ANCHOR: nallocx
/// The size class jemalloc itself reports for `size` (`nallocx`: "what would
/// `mallocx(size)` return", without allocating).
#[cfg(jemalloc)]
pub fn nallocx(size: u64) -> Option<u64> {
    if size == 0 {
        return None; // nallocx(0) is undefined behaviour per the manual
    }
    // SAFETY: nallocx only computes a size; it reads no memory of ours.
    let class = unsafe { tikv_jemalloc_sys::nallocx(size as usize, 0) };
    (class != 0).then_some(class as u64)
}
// ANCHOR_END: nallocx

/// Without jemalloc: no size class to ask for.
#[cfg(not(jemalloc))]
pub fn nallocx(_size: u64) -> Option<u64> {
    None
}

/// Requests whose size classes the chapter shows: each class boundary's
/// neighbours, some typical object sizes, and a few large blocks.
pub const EXAMPLE_REQUESTS: &[u64] = &[
    1, 8, 9, 16, 17, 24, 33, 48, 65, 100, 128, 129, 200, 257, 500, 1000, 1025, 4000, 4097, 10_000,
    14_336, 14_337, 16_385, 40_000, 65_537, 100_000, 1_048_576, 1_048_577, 3_000_000,
];

/// One row of the size-class table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeClass {
    /// Bytes asked for.
    pub request: u64,
    /// What `nallocx` says (`None` without jemalloc).
    pub class: Option<u64>,
    /// What the documented rule says, with this process's options.
    pub documented: u64,
    /// What the geometric table alone says (jemalloc 5.3.0's answer).
    pub geometric: u64,
}

impl SizeClass {
    /// The row for `request`: jemalloc's answer beside the rule's two.
    pub fn of(request: u64, rule: &ClassRule) -> SizeClass {
        SizeClass {
            request,
            class: nallocx(request),
            documented: rule.class(request),
            geometric: geometric_class(request),
        }
    }

    /// Bytes of the class the program asked for nothing in (internal waste).
    pub fn waste(&self) -> u64 {
        self.class.unwrap_or(self.documented) - self.request
    }
}

/// The largest "small" class (slab-allocated, 14336 with 4 KiB pages), read
/// from jemalloc: `arenas.bin.<nbins - 1>.size`.
#[cfg(jemalloc)]
pub fn small_max() -> Option<u64> {
    // SAFETY: `arenas.nbins` is an `unsigned` per the manual.
    let nbins: u32 = unsafe { raw::read(b"arenas.nbins\0") }.ok()?;
    let name = format!("arenas.bin.{}.size\0", nbins.checked_sub(1)?);
    // SAFETY: `arenas.bin.<i>.size` is a `size_t` per the manual.
    let size: usize = unsafe { raw::read(name.as_bytes()) }.ok()?;
    Some(size as u64)
}

/// Without jemalloc: no small classes.
#[cfg(not(jemalloc))]
pub fn small_max() -> Option<u64> {
    None
}

/// jemalloc's version string (`None` without jemalloc).
#[cfg(jemalloc)]
pub fn version() -> Option<&'static str> {
    tikv_jemalloc_ctl::version::read().ok()
}

/// Without jemalloc: no version.
#[cfg(not(jemalloc))]
pub fn version() -> Option<&'static str> {
    None
}

/// Bytes this thread has ever allocated through jemalloc (a running total
/// that frees do not lower). Reading it is a load through a pointer jemalloc
/// hands out once per thread.
#[cfg(jemalloc)]
pub fn thread_allocated() -> Option<u64> {
    thread::allocatedp::read().ok().map(|p| p.get())
}

/// Without jemalloc: no counter.
#[cfg(not(jemalloc))]
pub fn thread_allocated() -> Option<u64> {
    None
}

// ANCHOR: stats
/// jemalloc's process-wide statistics, in bytes. From small to large:
/// `allocated` ≤ `active` ≤ `resident` ≤ `mapped`, with `retained` beside
/// `mapped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Bytes in blocks the program holds, counted at their size class.
    pub allocated: u64,
    /// Bytes in pages that hold at least one live block (so `active -
    /// allocated` is free space stranded inside partly used pages).
    pub active: u64,
    /// Bytes physically resident that jemalloc owns: active pages, dirty
    /// pages freed but not yet returned, and its own metadata.
    pub resident: u64,
    /// Bytes in extents mapped from the OS and in use by jemalloc.
    pub mapped: u64,
    /// Address space kept mapped but returned (`MADV_DONTNEED`/`MADV_FREE`):
    /// costs no RAM, is reused before new address space is mapped.
    pub retained: u64,
    /// jemalloc's own bookkeeping.
    pub metadata: u64,
}

/// Reads [`Stats`] (`None` without jemalloc). jemalloc caches its statistics
/// per "epoch": advancing the epoch first makes them current.
#[cfg(jemalloc)]
pub fn stats() -> Option<Stats> {
    epoch::advance().ok()?;
    Some(Stats {
        allocated: stats::allocated::read().ok()? as u64,
        active: stats::active::read().ok()? as u64,
        resident: stats::resident::read().ok()? as u64,
        mapped: stats::mapped::read().ok()? as u64,
        retained: stats::retained::read().ok()? as u64,
        metadata: stats::metadata::read().ok()? as u64,
    })
}
// ANCHOR_END: stats

/// Without jemalloc: no statistics.
#[cfg(not(jemalloc))]
pub fn stats() -> Option<Stats> {
    None
}

// ANCHOR: purge
/// Returns every arena's unused dirty pages to the OS now, instead of when
/// decay would (`arena.<MALLCTL_ARENAS_ALL>.purge`; 4096 is that constant).
/// First flushes this thread's cache, so blocks parked there count as free.
#[cfg(jemalloc)]
pub fn purge_all() -> bool {
    void_mallctl(b"thread.tcache.flush\0") && void_mallctl(b"arena.4096.purge\0")
}

/// Calls a mallctl that takes and returns nothing. jemalloc insists that all
/// four value pointers be null for these (EPERM otherwise), so this goes to
/// `mallctl` directly: tikv-jemalloc-ctl's `raw::write(name, ())` passes a
/// non-null pointer to the zero-sized value and is refused.
#[cfg(jemalloc)]
fn void_mallctl(name: &[u8]) -> bool {
    debug_assert_eq!(name.last(), Some(&0));
    // SAFETY: `name` is NUL-terminated; null old/new pointers and zero length
    // are exactly what a "void" mallctl expects.
    let ret = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr().cast(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    ret == 0
}
// ANCHOR_END: purge

/// Returns the blocks this thread's cache holds to their arenas. A block
/// parked there still counts as allocated in `stats.allocated`, and the cache
/// fills and empties on its own schedule; flushed right before a reading, the
/// statistic counts only blocks the program holds (and other threads' caches).
#[cfg(jemalloc)]
pub fn flush_thread_cache() -> bool {
    void_mallctl(b"thread.tcache.flush\0")
}

/// Without jemalloc: nothing purged.
#[cfg(not(jemalloc))]
pub fn purge_all() -> bool {
    false
}

/// Without jemalloc: no cache to flush.
#[cfg(not(jemalloc))]
pub fn flush_thread_cache() -> bool {
    false
}

/// jemalloc's run-time options as it actually applied them: the proof that a
/// `_RJEM_MALLOC_CONF` setting reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// How long freed dirty pages wait before being purged (ms; -1: never).
    pub dirty_decay_ms: i64,
    /// The same for "muzzy" pages (freed with `MADV_FREE`).
    pub muzzy_decay_ms: i64,
    /// Whether background threads purge (otherwise allocator calls do it).
    pub background_thread: bool,
    /// Arenas threads are spread over.
    pub narenas: u32,
    /// Whether threads keep a cache of freed small blocks.
    pub tcache: bool,
    /// The largest size class thread caches hold.
    pub tcache_max: u64,
}

/// Reads [`Options`] (`None` without jemalloc).
#[cfg(jemalloc)]
pub fn options() -> Option<Options> {
    use tikv_jemalloc_ctl::opt;
    // SAFETY: the decay options are `ssize_t` per the manual.
    let dirty: isize = unsafe { raw::read(b"opt.dirty_decay_ms\0") }.ok()?;
    // SAFETY: as above.
    let muzzy: isize = unsafe { raw::read(b"opt.muzzy_decay_ms\0") }.ok()?;
    Some(Options {
        dirty_decay_ms: dirty as i64,
        muzzy_decay_ms: muzzy as i64,
        background_thread: opt::background_thread::read().ok()?,
        narenas: opt::narenas::read().ok()?,
        tcache: opt::tcache::read().ok()?,
        tcache_max: opt::tcache_max::read().ok()? as u64,
    })
}

/// Without jemalloc: no options.
#[cfg(not(jemalloc))]
pub fn options() -> Option<Options> {
    None
}

#[cfg(test)]
mod tests {
    use super::{ClassRule, geometric_class};

    #[test]
    fn documented_classes_from_the_manual_table() {
        // The first rows of the size-class table in jemalloc(3).
        let table = [
            (1, 8),
            (8, 8),
            (9, 16),
            (17, 32),
            (100, 112),
            (128, 128),
            (129, 160),
            (257, 320),
            (14_337, 16_384),
            (16_385, 20_480),
            (1 << 20, 1 << 20),
            ((1 << 20) + 1, (1 << 20) + (1 << 18)),
        ];
        for (req, class) in table {
            assert_eq!(geometric_class(req), class, "request {req}");
        }
    }

    #[test]
    fn large_requests_round_to_pages_when_large_classes_are_disabled() {
        let r = ClassRule::DEFAULT;
        assert_eq!(r.class(14_336), 14_336, "small: the table");
        assert_eq!(r.class(14_337), 16_384);
        assert_eq!(r.class(100_000), 102_400, "25 pages, not the 112 KiB class");
        let classic = ClassRule {
            large_classes_disabled: false,
            ..r
        };
        assert_eq!(classic.class(100_000), 114_688);
    }

    #[test]
    fn classes_never_waste_more_than_a_quarter_past_128() {
        for req in 129..100_000u64 {
            let c = geometric_class(req);
            assert!(c >= req && (c - req) * 4 < c, "request {req} -> {c}");
        }
    }
}
