//! Choosing size classes for a bound on the waste: the choice is checked
//! against the classes it gives, every size from 17 bytes to 4096 rounded
//! up, never against the formula it was made with.

use ex9::rounding::{classes, per_doubling_within, worst_unused};
use ex9_alloc::classes::CLASSES;

#[test]
fn two_per_doubling_is_this_allocator_s_table() {
    assert_eq!(classes(2, 4096), CLASSES);
}

#[test]
fn the_fewest_classes_that_keep_the_waste_under_the_bound() {
    for bound in [0.6, 0.5, 0.4, 1.0 / 3.0, 0.3, 0.2, 0.15, 0.1, 0.06] {
        let k = per_doubling_within(bound).expect("16 per doubling is enough here");
        let worst = worst_unused(&classes(k, 4096));
        assert!(
            worst < bound,
            "bound {bound}: {k} per doubling leaves {worst} unused"
        );
        if k > 1 {
            let fewer = worst_unused(&classes(k / 2, 4096));
            assert!(
                fewer >= bound,
                "bound {bound}: {} per doubling would do ({fewer} unused): {k} is too many",
                k / 2
            );
        }
    }
    assert_eq!(per_doubling_within(0.01), None, "past 16 per doubling");
}
