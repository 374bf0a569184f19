// Does not compile (error E0502): the arena cannot be reset while a node
// borrows it. The crate's doctests check that this stays a compile error.
// ANCHOR: reset
use bumpalo::Bump;
use ex4::tree::build_arena;

let mut bump = Bump::new();
let tree = build_arena(&bump, 10, 2);
bump.reset(); // error[E0502]: cannot borrow `bump` as mutable because it is also borrowed as immutable
println!("{}", tree.root.id); // the node's memory would be reused by now
// ANCHOR_END: reset
