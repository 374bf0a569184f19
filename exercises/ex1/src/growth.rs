//! What `Vec` and `String` growth really allocate.
//!
//! A `Vec` that outgrows its buffer asks the allocator for a bigger one. The
//! standard library's policy (in `RawVec`) is: the first allocation holds a
//! small minimum (8 elements of 1 byte, 4 elements up to 1 KiB, else 1), and
//! each growth at least doubles the capacity. The first buffer is an `alloc`;
//! every later growth is a `realloc` (which may or may not move the data).
//! The functions here run each pattern under [`measure`] and report the
//! capacity sequence and what the allocator saw.

use std::fmt::Write as _;
use std::hint::black_box;

use serde::Serialize;

use crate::{Stats, measure};

/// One measured pattern.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// What the code does, as a reader would say it.
    pub pattern: String,
    /// Element type and its size in bytes (for `Vec` cases).
    pub element: String,
    /// How many elements (or bytes, for strings) the pattern ends with.
    pub len: usize,
    /// Every capacity the collection had, in order (0 omitted).
    pub capacities: Vec<usize>,
    /// What the tracker counted while the pattern ran.
    pub stats: Stats,
}

/// A 2 KiB element, above the 1 KiB line where `Vec` stops reserving 4.
#[derive(Debug)]
pub struct Big(pub [u8; 2048]);

impl Default for Big {
    fn default() -> Self {
        Big([0; 2048])
    }
}

// ANCHOR: push_growth
/// Pushes `len` default values onto `Vec::new()`, recording every capacity.
pub fn push_growth<T: Default>(len: usize) -> (Vec<usize>, Stats) {
    pushes::<T>(len, Vec::new)
}

/// Pushes `len` default values onto the `Vec` that `make` returns, inside
/// [`measure`], and logs every capacity the vector passes through.
fn pushes<T: Default>(len: usize, make: impl FnOnce() -> Vec<T>) -> (Vec<usize>, Stats) {
    // The log is allocated before measuring, large enough never to grow.
    let mut capacities = Vec::with_capacity(64);
    let (_, stats) = measure(|| {
        let mut v: Vec<T> = make();
        for _ in 0..len {
            v.push(T::default());
            if capacities.last() != Some(&v.capacity()) {
                capacities.push(v.capacity());
            }
        }
        black_box(&v);
    });
    (capacities, stats)
}
// ANCHOR_END: push_growth

// ANCHOR: with_capacity
/// The same pushes into a vector made for `len` elements: one allocation, no
/// growth.
pub fn with_capacity<T: Default>(len: usize) -> (Vec<usize>, Stats) {
    pushes::<T>(len, || {
        // ANCHOR: task_vec_with_capacity
        Vec::with_capacity(len)
        // ANCHOR_END: task_vec_with_capacity
    })
}
// ANCHOR_END: with_capacity

// ANCHOR: collect
/// `collect` from an iterator that knows its exact length (`0..len`): one
/// allocation of exactly `len`.
pub fn collect_exact(len: usize) -> (usize, Stats) {
    let (v, stats) = measure(|| (0..len as u64).collect::<Vec<u64>>());
    (v.capacity(), stats)
}

/// `collect` through `filter`, whose length is unknown until the end: grows
/// like `push` does.
pub fn collect_filtered(len: usize) -> (usize, Stats) {
    let (v, stats) = measure(|| {
        (0..len as u64)
            .filter(|x| black_box(*x) < u64::MAX)
            .collect::<Vec<u64>>()
    });
    (v.capacity(), stats)
}

/// `shrink_to_fit` on a vector with spare capacity: one `realloc` down to
/// its length.
pub fn shrink_to_fit(len: usize) -> (usize, usize, Stats) {
    let mut v: Vec<u64> = Vec::with_capacity(len * 2);
    v.extend(0..len as u64);
    let before = v.capacity();
    let (_, stats) = measure(|| v.shrink_to_fit());
    (before, v.capacity(), stats)
}
// ANCHOR_END: collect

