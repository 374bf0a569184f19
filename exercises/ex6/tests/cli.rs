//! The binaries from the outside: bad input is refused with one line and
//! exit status 2, and the parent's side-by-side results hold the facts the
//! chapter states: the same report from all four strategies, the same
//! allocation counts under the three global allocators, and a tiny count for
//! the arena.

use ex6::Strategy;
use testkit::{run, stderr};

const EX6: &str = env!("CARGO_BIN_EXE_ex6");

#[test]
fn bad_input_exits_2_with_one_error_line() {
    let cases: &[&[&str]] = &[
        &["compare", "--records", "0"],
        &["compare", "--records", "2000001"],
        &["compare", "--records", "-5"],
        &["compare", "--batch", "0"],
        &["compare", "--batch", "100001"],
        &["compare", "--runs", "0"],
        &["compare", "--runs", "52"],
        &["compare", "--strategies", "tcmalloc"],
        &["compare", "--svg", "--json"],
        &["counts", "--records", "99999999999"],
        &["run", "--records", "20000001"],
        &["run", "--strategy", "jemalloc"],
        &["run", "--strategy", "mimalloc"],
        &["nonsense"],
    ];
    for args in cases {
        testkit::assert_usage_error(EX6, args);
    }
    // The siblings run only their own strategy.
    let sibling = run(
        env!("CARGO_BIN_EXE_ex6-jemalloc"),
        &["run", "--strategy", "arena"],
    );
    assert_eq!(sibling.status.code(), Some(2), "{}", stderr(&sibling));
    assert_eq!(
        run(env!("CARGO_BIN_EXE_ex6-jemalloc"), &[]).status.code(),
        Some(2)
    );
}

#[test]
fn a_missing_input_file_is_one_line_and_exit_1() {
    let o = run(
        EX6,
        &["run", "--input", "/nonexistent/ex6/access.log", "--json"],
    );
    testkit::assert_runtime_error(&o, "error: cannot open");
}

// ANCHOR: facts
#[test]
fn every_strategy_one_report_and_the_counts_the_chapter_states() {
    let args = ["counts", "--records", "20000", "--batch", "500", "--json"];
    let r: ex6::Report = testkit::json(EX6, &args);
    assert_eq!(r.plan.strategies, Strategy::available());
    assert!(r.same_output, "the strategies' reports differ");
    assert!(r.counts_agree);
    let allocs = |s: Strategy| r.row(s).map(|row| row.counts.allocs + row.counts.reallocs);
    let system = allocs(Strategy::System).expect("System always runs");
    // The same program under another global allocator asks for exactly the
    // same allocations: the allocator serves requests, it does not make them.
    for s in [Strategy::Jemalloc, Strategy::Mimalloc] {
        if s.is_available() {
            assert_eq!(allocs(s), Some(system), "{s}");
        }
    }
    // `system` and `borrowed` differ only in copying: exactly seven more
    // allocations per record (one per `String` field), nothing else. The
    // arena makes a few chunks and grows its reused buffers, whatever
    // allocator serves them.
    let borrowed = allocs(Strategy::Borrowed).expect("borrowed always runs");
    assert_eq!(
        system - borrowed,
        7 * 20_000,
        "borrowed {borrowed}, System {system}"
    );
    assert!(
        borrowed * 100 < system,
        "borrowed {borrowed}, System {system}"
    );
    let arena = allocs(Strategy::Arena).expect("the arena always runs");
    assert!(arena * 1000 < system, "arena {arena}, System {system}");
    for s in [Strategy::ArenaJemalloc, Strategy::ArenaMimalloc] {
        if s.is_available() {
            assert_eq!(allocs(s), Some(arena), "{s}");
        }
    }
    // Counting only: one tracked run per strategy, no timed ones.
    assert_eq!(r.samples.len(), r.plan.strategies.len());
    assert!(r.samples.iter().all(|s| s.tracked));
    for sample in &r.samples {
        assert_eq!(sample.records, 20_000);
        assert_eq!(sample.batches, 40);
    }
}
// ANCHOR_END: facts

#[test]
fn a_saved_comparison_renders_as_tables_and_a_chart() {
    let saved: serde_json::Value = testkit::json(
        EX6,
        &["compare", "--runs", "2", "--records", "3000", "--json"],
    );
    let r: ex6::Report = serde_json::from_value(saved.clone()).expect("a report");
    let n = Strategy::available().len();
    // Two timed runs of every strategy, then one tracked run each.
    assert_eq!(r.samples.len(), 3 * n);
    assert_eq!(r.samples.iter().filter(|s| s.tracked).count(), n);
    // The order rotates: run 1 starts with the strategy run 0 had second.
    assert_eq!(r.samples[n].strategy, r.samples[1].strategy);
    assert_eq!(
        r.row(Strategy::System).unwrap().speedup.unwrap().median,
        1.0
    );

    let md = testkit::render_saved(EX6, &["compare"], &saved, &["--markdown"]);
    assert!(md.contains("| strategy"), "{md}");
    assert!(md.contains("5–20x"), "{md}");
    let svg = testkit::render_saved(EX6, &["compare"], &saved, &["--svg"]);
    assert!(svg.starts_with("<svg") && svg.contains("arena"), "{svg}");
}
