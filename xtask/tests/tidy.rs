//! Tidy: the xtask's own layout, checked as a test. Its modules import each
//! other without a cycle: each `crate::NAME` a file under `src/` names is an
//! edge from the file's top-level module (`book/html.rs` is part of `book`)
//! to `NAME`, and the graph must have no cycle, so that each module can be
//! read, and tested, on top of the ones below it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → the modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level modules `text` names as `crate::NAME` or
/// `crate::{NAME, NAME::…}`.
fn uses(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        // `$crate::` and names ending in `crate` are not this crate's root.
        if text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            out.insert(ident(rest));
            continue;
        };
        // The group's top-level items: split on commas outside braces.
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    out.insert(ident(&group[start..i]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.insert(ident(&group[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
    }
    out.remove("");
    out
}

/// The module graph of the crate whose sources are in `src` (the crate
/// roots, `lib.rs` and `main.rs`, are not modules of it).
fn graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    let mut todo = vec![src.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let inner = path.strip_prefix(src).unwrap();
            let top = inner.components().next().unwrap().as_os_str();
            let module = top.to_string_lossy().trim_end_matches(".rs").to_string();
            if inner.components().count() == 1 && (module == "lib" || module == "main") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let names = graph.entry(module.clone()).or_default();
            names.extend(uses(&text).into_iter().filter(|n| *n != module));
        }
    }
    graph
}

/// A cycle in `graph`, as the modules along it (the first one again at
/// the end), if there is one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    /// Depth-first from `node`, with `path` the modules on the way to it.
    fn visit(
        graph: &Graph,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(graph, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(graph, node, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_import_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    assert!(graph.contains_key("util") && graph.contains_key("book"));
    assert!(graph["book"].contains("tasks"), "a submodule's uses count");
    if let Some(found) = cycle(&graph) {
        panic!(
            "the xtask's modules import in a cycle: {}",
            found.join(" → ")
        );
    }
}

#[test]
fn uses_are_read_from_paths_and_groups() {
    let text = "use crate::util::{self, Result};\nuse crate::{manifest::Manifest, tasks};\n\
                let x = crate::quiz::file_name(f);\n$crate::no::none; notcrate::no";
    let got: Vec<String> = uses(text).into_iter().collect();
    assert_eq!(got, ["manifest", "quiz", "tasks", "util"]);
}

#[test]
fn a_cycle_is_found_and_named() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (from, to) in edges {
            g.entry(from.to_string())
                .or_default()
                .insert(to.to_string());
            g.entry(to.to_string()).or_default();
        }
        g
    };
    let acyclic = graph(&[("book", "tasks"), ("generate", "tasks"), ("tasks", "util")]);
    assert_eq!(cycle(&acyclic), None);
    let cyclic = graph(&[
        ("book", "checks"),
        ("checks", "generate"),
        ("generate", "book"),
    ]);
    assert_eq!(
        cycle(&cyclic).unwrap(),
        ["book", "checks", "generate", "book"]
    );
}