/// The whole `Vec` table: four element sizes, four lengths, two strategies.
pub fn vec_cases() -> Vec<Case> {
    fn case(pattern: &str, element: &str, len: usize, r: (Vec<usize>, Stats)) -> Case {
        Case {
            pattern: pattern.into(),
            element: element.into(),
            len,
            capacities: r.0,
            stats: r.1,
        }
    }
    let mut cases = Vec::new();
    for len in [1, 10, 100, 1000] {
        cases.push(case("push", "u8 (1 B)", len, push_growth::<u8>(len)));
        cases.push(case("push", "u64 (8 B)", len, push_growth::<u64>(len)));
        cases.push(case(
            "push",
            "[u64; 4] (32 B)",
            len,
            push_growth::<[u64; 4]>(len),
        ));
        cases.push(case(
            "push",
            "[u8; 2048] (2 KiB)",
            len,
            push_growth::<Big>(len),
        ));
    }
    for len in [10, 1000] {
        cases.push(case(
            "with_capacity + push",
            "u64 (8 B)",
            len,
            with_capacity::<u64>(len),
        ));
    }
    let (cap, stats) = collect_exact(1000);
    cases.push(case(
        "collect from 0..n",
        "u64 (8 B)",
        1000,
        (vec![cap], stats),
    ));
    let (cap, stats) = collect_filtered(1000);
    cases.push(case(
        "collect through filter",
        "u64 (8 B)",
        1000,
        (vec![cap], stats),
    ));
    let (before, after, stats) = shrink_to_fit(600);
    cases.push(case(
        "shrink_to_fit",
        "u64 (8 B)",
        600,
        (vec![before, after], stats),
    ));
    cases
}

// ANCHOR: strings
// ANCHOR: string_to_string
/// `name.to_string()`: the text's length and what building it allocated.
/// Each pattern is a function of its own, measured on its own.
pub fn to_string_once(name: &str) -> (usize, Stats) {
    let (s, stats) = measure(|| name.to_string());
    (s.len(), stats)
}
// ANCHOR_END: string_to_string

// ANCHOR: string_format
/// `format!("{id}-{name}")`: the text's length and what building it
/// allocated (the `String` is dropped after measuring).
pub fn format_id_name(id: u32, name: &str) -> (usize, Stats) {
    let (s, stats) = measure(|| format!("{id}-{name}"));
    (s.len(), stats)
}
// ANCHOR_END: string_format

/// `format!("user {id}: {name}")`: more literal text, a larger first estimate.
pub fn format_user(id: u32, name: &str) -> (usize, Stats) {
    let (s, stats) = measure(|| format!("user {id}: {name}"));
    (s.len(), stats)
}

// ANCHOR: string_push_str
/// `push_str("word ")` 100 times onto `String::new()`.
pub fn push_str_onto_new() -> (usize, Stats) {
    let (s, stats) = measure(|| {
        let mut s = String::new();
        for _ in 0..100 {
            s.push_str(black_box("word "));
        }
        s
    });
    (s.len(), stats)
}
// ANCHOR_END: string_push_str

// ANCHOR: string_with_capacity
/// The same 100 `push_str` calls onto `String::with_capacity(500)`.
pub fn push_str_with_capacity() -> (usize, Stats) {
    // ANCHOR: task_string_with_capacity
    let (s, stats) = measure(|| {
        let mut s = String::with_capacity(500);
        for _ in 0..100 {
            s.push_str(black_box("word "));
        }
        s
    });
    (s.len(), stats)
    // ANCHOR_END: task_string_with_capacity
}
// ANCHOR_END: string_with_capacity

/// `format!("{i}: {name}")` for `i` in 0..1000, a new `String` each: the total
/// length and what the loop allocated.
pub fn format_in_a_loop(name: &str) -> (usize, Stats) {
    measure(|| {
        let mut total = 0;
        for i in 0..1000u32 {
            total += black_box(format!("{i}: {name}")).len();
        }
        total
    })
}

// ANCHOR: string_reuse
/// The same thousand lines written into the one `buf`, cleared each time:
/// the total length and what the loop allocated (nothing once `buf` is warm).
pub fn write_reused(buf: &mut String, name: &str) -> (usize, Stats) {
    measure(|| -> usize {
        // ANCHOR: task_string_reuse
        let mut total = 0;
        for i in 0..1000u32 {
            buf.clear();
            // Writing to a String cannot fail.
            let _ = write!(buf, "{i}: {name}");
            total += black_box(&*buf).len();
        }
        total
        // ANCHOR_END: task_string_reuse
    })
}
// ANCHOR_END: string_reuse

