// NIGHTLY ONLY. This file is not compiled: it is excluded from the crate and
// the book shows it as text. It is what the stable code in src/maps.rs looks
// like with the standard library's own, unstable allocator API.
//
// Needs: a nightly toolchain, bumpalo's `allocator_api` feature (instead of
// `allocator-api2`), and the feature gate below.
// ANCHOR: new_in
#![feature(allocator_api)]

use bumpalo::Bump;

fn main() {
    let bump = Bump::new();
    // std's own Vec, with the arena as its allocator: `Vec<T, A>`.
    let mut squares: Vec<u64, &Bump> = Vec::new_in(&bump);
    squares.extend((0..10).map(|i| i * i));
    println!("{squares:?}");
}
// ANCHOR_END: new_in
