//! Step 2: every request gets the smallest class that holds its size at its
//! alignment (or none, and goes upstream), and the step passes chapter 1's
//! contract tests.

use std::alloc::{GlobalAlloc, Layout};

use ex9_alloc::classes::{CLASSES, MAX_CLASS, class_of, rounded};
use ex9_alloc::pool::natural_align;

#[test]
fn a_request_takes_the_smallest_class_that_holds_it() {
    for size in 1..=MAX_CLASS + 1 {
        for align in (0..=13).map(|k| 1usize << k) {
            let l = Layout::from_size_align(size, align).unwrap();
            let fits = |&c: &usize| c >= size && natural_align(c) >= align;
            let want = CLASSES.iter().position(fits);
            assert_eq!(class_of(l), want, "size {size}, align {align}");
        }
    }
}

#[test]
fn the_documented_examples() {
    let class = |s, a| class_of(Layout::from_size_align(s, a).unwrap()).map(|c| CLASSES[c]);
    assert_eq!(class(1, 1), Some(16));
    assert_eq!(class(17, 8), Some(24));
    assert_eq!(class(17, 16), Some(32), "24-byte blocks are only 8-aligned");
    assert_eq!(class(65, 8), Some(96));
    assert_eq!(class(8, 64), Some(64));
    assert_eq!(class(4096, 4096), Some(4096));
    assert_eq!(class(4097, 1), None);
    assert_eq!(class(8, 8192), None);
    assert_eq!(rounded(100), 128);
    assert_eq!(rounded(5000), 5000);
}

#[test]
fn rounding_wastes_at_most_a_third_above_16_bytes() {
    for size in 17..=MAX_CLASS {
        let r = rounded(size);
        assert!(3 * (r - size) < r, "{size} -> {r}");
    }
}

#[test]
fn step_2_passes_chapter_1s_contract() {
    assert!(ex1::contract::check(&ex9::steps::STEP2) > 1000);
}

#[test]
fn a_full_class_sends_requests_upstream_and_frees_find_their_way_back() {
    static CLASSES_UNDER_TEST: ex9_alloc::SizeClasses<std::alloc::System> =
        ex9_alloc::SizeClasses::new(std::alloc::System);
    let a = &CLASSES_UNDER_TEST;
    let l = Layout::from_size_align(4096, 8).unwrap();
    let n = ex9_alloc::classes::blocks(CLASSES.len() - 1);
    // SAFETY: every block is freed once with its layout below.
    unsafe {
        let ps: Vec<*mut u8> = (0..n + 3).map(|_| a.alloc(l)).collect();
        let ours = ps.iter().filter(|&&p| a.locate(p).is_some()).count();
        assert_eq!(
            ours, n,
            "the class serves its {n} blocks, upstream the rest"
        );
        assert!(ps.iter().all(|p| !p.is_null()));
        for p in ps {
            a.dealloc(p, l);
        }
    }
    let (carved, free) = a.usage()[CLASSES.len() - 1];
    assert_eq!((carved as usize, free as usize), (n, n));
}
