//! The binary's contract: `--help` works; bad input is one `error:` line from
//! clap and exit code 2, never a panic; `--json` is JSON; a saved report
//! renders without measuring, and a missing one is a one-line error.

const EX1: &str = env!("CARGO_BIN_EXE_ex1");

fn ex1(args: &[&str]) -> std::process::Output {
    testkit::run(EX1, args)
}

#[test]
fn help_works_for_every_command() {
    for args in [
        &["--help"][..],
        &["growth", "--help"],
        &["strings", "--help"],
        &["overhead", "--help"],
        &["workload", "--help"],
    ] {
        let out = ex1(args);
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn bad_input_exits_2_with_one_error_line() {
    for args in [
        &["overhead", "--threads", "0"][..],
        &["overhead", "--threads", "65"],
        &["overhead", "--threads", "two"],
        &["overhead", "--iters", "0"],
        &["overhead", "--iters", "999999999999"],
        &["overhead", "--runs", "0"],
        &["overhead", "--only", "tcmalloc"],
        &["growth", "--svg", "--json"],
        &["growth", "--json", "--markdown"],
        &["no-such-command"],
    ] {
        testkit::assert_usage_error(EX1, args);
    }
}

#[test]
fn json_parses_and_a_saved_report_renders() {
    let report: serde_json::Value = testkit::json(
        EX1,
        &[
            "overhead",
            "--threads",
            "1",
            "--runs",
            "1",
            "--iters",
            "1000",
            "--json",
        ],
    );
    assert_eq!(report["threads"][0]["threads"], 1);
    assert!(report["threads"][0]["tracking_ratio"].is_f64());
    let shown = testkit::render_saved(EX1, &["overhead"], &report, &["--markdown"]);
    assert!(shown.contains("| threads |"), "{shown}");
}

#[test]
fn a_missing_report_is_one_line_and_exit_1() {
    let out = ex1(&["overhead", "--from", "no/such/report.json"]);
    testkit::assert_runtime_error(&out, "error: cannot read report");
}
