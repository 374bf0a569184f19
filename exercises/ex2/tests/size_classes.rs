//! jemalloc's size classes as `nallocx` reports them, against the rule in its
//! manual, over every request up to 64 KiB and around every power of two up
//! to 1 GiB. The library links jemalloc, so `nallocx` works here even though
//! this test's global allocator is the default one.
//!
//! The rule's parameters are the documented ones, written here, never read
//! back from jemalloc (that would test jemalloc against itself): 4 KiB pages
//! on x86-64 Linux, so the largest small class (`SC_SMALL_MAXCLASS`) is
//! 14 KiB; and large requests rounded to whole pages, the default of the
//! jemalloc 5.3.1 release that tikv-jemalloc-sys 0.7 builds
//! (`opt.disable_large_size_classes`). Other targets have other page sizes,
//! so the test is for this one.

#![cfg(all(jemalloc, target_arch = "x86_64", target_os = "linux"))]

use ex2::jemalloc::{ClassRule, class_rule, geometric_class, nallocx};

/// The documented parameters for x86-64 Linux.
const PAGE: u64 = 4096;
const SMALL_MAX: u64 = 14 * 1024;
const DOCUMENTED: ClassRule = ClassRule {
    page: PAGE,
    small_max: SMALL_MAX,
    large_classes_disabled: true,
};

#[test]
fn nallocx_follows_the_documented_rule() {
    let mut requests: Vec<u64> = (1..=65_536).collect();
    for k in 17..=30 {
        requests.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    for r in requests {
        assert_eq!(nallocx(r), Some(DOCUMENTED.class(r)), "request {r}");
    }
}

#[test]
fn the_boundaries_are_where_the_manual_puts_them() {
    // The largest small class is a class of the geometric table, and the
    // next request is large: rounded to whole pages.
    assert_eq!(nallocx(SMALL_MAX), Some(SMALL_MAX));
    assert_eq!(nallocx(SMALL_MAX + 1), Some(4 * PAGE));
    // Whole pages, not the geometric class (112 KiB for 100,000 B).
    assert_eq!(geometric_class(100_000), 112 * 1024);
    assert_eq!(nallocx(100_000), Some(25 * PAGE));
}

#[test]
fn the_crate_reads_the_documented_parameters() {
    // What the crate uses at run time (read from jemalloc) agrees with the
    // manual, and its compiled-in default is the manual's.
    assert_eq!(class_rule(), DOCUMENTED);
    assert_eq!(ClassRule::DEFAULT, DOCUMENTED);
}