/// Every `String` pattern above, one row each.
pub fn string_cases() -> Vec<Case> {
    let name = black_box("ferris-the-crab"); // 15 bytes
    let id = black_box(7u32);
    let case = |pattern: &str, (len, stats): (usize, Stats)| Case {
        pattern: pattern.into(),
        element: "String".into(),
        len,
        capacities: Vec::new(),
        stats,
    };
    let mut buf = String::new();
    vec![
        case("to_string()", to_string_once(name)),
        case("format!(\"{id}-{name}\")", format_id_name(id, name)),
        case("format!(\"user {id}: {name}\")", format_user(id, name)),
        case("push_str x100 onto String::new()", push_str_onto_new()),
        case(
            "push_str x100 onto with_capacity(500)",
            push_str_with_capacity(),
        ),
        case("format! x1000 (a new String each)", format_in_a_loop(name)),
        case(
            "write! x1000 into one reused String",
            write_reused(&mut buf, name),
        ),
        case(
            "the same again, buffer already warm",
            write_reused(&mut buf, name),
        ),
    ]
}
// ANCHOR_END: strings

// ANCHOR: chart
/// Capacity against length while pushing 1,000 elements, one line per
/// element size, as an SVG chart. The steps are the reallocations; the gap
/// above the thin `len` line is capacity paid for and not yet used.
pub fn growth_chart() -> Result<String, String> {
    use kit::chart::{Corner, LineChart, Scale, Series};
    use plotters::style::RGBColor;
    const LEN: usize = 1000;
    let steps = |label: &str, color: RGBColor, caps: &[usize]| {
        let mut points = Vec::new();
        let mut from = 1;
        for &cap in caps {
            points.push((from as f64, cap as f64));
            points.push((cap.min(LEN) as f64, cap as f64));
            from = cap + 1;
        }
        Series {
            label: label.to_string(),
            color,
            points,
            faint: false,
        }
    };
    let series = vec![
        steps("u8 (1 B)", RGBColor(200, 60, 40), &push_growth::<u8>(LEN).0),
        steps(
            "u64 (8 B)",
            RGBColor(40, 90, 200),
            &push_growth::<u64>(LEN).0,
        ),
        steps(
            "[u64; 4] (32 B)",
            RGBColor(40, 150, 80),
            &push_growth::<[u64; 4]>(LEN).0,
        ),
        steps(
            "[u8; 2048] (2 KiB)",
            RGBColor(150, 80, 170),
            &push_growth::<Big>(LEN).0,
        ),
        Series {
            label: "len (no spare capacity)".to_string(),
            color: RGBColor(90, 90, 90),
            points: vec![(1.0, 1.0), (LEN as f64, LEN as f64)],
            faint: true,
        },
    ];
    LineChart {
        title: "Vec::push: capacity as the length grows",
        x_desc: "elements pushed (len)",
        y_desc: "capacity (elements)",
        // Capacities double: on log axes each doubling is an even step.
        x_scale: Scale::Log,
        y_scale: Scale::Log,
        legend: Corner::UpperLeft,
        series,
    }
    .svg(800, 480)
}
// ANCHOR_END: chart

/// One row per pattern of [`vec_cases`].
pub fn vec_table(cases: &[Case]) -> kit::Table {
    let mut t = kit::Table::new(
        "Vec growth: what the allocator sees",
        &[
            "pattern",
            "element",
            "len",
            "capacities",
            "allocs",
            "reallocs",
            "bytes requested",
            "unused at end",
        ],
    );
    for c in cases {
        let last = c.capacities.last().copied().unwrap_or(0);
        t.row([
            c.pattern.clone(),
            c.element.clone(),
            c.len.to_string(),
            kit::format::arrows(&c.capacities),
            c.stats.allocs.to_string(),
            c.stats.reallocs.to_string(),
            c.stats.bytes_allocated.to_string(),
            (last.saturating_sub(c.len)).to_string(),
        ]);
    }
    t
}

/// One row per pattern of [`string_cases`]; with `code_spans`, each
/// pattern as a Markdown code span.
pub fn string_table(cases: &[Case], code_spans: bool) -> kit::Table {
    let mut t = kit::Table::new(
        "String building: what the allocator sees",
        &[
            "pattern",
            "bytes of text",
            "allocs",
            "reallocs",
            "deallocs",
            "bytes requested",
        ],
    );
    for c in cases {
        t.row([
            // Code spans in the book; plain text in a terminal.
            if code_spans {
                format!("`{}`", c.pattern)
            } else {
                c.pattern.clone()
            },
            c.len.to_string(),
            c.stats.allocs.to_string(),
            c.stats.reallocs.to_string(),
            c.stats.deallocs.to_string(),
            c.stats.bytes_allocated.to_string(),
        ]);
    }
    t
}
