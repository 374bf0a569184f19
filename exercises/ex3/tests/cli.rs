//! The binary's contract: bad input is one line from clap and exit code 2;
//! `--json` is JSON; a saved report renders without measuring.

const EX3: &str = env!("CARGO_BIN_EXE_ex3");

#[test]
fn bad_input_exits_2_with_one_line() {
    for args in [
        &["versus", "--objects", "0"][..],
        &["versus", "--objects", "999999999999"],
        &["versus", "--runs", "0"],
        &["chunks", "--values", "-3"],
        &["reset", "--rounds", "lots"],
        &["limit", "--bytes", "0"],
        &["no-such-command"],
    ] {
        testkit::assert_usage_error(EX3, args);
    }
}

#[test]
fn json_output_parses_and_a_saved_report_renders() {
    let report: serde_json::Value = testkit::json(
        EX3,
        &["versus", "--objects", "2000", "--runs", "3", "--json"],
    );
    assert_eq!(report["heap"]["global_allocs"], 2000);
    assert!(report["machine"]["cpu"].is_string());
    let text = testkit::render_saved(EX3, &["versus"], &report, &["--markdown"]);
    assert!(text.contains("| allocate"), "{text}");

    for cmd in ["layout", "drops", "limit", "reset", "chunks"] {
        let _: serde_json::Value = testkit::json(EX3, &[cmd, "--json"]);
    }
}

#[test]
fn a_missing_report_is_an_error_not_a_panic() {
    let out = testkit::run(EX3, &["versus", "--from", "/nonexistent/report.json"]);
    testkit::assert_runtime_error(&out, "cannot read report");
}
