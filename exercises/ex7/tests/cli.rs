//! The binaries from the outside: bad input is refused with one line and
//! exit status 2; a small comparison runs, renders from its JSON and draws
//! its charts.

const EX7: &str = env!("CARGO_BIN_EXE_ex7");

#[test]
fn bad_input_exits_2_with_one_error_line() {
    let cases: &[&[&str]] = &[
        &["compare", "--threads", "0"],
        &["compare", "--threads", "65"],
        &["compare", "--threads", "1,x"],
        &["compare", "--allocators", "tcmalloc"],
        &["compare", "--workloads", "nope"],
        &["compare", "--runs", "0"],
        &["compare", "--max-size", "8"],
        &["compare", "--max-size", "99999999999"],
        &["compare", "--max-size", "1048576", "--threads", "16"],
        &["compare", "--work-percent", "0"],
        &["compare", "--svg", "chart", "--json"],
        &["arenas", "--threads", "0"],
        &["run", "--workload", "server", "--threads", "0"],
        &["run", "--workload", "server", "--ops", "0"],
        &[
            "run",
            "--workload",
            "server",
            "--max-size",
            "1048576",
            "--threads",
            "64",
        ],
        &["run", "--threads", "2"],
        &["frobnicate"],
    ];
    for args in cases {
        testkit::assert_usage_error(EX7, args);
    }
    // A sibling with no command prints its usage and exits 2.
    let o = testkit::run(env!("CARGO_BIN_EXE_ex7-untracked"), &[]);
    assert_eq!(o.status.code(), Some(2));
    testkit::assert_usage_error(
        env!("CARGO_BIN_EXE_ex7-jemalloc-untracked"),
        &["run", "--workload", "arenas", "--threads", "1000"],
    );
}

#[test]
fn a_small_comparison_runs_and_renders_from_its_json() {
    let args = [
        "compare",
        "--threads",
        "1,2",
        "--runs",
        "1",
        "--work-percent",
        "1",
        "--quiet",
        "--json",
    ];
    let r: ex7::compare::Report = testkit::json(EX7, &args);
    let n = ex7::allocator::available().len();
    assert_eq!(r.rows.len(), 5 * 2 * n);
    assert!(r.rows.iter().all(|row| row.mops.median > 0.0));
    // One run decides nothing.
    assert!(r.claim.iter().all(|c| matches!(
        c.verdict,
        kit::timing::Verdict::TooFewRuns | kit::timing::Verdict::NoData
    )));
    let md = testkit::render_saved(EX7, &["compare"], &r, &["--markdown"]);
    assert!(md.contains("| threads"), "{md}");
    assert!(md.contains("Verdict on"), "{md}");
    for chart in ["scaling", "rss"] {
        let svg = testkit::render_saved(EX7, &["compare"], &r, &["--svg", chart]);
        assert!(svg.starts_with("<svg"), "{chart}");
    }
}

#[test]
fn the_verdict_is_inconclusive_when_the_interval_straddles_the_claim() {
    use ex7::compare::judge;
    use kit::timing::Verdict;
    assert_eq!(judge(&[0.55, 0.6, 0.62, 0.6, 0.65]).1, Verdict::Holds);
    assert_eq!(judge(&[0.8, 0.9, 1.1, 0.95, 1.0]).1, Verdict::Above);
    assert_eq!(judge(&[0.2, 0.3, 0.25, 0.3, 0.35]).1, Verdict::Below);
    assert_eq!(judge(&[0.5, 0.6, 0.9, 0.95, 0.55]).1, Verdict::Inconclusive);
    // Too few runs decide nothing, however clear they look.
    assert_eq!(judge(&[0.6, 0.6]).1, Verdict::TooFewRuns);
}
