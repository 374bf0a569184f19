//! What an arena does *not* do: run destructors. And how it fails.
//!
//! Freeing an arena releases its chunks; it never looks at what is inside
//! them. A value placed with `bump.alloc` therefore never has its `Drop` run,
//! and anything it owns elsewhere (a `String`'s heap buffer, a file handle)
//! is leaked. `bumpalo::boxed::Box` is the exception you opt into: a box
//! whose memory is in the arena but which runs `Drop` when it goes out of
//! scope, like `std::boxed::Box`.
//!
//! An arena can be given a byte limit. The limit is checked when the arena
//! needs a new chunk; past it, the `try_` methods return an error, while the
//! plain ones panic ("out of memory").

use std::cell::Cell;

use bumpalo::Bump;
use serde::Serialize;

// ANCHOR: counted
/// Counts its own drops in a shared cell.
#[derive(Debug)]
pub struct Counted<'c>(pub &'c Cell<usize>);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}
// ANCHOR_END: counted

/// One way of putting values in an arena, and what happened when it went.
#[derive(Debug, Clone, Serialize)]
pub struct DropCase {
    /// How the values went in, as the code says it.
    pub how: String,
    /// Values put in the arena.
    pub values: usize,
    /// How many `Counted` drops ran by the time the arena was gone (`None`:
    /// nothing there to count).
    pub drops_ran: Option<usize>,
    /// Global-allocator bytes still live once the arena was dropped: memory
    /// the values owned outside the arena and nobody freed.
    pub leaked_bytes: i64,
}

// ANCHOR: drops
/// Puts `n` values in an arena in four ways, drops the arena, and counts
/// what was dropped and what was leaked.
pub fn drop_cases(n: usize) -> Vec<DropCase> {
    let mut cases = Vec::new();

    let drops = Cell::new(0);
    let (_, s) = ex1::measure(|| {
        let bump = Bump::new();
        for _ in 0..n {
            bump.alloc(Counted(&drops));
        }
    }); // the arena is dropped here; its values are not
    cases.push(case("bump.alloc(Counted)", n, drops.get(), s));

    let drops = Cell::new(0);
    let (_, s) = ex1::measure(|| {
        let bump = Bump::new();
        for _ in 0..n {
            let boxed = bumpalo::boxed::Box::new_in(Counted(&drops), &bump);
            drop(boxed); // runs Counted::drop; the bytes stay in the arena
        }
    });
    cases.push(case(
        "bumpalo::boxed::Box::new_in(Counted, &bump)",
        n,
        drops.get(),
        s,
    ));

    let drops = Cell::new(0);
    let (_, s) = ex1::measure(|| {
        let bump = Bump::new();
        for _ in 0..n {
            // The String struct is in the arena; its 100-byte buffer is on
            // the heap, and only String's Drop would free it.
            bump.alloc((Counted(&drops), String::with_capacity(100)));
        }
    });
    cases.push(case(
        "bump.alloc((Counted, String::with_capacity(100)))",
        n,
        drops.get(),
        s,
    ));

    let (_, s) = ex1::measure(|| {
        let bump = Bump::new();
        for _ in 0..n {
            bump.alloc_str(&"x".repeat(100)); // copied in; the temporary is freed
        }
    });
    cases.push(DropCase {
        how: "bump.alloc_str(&\"x\".repeat(100))".to_string(),
        values: n,
        drops_ran: None,
        leaked_bytes: s.live_bytes,
    });
    cases
}
// ANCHOR_END: drops

fn case(how: &str, values: usize, drops_ran: usize, s: ex1::Stats) -> DropCase {
    DropCase {
        how: how.to_string(),
        values,
        drops_ran: Some(drops_ran),
        leaked_bytes: s.live_bytes,
    }
}

/// What an arena with a byte limit did.
#[derive(Debug, Clone, Serialize)]
pub struct LimitRun {
    /// The limit given to `set_allocation_limit`, in bytes.
    pub limit: usize,
    /// Size of each value in bytes.
    pub value_size: usize,
    /// `try_alloc` calls that succeeded before the first error.
    pub succeeded: usize,
    /// The first error, as bumpalo formats it.
    pub error: String,
    /// `allocated_bytes()` when the error came: never above the limit.
    pub allocated_bytes: usize,
    /// Global allocator calls (= chunks taken) before the error.
    pub chunks: u64,
}

// ANCHOR: limit
/// Allocates 64-byte values into an arena limited to `limit` bytes until it
/// says no. The error is a value to handle, not a crash.
pub fn limit_run(limit: usize) -> LimitRun {
    let ((succeeded, error, allocated_bytes), global) = ex1::measure(|| {
        let bump = Bump::new();
        bump.set_allocation_limit(Some(limit));
        let mut succeeded = 0;
        loop {
            match bump.try_alloc([0u8; 64]) {
                Ok(_) => succeeded += 1,
                Err(e) => break (succeeded, e, bump.allocated_bytes()),
            }
        }
    });
    LimitRun {
        limit,
        value_size: 64,
        succeeded,
        error: error.to_string(),
        allocated_bytes,
        chunks: global.allocs,
    }
}
// ANCHOR_END: limit

/// One row per way of putting values in an arena ([`drop_cases`]).
pub fn drop_table(cases: &[DropCase]) -> kit::Table {
    let mut t = kit::Table::new(
        "Three values each, then the arena dropped",
        &["how", "values", "Drop ran", "heap bytes leaked"],
    );
    for c in cases {
        t.row([
            format!("`{}`", c.how),
            c.values.to_string(),
            c.drops_ran.map_or("-".to_string(), |d| d.to_string()),
            c.leaked_bytes.to_string(),
        ]);
    }
    t
}

/// What [`limit_run`] found, one measure a row.
pub fn limit_table(r: &LimitRun, limit: usize) -> kit::Table {
    let mut t = kit::Table::new(
        format!("`try_alloc([0u8; 64])` until an arena limited to {limit} bytes says no"),
        &["measure", "value"],
    );
    t.row([
        "successful `try_alloc` calls".to_string(),
        r.succeeded.to_string(),
    ]);
    t.row([
        "bytes of values".to_string(),
        (r.succeeded * r.value_size).to_string(),
    ]);
    t.row(["chunks taken".to_string(), r.chunks.to_string()]);
    t.row([
        "`allocated_bytes()` at the error".to_string(),
        r.allocated_bytes.to_string(),
    ]);
    t.row([
        "the error `try_alloc` returned".to_string(),
        r.error.clone(),
    ]);
    t
}
