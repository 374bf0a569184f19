//! The arena tour (`layout::tour`): eight values of several types placed in a
//! fresh `Bump`, where each one landed, and what the global allocator saw.
//! Expected offsets follow from bumpalo 3.20.4 bumping downward and rounding
//! down to each value's alignment, with the reasoning beside each; never
//! copied from output.

use std::alloc::System;

use ex3::layout;

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

#[test]
fn the_tour_places_eight_values_back_to_back_downward() {
    let tour = layout::tour();
    let p = &tour.placements;
    let calls: Vec<&str> = p.iter().map(|x| x.call).collect();
    assert_eq!(
        p.len(),
        8,
        "your tour recorded {} values ({calls:?}); the reference records 8",
        p.len()
    );
    // (size, align) of u64, u64, Point, u8, u64, str, [u16; 3], Aligned16.
    let kinds: Vec<(usize, usize)> = p.iter().map(|x| (x.size, x.align)).collect();
    assert_eq!(
        kinds,
        [
            (8, 8),
            (8, 8),
            (8, 4),
            (1, 1),
            (8, 8),
            (12, 1),
            (6, 2),
            (16, 16)
        ],
        "(size, align) of the values your tour placed (left) and of the reference's (right)"
    );
    // Back to back downward: u64 after u64 at -8, Point at -16, the byte at
    // -17; the next u64 rounds -25 down to -32 (7 bytes of padding); the
    // 12-byte string at -44 and three u16s at -50 need none.
    let offsets: Vec<isize> = p[..7].iter().map(|x| x.offset).collect();
    assert_eq!(
        offsets,
        [0, -8, -16, -17, -32, -44, -50],
        "offsets from the first value: yours (left), the reference's (right)"
    );
    let padding: Vec<usize> = p.iter().map(|x| x.padding).collect();
    assert_eq!(
        padding[..7],
        [0, 0, 0, 0, 7, 0, 0],
        "padding before each value: yours (left), the reference's (right)"
    );
    // Aligned16 below -50: rounded down to the next multiple of 16, so less
    // than 16 bytes of padding.
    assert!(padding[7] < 16, "{:?}", p[7]);
    assert!(p.iter().all(|x| x.aligned), "every value is aligned: {p:?}");
    assert_eq!(
        tour.bytes_used,
        8 + 50 + 16 + padding[7],
        "bytes from the lowest value to the end of the first"
    );
    assert_eq!(
        (tour.global.allocs, tour.global.deallocs),
        (1, 1),
        "your tour made (allocs, deallocs) on the left; the reference's arena takes one \
         chunk and frees it when it drops"
    );
}
