//! The arena tree, each half checked on its own: `tree::build_arena` by
//! following its links here, and `tree::walk_arena` on a tree put together
//! by hand. Neither may reach the global allocator.

use std::alloc::System;
use std::cell::Cell;

use bumpalo::Bump;
use ex4::tree::{self, Node, Walk};

#[global_allocator]
static GLOBAL: ex1::Tracker<System> = ex1::Tracker::new(System);

/// A node's children, following the first-child and next-sibling links.
fn children<'b>(node: &'b Node<'b>) -> Vec<&'b Node<'b>> {
    let mut out = Vec::new();
    let mut child = node.first_child.get();
    while let Some(c) = child {
        out.push(c);
        child = c.next_sibling.get();
    }
    out
}

#[test]
fn build_links_every_node_to_its_parent_and_its_parent_to_it() {
    let (n, k) = (13, 3);
    let bump = Bump::with_capacity(64 * 1024);
    // A roomy arena made before measuring: nodes and index fit in its first
    // chunk, so building reaches the global allocator not once.
    let (t, s) = ex1::measure(|| tree::build_arena(&bump, n, k));
    assert_eq!(
        (s.allocs, s.reallocs),
        (0, 0),
        "your build made {} global allocations and {} reallocs; the reference makes none (the arena's chunk was taken before): {s:?}",
        s.allocs,
        s.reallocs
    );
    assert_eq!(t.len, n);
    assert_eq!(t.root.id, 0);
    assert!(t.root.parent.is_none());
    assert!(
        t.root.next_sibling.get().is_none(),
        "the root has no siblings"
    );
    // From the root down, every node once: node i's children are the j
    // with (j - 1) / k == i, each pointing back at i.
    let mut seen = vec![false; n];
    let mut todo = vec![t.root];
    while let Some(node) = todo.pop() {
        let i = node.id as usize;
        assert!(!seen[i], "node {i} reached twice");
        seen[i] = true;
        let mut ids: Vec<usize> = children(node).iter().map(|c| c.id as usize).collect();
        ids.sort_unstable();
        let expected: Vec<usize> = (1..n).filter(|j| (j - 1) / k == i).collect();
        assert_eq!(ids, expected, "children of {i}");
        for c in children(node) {
            assert!(std::ptr::eq(c.parent.unwrap(), node), "parent of {}", c.id);
            todo.push(c);
        }
    }
    assert!(
        seen.iter().all(|&s| s),
        "every node reachable from the root"
    );
    // A single node is a root alone.
    let one = tree::build_arena(&bump, 1, 2);
    assert!(one.root.first_child.get().is_none());
}

/// A node in `bump` with no links yet.
fn node<'b>(bump: &'b Bump, id: u32, parent: Option<&'b Node<'b>>) -> &'b Node<'b> {
    bump.alloc(Node {
        id,
        parent,
        first_child: Cell::new(None),
        next_sibling: Cell::new(None),
    })
}

#[test]
fn walk_sums_ids_downward_and_depths_up_to_the_root() {
    // 10 -> (11 -> 13, 12), linked by hand:
    //
    //     10          depth 0
    //    /  \
    //   11   12       depth 1
    //   |
    //   13            depth 2
    let bump = Bump::new();
    let root = node(&bump, 10, None);
    let a = node(&bump, 11, Some(root));
    let b = node(&bump, 12, Some(root));
    let c = node(&bump, 13, Some(a));
    root.first_child.set(Some(a));
    a.next_sibling.set(Some(b));
    a.first_child.set(Some(c));

    // The links are the tree's whole index: following them needs no stack
    // or list of children, so the walk reaches the global allocator not once.
    let (walk, s) = ex1::measure(|| tree::walk_arena(root));
    assert_eq!(
        (s.allocs, s.reallocs),
        (0, 0),
        "your walk made {} global allocations and {} reallocs; following the links needs none: {s:?}",
        s.allocs,
        s.reallocs
    );
    assert_eq!(
        walk,
        Walk {
            id_sum: 10 + 11 + 12 + 13,
            depth_sum: 1 + 1 + 2,
        }
    );
    // From 11: its subtree (11 and 13), their depths still counted up to
    // the root, not from where the walk started.
    assert_eq!(
        tree::walk_arena(a),
        Walk {
            id_sum: 11 + 13,
            depth_sum: 1 + 2,
        }
    );
    // A leaf: itself alone.
    assert_eq!(
        tree::walk_arena(c),
        Walk {
            id_sum: 13,
            depth_sum: 2,
        }
    );
}
