//! The tracker and dhat must see the same workload the same way.
//!
//! Two processes, because a process has one global allocator: the `ex1`
//! binary runs the workload under the tracker and prints its counts; this test
//! runs the same workload under `dhat::Alloc`. dhat counts each realloc as a
//! new block, so its `total_blocks` must equal allocs + reallocs, and its
//! `total_bytes` the tracker's bytes requested (which include realloc sizes).

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    let tracker: serde_json::Value =
        testkit::json(env!("CARGO_BIN_EXE_ex1"), &["workload", "--json"]);
    let stats = &tracker["stats"];
    // Built with `dhat-heap` (`--all-features`, say), the ex1 binary has no
    // tracker and counts zero: nothing to compare, and that is a failure, not
    // a pass. Run this test without the feature.
    assert_ne!(
        stats["allocs"], 0,
        "the ex1 binary counted nothing: it was built with dhat-heap, so this test \
         cannot compare the tracker with dhat (run it without --features dhat-heap)"
    );

    // ANCHOR: compare
    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    let checksum = ex1::workload::run();
    let after = dhat::HeapStats::get();

    assert_eq!(
        tracker["checksum"], checksum,
        "both processes ran the same workload"
    );
    let blocks = after.total_blocks - before.total_blocks;
    let bytes = after.total_bytes - before.total_bytes;
    let tracker_blocks = stats["allocs"].as_u64().unwrap() + stats["reallocs"].as_u64().unwrap();
    assert_eq!(
        blocks, tracker_blocks,
        "dhat blocks = tracker allocs + reallocs"
    );
    assert_eq!(
        bytes,
        stats["bytes_allocated"].as_u64().unwrap(),
        "dhat bytes = tracker bytes"
    );
    // ANCHOR_END: compare
    assert!(blocks > 300, "the workload allocates ({blocks} blocks)");
    println!("dhat_agrees: ok: {blocks} blocks, {bytes} bytes seen by both");
    println!("1 passed, 0 failed");
}
