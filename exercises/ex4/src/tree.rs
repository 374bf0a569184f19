//! A tree with parent links, in an arena and on the heap.
//!
//! Parent links are the classic pain of trees in Rust: a child that points to
//! its parent and a parent that owns its children make a cycle, which plain
//! ownership cannot express. On the heap the usual answer is `Rc` for the
//! children and `Weak` for the parent, plus a `RefCell` to add children after
//! the parent exists: a reference count and a borrow flag per node, and one
//! allocation per node plus one per child list.
//!
//! In an arena, every node lives exactly as long as the arena, so a node can
//! simply hold `&'bump` references to its parent, its first child and its
//! next sibling. No counts, no `Weak`, one `Cell` per link that is set after
//! the node is made. The borrow checker ties every `&'bump Node` to the
//! arena: no node can outlive it, and the arena cannot be reset or dropped
//! while a node is still in use, so a dangling node is a compile error (the
//! crate's doctests check both mistakes fail to compile).
//!
//! Both trees are complete `k`-ary trees: node `i`'s parent is `(i - 1) / k`.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use serde::Serialize;

// ANCHOR: arena_node
/// A node in the arena: plain references, valid for the arena's lifetime `'b`.
#[derive(Debug)]
pub struct Node<'b> {
    /// Its index in the build order, from 0 (the root).
    pub id: u32,
    /// `None` for the root.
    pub parent: Option<&'b Node<'b>>,
    /// Set when children are added, after this node exists: `Cell`, since
    /// all we ever have is a shared `&Node`.
    pub first_child: Cell<Option<&'b Node<'b>>>,
    /// The next child of the same parent.
    pub next_sibling: Cell<Option<&'b Node<'b>>>,
}

/// A whole tree in an arena.
#[derive(Debug)]
pub struct ArenaTree<'b> {
    /// The first node built.
    pub root: &'b Node<'b>,
    /// Nodes in the tree.
    pub len: usize,
}

/// Builds a complete `k`-ary tree of `n` nodes (`n >= 1`), all in `bump`.
pub fn build_arena(bump: &Bump, n: usize, k: usize) -> ArenaTree<'_> {
    // ANCHOR: task_arena_tree_build
    // The index that finds each node's parent lives in the arena too.
    let mut nodes: BumpVec<&Node> = BumpVec::with_capacity_in(n, bump);
    for i in 0..n {
        let parent = (i > 0).then(|| nodes[(i - 1) / k]);
        let node: &Node = bump.alloc(Node {
            id: i as u32,
            parent,
            first_child: Cell::new(None),
            next_sibling: Cell::new(None),
        });
        if let Some(p) = parent {
            // Prepend: the children end up in reverse order, which no
            // traversal here cares about.
            node.next_sibling.set(p.first_child.replace(Some(node)));
        }
        nodes.push(node);
    }
    ArenaTree {
        root: nodes[0],
        len: n,
    }
    // ANCHOR_END: task_arena_tree_build
}
// ANCHOR_END: arena_node

// ANCHOR: rc_node
/// The same node on the heap: children owned through `Rc`, the parent
/// referred to through `Weak` (a strong parent link would be a cycle and leak).
#[derive(Debug)]
pub struct RcNode {
    /// Its index in the build order, from 0 (the root).
    pub id: u32,
    /// Dangling (`Weak::new()`) for the root.
    pub parent: Weak<RcNode>,
    /// Owned: a node lives as long as its parent holds it.
    pub children: RefCell<Vec<Rc<RcNode>>>,
}

/// The same complete `k`-ary tree of `n` nodes, one `Rc` per node.
pub fn build_rc(n: usize, k: usize) -> Rc<RcNode> {
    let mut nodes: Vec<Rc<RcNode>> = Vec::with_capacity(n);
    for i in 0..n {
        let parent = if i > 0 {
            Rc::downgrade(&nodes[(i - 1) / k])
        } else {
            Weak::new() // allocates nothing
        };
        let node = Rc::new(RcNode {
            id: i as u32,
            parent: parent.clone(),
            children: RefCell::new(Vec::new()),
        });
        if let Some(p) = parent.upgrade() {
            p.children.borrow_mut().push(Rc::clone(&node));
        }
        nodes.push(node);
    }
    Rc::clone(&nodes[0]) // the index is dropped; the root owns the rest
}
// ANCHOR_END: rc_node

