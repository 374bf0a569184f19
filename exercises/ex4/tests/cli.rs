//! The binary's contract: bad input is one line from clap and exit code 2;
//! `--json` is JSON; a saved report renders without measuring.

const EX4: &str = env!("CARGO_BIN_EXE_ex4");

#[test]
fn bad_input_exits_2_with_one_line() {
    for args in [
        &["vecs", "--len", "0"][..],
        &["vecs", "--len", "100000000000"],
        &["tree", "--children", "1"],
        &["tree", "--nodes", "many"],
        &["maps", "--distinct", "0"],
        &["bench", "--runs", "0"],
        &["bench", "--nodes", "99999999999"],
        &["no-such-command"],
    ] {
        testkit::assert_usage_error(EX4, args);
    }
}

#[test]
fn json_output_parses_and_a_saved_report_renders() {
    let report: serde_json::Value = testkit::json(
        EX4,
        &[
            "bench", "--runs", "3", "--labels", "1000", "--nodes", "1000", "--json",
        ],
    );
    assert_eq!(report["steps"].as_array().map(|s| s.len()), Some(5));
    assert!(report["machine"]["cpu"].is_string());
    let shown = testkit::render_saved(EX4, &["bench"], &report, &["--markdown"]);
    assert!(shown.contains("| tree: build"), "{shown}");

    for cmd in ["vecs", "strings", "tree", "maps"] {
        let _: serde_json::Value = testkit::json(EX4, &[cmd, "--json"]);
    }
}
