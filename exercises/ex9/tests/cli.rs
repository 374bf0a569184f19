//! The binaries from the outside: bad input is refused with one line and
//! exit status 2; the deterministic tables hold their facts; a tiny
//! comparison runs every allocator in its own process and renders from its
//! JSON.

use testkit::{assert_runtime_error, assert_usage_error, render_saved, run};

const EX9: &str = env!("CARGO_BIN_EXE_ex9");

/// What `ex9 args` printed, parsed.
fn json(args: &[&str]) -> serde_json::Value {
    testkit::json(EX9, args)
}

#[test]
fn bad_input_exits_2_with_one_error_line() {
    let cases: &[&[&str]] = &[
        &["compare", "--threads", "0"],
        &["compare", "--threads", "17"],
        &["compare", "--runs", "0"],
        &["compare", "--allocators", "tcmalloc"],
        &["compare", "--frag-ops", "0"],
        &["compare", "--churn-iters", "10"],
        &["run", "--workload", "nope"],
        &["run", "--workload", "frag", "--ops", "0"],
        &["run", "--threads", "2"],
        &["churn", "--allocator", "pool", "--iters", "0"],
        &["requests", "--units", "0"],
        &["frobnicate"],
    ];
    for args in cases {
        assert_usage_error(EX9, args);
    }
    assert_usage_error(env!("CARGO_BIN_EXE_ex9-untracked"), &["run"]);
}

#[test]
fn the_pool_demo_shows_order_null_and_reuse() {
    let out = run(EX9, &["steps"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("0, 1, 2, 3, 4, 5, 6, 7"), "{text}");
    assert!(text.contains("5, 2"), "{text}");
    assert!(text.contains("none: upstream (System)"), "{text}");
}

#[test]
fn rounding_costs_ex9_more_than_jemalloc_on_every_set_of_requests() {
    let rows = json(&["classes", "--json"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        let n = |k: &str| r[k].as_u64().unwrap();
        assert!(n("count") > 0);
        assert!(n("ex9_bytes") >= n("requested_bytes"));
        assert!(n("ex9_bytes") > n("jemalloc_bytes"), "{r}");
    }
}

#[test]
fn the_tracker_counts_the_requests_made_to_the_final_step() {
    let a = json(&["requests", "--units", "50", "--json"]);
    let b = json(&["requests", "--units", "50", "--json"]);
    assert_eq!(a, b, "the same requests, the same counts");
    let r = &a["requests"];
    assert!(r["allocs"].as_u64().unwrap() > 1000);
    assert_eq!(
        r["allocs"], r["deallocs"],
        "every request frees what it allocates"
    );
    assert!(a["dhat_blocks"].as_u64().unwrap() >= r["allocs"].as_u64().unwrap());
}

#[test]
fn a_tiny_comparison_runs_every_allocator_and_renders_from_its_json() {
    let report = json(&[
        "compare",
        "--runs",
        "1",
        "--threads",
        "2",
        "--requests",
        "20",
        "--server-ops",
        "300",
        "--frag-ops",
        "300",
        "--churn-iters",
        "1000",
        "--json",
    ]);
    let work = report["work"].as_array().unwrap();
    // requests, server, frag for each allocator in its own process.
    let globals = report["churn"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["pattern"] == "same")
        .count();
    assert!(globals >= 4, "every step and System at least");
    assert!(work.iter().all(|w| w["same_checksum"] == true));
    let frag: Vec<_> = work
        .iter()
        .filter(|w| w["job"]["workload"] == "frag")
        .collect();
    assert!(frag.len() >= 2);
    // The same work under every allocator: the same live bytes.
    assert!(
        frag.windows(2)
            .all(|w| w[0]["live_bytes"] == w[1]["live_bytes"])
    );
    let md = render_saved(EX9, &["compare"], &report, &["--markdown"]);
    assert!(md.contains("| ex9 step 3: thread cache |"), "{md}");
    assert!(md.contains("held / live"), "{md}");
}

#[test]
fn a_missing_report_is_a_runtime_error() {
    let out = run(EX9, &["compare", "--from", "/nonexistent/report.json"]);
    assert_runtime_error(&out, "cannot read report");
}
