//! A fixed, deterministic workload: the same allocations in the same order on
//! every run. The test `dhat_agrees` runs it under the tracker (in the `ex1`
//! binary) and under dhat (in its own process) and checks both saw the same.

use std::collections::HashMap;
use std::hint::black_box;

/// A singly linked list node: one `Box` per element.
struct Node {
    value: u64,
    next: Option<Box<Node>>,
}

// ANCHOR: workload
/// Vec growth, strings, a map and a boxed list; returns a checksum so the
/// optimiser cannot remove any of it.
pub fn run() -> u64 {
    let mut sum = 0u64;
    let mut v = Vec::new();
    for i in 0..1000u64 {
        v.push(i);
    }
    sum += v.iter().sum::<u64>();

    let words: Vec<String> = (0..200).map(|i| format!("word-{i}")).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in words.iter().chain(words.iter().take(50)) {
        *counts.entry(w.as_str()).or_default() += 1;
    }
    sum += counts.values().sum::<usize>() as u64;

    let mut list: Option<Box<Node>> = None;
    for value in 0..100u64 {
        list = Some(Box::new(Node { value, next: list }));
    }
    let mut node = list.as_deref();
    while let Some(n) = node {
        sum += n.value;
        node = n.next.as_deref();
    }

    let mut text = String::new();
    for w in &words {
        text.push_str(w);
        text.push(' ');
    }
    text.shrink_to_fit();
    sum + black_box(text).len() as u64
}
// ANCHOR_END: workload

/// The tracker's counters for [`run`], one a row.
pub fn table(stats: &crate::Stats) -> kit::Table {
    let mut t = kit::Table::new("The fixed workload", &["counter", "value"]);
    t.row(["allocs".to_string(), stats.allocs.to_string()]);
    t.row(["reallocs".to_string(), stats.reallocs.to_string()]);
    t.row(["deallocs".to_string(), stats.deallocs.to_string()]);
    t.row([
        "bytes requested".to_string(),
        stats.bytes_allocated.to_string(),
    ]);
    t.row([
        "peak live bytes".to_string(),
        stats.peak_live_bytes.to_string(),
    ]);
    t.row([
        "blocks as dhat counts them".to_string(),
        stats.dhat_blocks().to_string(),
    ]);
    t
}