// ANCHOR: traverse
/// What a traversal computes: the sum of the ids (every node visited once
/// from the root down) and the sum of the depths (every node's parent chain
/// followed up to the root).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Walk {
    /// Sum of every node's id.
    pub id_sum: u64,
    /// Sum of every node's depth (the root's is 0).
    pub depth_sum: u64,
}

/// Down through child and sibling links, up through parent links.
pub fn walk_arena(node: &Node<'_>) -> Walk {
    // ANCHOR: task_arena_tree_walk
    let mut depth = 0;
    let mut up = node.parent;
    while let Some(p) = up {
        depth += 1;
        up = p.parent;
    }
    let mut walk = Walk {
        id_sum: node.id as u64,
        depth_sum: depth,
    };
    let mut child = node.first_child.get();
    while let Some(c) = child {
        let w = walk_arena(c);
        walk.id_sum += w.id_sum;
        walk.depth_sum += w.depth_sum;
        child = c.next_sibling.get();
    }
    walk
    // ANCHOR_END: task_arena_tree_walk
}

/// The same walk over the `Rc` tree: a borrow of each child list, and an
/// `upgrade` (a count increment and decrement) per parent link followed.
pub fn walk_rc(node: &Rc<RcNode>) -> Walk {
    let mut depth = 0;
    let mut up = node.parent.upgrade();
    while let Some(p) = up {
        depth += 1;
        up = p.parent.upgrade();
    }
    let mut walk = Walk {
        id_sum: node.id as u64,
        depth_sum: depth,
    };
    for c in node.children.borrow().iter() {
        let w = walk_rc(c);
        walk.id_sum += w.id_sum;
        walk.depth_sum += w.depth_sum;
    }
    walk
}
// ANCHOR_END: traverse

/// What building (and dropping) each tree cost the global allocator.
#[derive(Debug, Clone, Serialize)]
pub struct TreeCase {
    /// Which tree: arena or `Rc`.
    pub tree: &'static str,
    /// Nodes in the tree.
    pub nodes: usize,
    /// `size_of` one node.
    pub node_size: usize,
    /// What building and dropping the tree cost the global allocator.
    pub global: ex1::Stats,
    /// What walking it computed (the same for both trees).
    pub walk: Walk,
}

/// Both trees of `n` nodes with `k` children per node, measured from
/// building to dropping.
pub fn cases(n: usize, k: usize) -> Vec<TreeCase> {
    let (walk, global) = ex1::measure(|| {
        let bump = Bump::new();
        let tree = build_arena(&bump, n, k);
        walk_arena(tree.root)
    });
    let arena = TreeCase {
        tree: "arena: `&'bump Node`",
        nodes: n,
        node_size: size_of::<Node>(),
        global,
        walk,
    };
    let (walk, global) = ex1::measure(|| walk_rc(&build_rc(n, k)));
    // An Rc's block holds the two counts next to the value.
    let rc = TreeCase {
        tree: "heap: `Rc<RcNode>` + `Weak` parent",
        nodes: n,
        node_size: size_of::<RcNode>() + 2 * size_of::<usize>(),
        global,
        walk,
    };
    vec![arena, rc]
}

/// The walk's expected result, computed from the shape alone: ids sum to
/// `n (n - 1) / 2`; node `i`'s depth is the number of steps `i -> (i-1)/k`
/// to 0.
pub fn expected_walk(n: usize, k: usize) -> Walk {
    let mut depth_sum = 0;
    for i in 0..n {
        let mut j = i;
        while j > 0 {
            j = (j - 1) / k;
            depth_sum += 1;
        }
    }
    Walk {
        id_sum: (n as u64) * (n as u64 - 1) / 2,
        depth_sum,
    }
}

/// One row per tree of [`cases`], against the walk the shape predicts
/// ([`expected_walk`]).
pub fn table(cases: &[TreeCase], expected: &Walk, nodes: usize, k: usize) -> kit::Table {
    let mut t = kit::Table::new(
        format!("A tree of {nodes} nodes, {k} children each: built, walked and dropped"),
        &[
            "tree",
            "bytes per node",
            "global allocs",
            "global deallocs",
            "bytes requested",
            "walk agrees with the shape",
        ],
    );
    for c in cases {
        t.row([
            c.tree.to_string(),
            c.node_size.to_string(),
            c.global.allocs.to_string(),
            c.global.deallocs.to_string(),
            c.global.bytes_allocated.to_string(),
            if c.walk == *expected { "yes" } else { "NO" }.to_string(),
        ]);
    }
    t
}
