//! What each allocator says about the process, read without allocating
//! through the global allocator (so reading it changes no count): glibc's
//! arena count and jemalloc's arenas. (Anonymous resident memory and page
//! faults come from `kit::rss`, which reads them without allocating too.)

use serde::{Deserialize, Serialize};

use crate::Allocator;

// ANCHOR: view
/// What the allocator itself reports (each field only under the allocator
/// that has it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// glibc: arenas that exist (`<heap>` entries in `malloc_info`).
    pub glibc_arenas: Option<u32>,
    /// jemalloc: `arenas.narenas`, the arenas it may hand threads (plus
    /// the one it keeps for huge allocations).
    pub jemalloc_narenas: Option<u32>,
    /// jemalloc: arenas with at least one thread assigned now
    /// (`stats.arenas.<i>.nthreads > 0`).
    pub jemalloc_arenas_in_use: Option<u32>,
}

/// Reads the view of the allocator this process runs on.
pub fn read(allocator: Allocator) -> View {
    match allocator {
        Allocator::System => View {
            glibc_arenas: glibc_arenas(),
            ..View::default()
        },
        Allocator::Jemalloc => jemalloc_view(),
        // mimalloc has no arenas shared by threads to count (its
        // statistics, `mi_stats_print_out` behind libmimalloc-sys's
        // `extended` feature, describe pages and segments instead).
        Allocator::Mimalloc => View::default(),
    }
}
// ANCHOR_END: view

// ANCHOR: glibc_arenas
/// glibc's arena count: `malloc_info` writes an XML report with one
/// `<heap nr="...">` element per arena; it goes into a memory stream that
/// glibc's own malloc grows (not Rust's global allocator).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn glibc_arenas() -> Option<u32> {
    let mut buf: *mut libc::c_char = std::ptr::null_mut();
    let mut len: libc::size_t = 0;
    // SAFETY: `open_memstream` stores the buffer's address and length in the
    // two locals, which outlive the stream; the stream is closed (which
    // finalises them) before we read them, and the buffer, malloc'd by glibc,
    // is freed with glibc's free after its last use.
    unsafe {
        let stream = libc::open_memstream(&mut buf, &mut len);
        if stream.is_null() {
            return None;
        }
        let ok = libc::malloc_info(0, stream) == 0;
        libc::fclose(stream);
        if buf.is_null() {
            return None;
        }
        let xml = std::slice::from_raw_parts(buf as *const u8, len);
        let arenas = count_heaps(xml);
        libc::free(buf.cast());
        ok.then_some(arenas)
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn glibc_arenas() -> Option<u32> {
    None
}

/// The number of arenas in a `malloc_info` report: its `<heap nr=` elements.
pub fn count_heaps(xml: &[u8]) -> u32 {
    // ANCHOR: task_count_heaps
    const TAG: &[u8] = b"<heap nr=";
    xml.windows(TAG.len()).filter(|w| *w == TAG).count() as u32
    // ANCHOR_END: task_count_heaps
}
// ANCHOR_END: glibc_arenas

#[cfg(jemalloc)]
fn jemalloc_view() -> View {
    use tikv_jemalloc_ctl::{epoch, raw};
    // SAFETY: `arenas.narenas` is an `unsigned` per jemalloc's manual.
    let narenas: Option<u32> = unsafe { raw::read(b"arenas.narenas\0") }.ok();
    let in_use = narenas.and_then(|n| {
        epoch::advance().ok()?;
        let mut used = 0;
        for i in 0..n {
            // An arena never initialised has no statistics to read: no
            // threads either.
            if arena_threads(i).unwrap_or(0) > 0 {
                used += 1;
            }
        }
        Some(used)
    });
    View {
        jemalloc_narenas: narenas,
        jemalloc_arenas_in_use: in_use,
        ..View::default()
    }
}

/// `stats.arenas.<i>.nthreads`, its name written into a stack buffer.
#[cfg(jemalloc)]
fn arena_threads(i: u32) -> Option<u32> {
    use std::io::Write;
    let mut name = [0u8; 48];
    let len = {
        let mut w = &mut name[..];
        write!(w, "stats.arenas.{i}.nthreads\0").ok()?;
        48 - w.len()
    };
    // SAFETY: the name is NUL-terminated and the value an `unsigned`.
    unsafe { tikv_jemalloc_ctl::raw::read::<u32>(&name[..len]) }.ok()
}

#[cfg(not(jemalloc))]
fn jemalloc_view() -> View {
    View::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_heap_elements() {
        let xml = b"<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n</sizes>\n</heap>\n<heap nr=\"1\">\n</heap>\n<total type=\"fast\"/>\n</malloc>\n";
        assert_eq!(count_heaps(xml), 2);
        assert_eq!(count_heaps(b"<malloc version=\"1\"></malloc>"), 0);
    }
}
