// Does not compile (error E0597): a node cannot outlive its arena.
// The crate's doctests check that this stays a compile error.
// ANCHOR: outlives
use bumpalo::Bump;
use ex4::tree::{Node, build_arena};

let escaped: &Node;
{
    let bump = Bump::new();
    let tree = build_arena(&bump, 10, 2);
    escaped = tree.root; // error[E0597]: `bump` does not live long enough
} // the arena, and every node in it, is freed here
println!("{}", escaped.id); // ...so this would read freed memory
// ANCHOR_END: outlives
