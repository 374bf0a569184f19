//! The binaries from the outside: bad input is refused with clap's error and
//! exit status 2 (never a panic, never a long run), and the parent's
//! side-by-side results hold the facts the chapter states.

const EX2: &str = env!("CARGO_BIN_EXE_ex2");

#[test]
fn bad_input_exits_2_with_an_error_line() {
    for args in [
        &["bench", "--threads", "0"][..],
        &["bench", "--threads", "65"],
        &["bench", "--runs", "0"],
        &["bench", "--units", "99999999999"],
        &["bench", "--allocators", "tcmalloc"],
        &["frag", "--cycles", "0"],
        &["frag", "--cycles", "4000000000"],
        &["frag", "--samples", "0"],
        &["conf", "--burst-mib", "1000000"],
        &["conf", "--waits-ms", "99999999"],
        &["counts", "--units", "0"],
        &["workload", "--units", "1000000000000"],
        &["--check", "facts"],
        &[
            "child",
            "bench",
            "--threads",
            "0",
            "--units",
            "1",
            "--seed",
            "1",
        ],
        &["nonsense"],
    ] {
        testkit::assert_usage_error(EX2, args);
    }
}

#[test]
fn the_system_binary_only_takes_child_jobs() {
    let out = testkit::run(env!("CARGO_BIN_EXE_ex2-system"), &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn same_seeded_work_same_counts_under_both_allocators() {
    let rows: serde_json::Value = testkit::json(
        EX2,
        &["counts", "--threads", "1,2", "--units", "500", "--json"],
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let per = row["per_allocator"].as_array().unwrap();
        let expected = if cfg!(jemalloc) { 2 } else { 1 };
        assert_eq!(per.len(), expected, "{row}");
        // Every allocator's process counted exactly the same calls and bytes.
        for pair in per.windows(2) {
            assert_eq!(pair[0][1], pair[1][1], "{row}");
        }
        assert!(per[0][1]["allocs"].as_u64().unwrap() > 500 * 20);
        assert_eq!(row["agree"], true);
    }
}

#[test]
fn each_process_is_served_by_the_allocator_it_declares() {
    let f: ex2::compare::Facts = testkit::json(EX2, &["facts", "--json"]);
    let expected = if cfg!(jemalloc) {
        ex2::Allocator::Jemalloc
    } else {
        ex2::Allocator::System
    };
    assert_eq!(f.this_process.serving(), expected, "{f:?}");
    assert_eq!(
        f.system_child.expect("the system child ran").serving(),
        ex2::Allocator::System
    );
    if cfg!(jemalloc) {
        // jemalloc counted the 5000-byte probe at its size class, 5120.
        assert_eq!(f.this_process.jemalloc_thread_allocated, Some(5120));
        assert_eq!(f.system_child.unwrap().jemalloc_thread_allocated, Some(0));
    }
}

#[test]
fn fragmentation_live_bytes_are_the_same_under_both_allocators() {
    let r: ex2::frag::Report =
        testkit::json(EX2, &["frag", "--cycles", "80", "--samples", "8", "--json"]);
    assert!(r.counts_agree);
    let first = &r.runs[0];
    for run in &r.runs {
        assert_eq!(run.evidence.serving(), run.allocator);
        // What the program holds is a function of the seed, not the allocator.
        let live = |p: &[ex2::frag::Point]| p.iter().map(|x| x.live).collect::<Vec<_>>();
        assert_eq!(live(&run.series), live(&first.series));
        assert_eq!(run.drained.live, first.drained.live);
        assert_eq!(run.series.len(), 8);
    }
    // After draining only survivors are held: less than at the busiest point.
    let busiest = first.series.iter().map(|p| p.live).max().unwrap();
    assert!(first.drained.live < busiest);
}
