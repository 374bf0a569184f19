//! jemalloc's size classes as `nallocx` reports them, against the rule in its
//! manual (`ClassRule`), over every request up to 64 KiB and around every
//! power of two up to 1 GiB. The library links jemalloc, so `nallocx` works
//! here even though this test's global allocator is the default one.

#![cfg(jemalloc)]

use ex2::jemalloc::{ClassRule, class_rule, nallocx};

#[test]
fn nallocx_follows_the_documented_rule() {
    let rule = class_rule();
    // The build's defaults (4 KiB pages assumed by the manual's table; other
    // page sizes change `page` and `small_max` but not the rule).
    assert!(rule.large_classes_disabled, "{rule:?}");
    let mut requests: Vec<u64> = (1..=65_536).collect();
    for k in 17..=30 {
        requests.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    for r in requests {
        assert_eq!(nallocx(r), Some(rule.class(r)), "request {r}, {rule:?}");
    }
}

#[test]
fn the_rule_matches_the_manual_defaults_on_4k_pages() {
    if class_rule().page == 4096 {
        assert_eq!(class_rule(), ClassRule::DEFAULT);
    }
}
