//! Where values land in an arena.
//!
//! A `Bump` owns a chunk of memory and a pointer into it. bumpalo starts the
//! pointer at the *end* of the chunk and moves it down: to allocate `size`
//! bytes at alignment `align` it subtracts `size` and rounds the result down
//! to a multiple of `align`. So consecutive values have decreasing addresses,
//! sit back to back when their alignments agree, and leave a few bytes of
//! padding when a value needs a stricter alignment than the byte below the
//! previous one offers.
//!
//! Addresses change from run to run; their differences within one chunk do
//! not. Everything here is reported as an offset from the first value.

use bumpalo::Bump;
use serde::Serialize;

use crate::addr_of;

/// Eight bytes at alignment 4: two `f32`s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f32,
    /// Vertical coordinate.
    pub y: f32,
}

/// One byte that insists on 16-byte alignment (as SIMD types do).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(align(16))]
pub struct Aligned16(pub u8);

/// One value placed in the arena.
#[derive(Debug, Clone, Serialize)]
pub struct Placement {
    /// The call that placed it.
    pub call: &'static str,
    /// `size_of` the value.
    pub size: usize,
    /// `align_of` the value.
    pub align: usize,
    /// Its address minus the first value's address (negative: below it).
    pub offset: isize,
    /// Bytes skipped between the end of this value and the start of the
    /// previous one, to satisfy this value's alignment.
    pub padding: usize,
    /// Its address is a multiple of its alignment.
    pub aligned: bool,
}

/// The tour's result: the placements and what the arena says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct Tour {
    /// Every value placed, in the order placed.
    pub placements: Vec<Placement>,
    /// Bytes the values and their padding occupy.
    pub bytes_used: usize,
    /// `bump.allocated_bytes()` afterwards: the capacity of its chunks.
    pub allocated_bytes: usize,
    /// The global allocator's view of the whole tour (tracker counts).
    pub global: ex1::Stats,
}

/// Records placements relative to the first one.
struct Recorder {
    base: Option<usize>,
    previous_start: usize,
    placements: Vec<Placement>,
}

impl Recorder {
    fn record<T: ?Sized>(&mut self, call: &'static str, value: &T) {
        let (size, align) = (size_of_val(value), align_of_val(value));
        let addr = addr_of(value);
        let base = *self.base.get_or_insert(addr);
        let padding = match self.placements.last() {
            // The pointer moves down: this value ends at or below where the
            // previous one starts, and the gap is padding.
            Some(_) => self.previous_start - (addr + size),
            None => 0,
        };
        self.previous_start = addr;
        self.placements.push(Placement {
            call,
            size,
            align,
            offset: addr as isize - base as isize,
            padding,
            aligned: addr.is_multiple_of(align),
        });
    }
}

// ANCHOR: tour_values
/// Places one value of each kind into `bump`, in the tour's order, and
/// records where each one landed: two `u64`s, a [`Point`], a `u8`, a third
/// `u64`, a string, a slice of `u16`s and an [`Aligned16`].
fn place_values(bump: &Bump, r: &mut Recorder) {
    // ANCHOR: task_arena_tour
    let a: &mut u64 = bump.alloc(1);
    r.record("bump.alloc(1u64)", a);
    let b: &mut u64 = bump.alloc(2);
    r.record("bump.alloc(2u64)", b);
    let p: &mut Point = bump.alloc(Point { x: 1.0, y: 2.0 });
    r.record("bump.alloc(Point { x, y })", p);
    let byte: &mut u8 = bump.alloc(7);
    r.record("bump.alloc(7u8)", byte);
    let c: &mut u64 = bump.alloc(3); // needs 8-byte alignment again
    r.record("bump.alloc(3u64)", c);
    let s: &mut str = bump.alloc_str("hello, arena");
    r.record("bump.alloc_str(\"hello, arena\")", s);
    let xs: &mut [u16] = bump.alloc_slice_copy(&[1, 2, 3]);
    r.record("bump.alloc_slice_copy(&[1u16, 2, 3])", xs);
    let wide: &mut Aligned16 = bump.alloc(Aligned16(9));
    r.record("bump.alloc(Aligned16(9))", wide);
    // All of them are usable at once: they are distinct, live values.
    *a += *b + *c;
    std::hint::black_box((a, p, byte, s, xs, wide));
    // ANCHOR_END: task_arena_tour
}
// ANCHOR_END: tour_values

// ANCHOR: tour
/// Allocates one value of each kind into a fresh arena (`place_values`) and
/// records where each one landed.
pub fn tour() -> Tour {
    let mut r = Recorder {
        base: None,
        previous_start: 0,
        placements: Vec::with_capacity(16), // allocated before counting starts
    };
    let (tour, global) = ex1::measure(|| {
        let bump = Bump::new();
        place_values(&bump, &mut r);
        let last = r.placements.last().map_or(0, |p| p.offset);
        Tour {
            placements: Vec::new(),
            bytes_used: (last.unsigned_abs()) + size_of::<u64>(),
            allocated_bytes: bump.allocated_bytes(),
            global: ex1::Stats::default(),
        }
    });
    Tour {
        placements: r.placements,
        global,
        ..tour
    }
}
// ANCHOR_END: tour

/// The tour as the book shows it: each value's place, then the arena's totals.
pub fn tables(tour: &Tour) -> Vec<kit::Table> {
    let mut t = kit::Table::new(
        "Values in a fresh Bump, in allocation order (offsets from the first value)",
        &[
            "call",
            "size",
            "align",
            "offset",
            "padding below previous",
            "aligned",
        ],
    );
    for p in &tour.placements {
        t.row([
            format!("`{}`", p.call),
            p.size.to_string(),
            p.align.to_string(),
            p.offset.to_string(),
            p.padding.to_string(),
            if p.aligned { "yes" } else { "NO" }.to_string(),
        ]);
    }
    let mut s = kit::Table::new("The arena afterwards", &["measure", "bytes"]);
    s.row([
        "values and padding".to_string(),
        tour.bytes_used.to_string(),
    ]);
    s.row([
        "`bump.allocated_bytes()`".to_string(),
        tour.allocated_bytes.to_string(),
    ]);
    s.row([
        "global allocator calls (allocs)".to_string(),
        tour.global.allocs.to_string(),
    ]);
    vec![t, s]
}
