//! Bad input: one line of error, exit status 2 (usage) or 1 (a report that
//! cannot be read); and the default command.

use testkit::{assert_runtime_error, assert_usage_error, json, run};

const EX8: &str = env!("CARGO_BIN_EXE_ex8");

#[test]
fn bad_options_are_usage_errors() {
    assert_usage_error(EX8, &["job", "--records", "0"]);
    assert_usage_error(EX8, &["job", "--records", "1000001"]);
    assert_usage_error(EX8, &["tally", "clever"]);
    assert_usage_error(EX8, &["fix", "--runs", "0"]);
    assert_usage_error(EX8, &["shootout", "--flame", "--json"]);
    assert_usage_error(EX8, &["shootout", "--runs", "0"]);
    // Four times the records must stay within the job's bound.
    assert_usage_error(EX8, &["shootout", "--records", "250001"]);
    // Only allocator variables are passed to children, each as NAME=VALUE.
    assert_usage_error(EX8, &["fix", "--child-env", "PATH=/"]);
    assert_usage_error(EX8, &["fix", "--child-env", "MALLOC_ARENA_MAX"]);
    assert_usage_error(EX8, &["frobnicate"]);
}

#[test]
fn a_missing_report_is_a_runtime_error() {
    for cmd in ["fix", "shootout"] {
        let out = run(EX8, &[cmd, "--from", "/nonexistent/report.json"]);
        assert_runtime_error(&out, "cannot read report");
    }
}

#[test]
fn the_default_command_shows_the_counts_and_budgets() {
    let out = run(EX8, &[]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("naive"), "{text}");
    // The fixed tally holds both budgets, the naive one neither.
    assert_eq!(text.matches("held").count(), 2, "{text}");
    assert_eq!(text.matches("exceeded").count(), 2, "{text}");
}

#[test]
fn the_job_counts_match_its_dhat_totals() {
    let v: serde_json::Value = json(EX8, &["job", "--records", "500", "--json"]);
    let s = &v["stats"];
    assert_eq!(
        v["dhat_blocks"].as_u64(),
        Some(s["allocs"].as_u64().unwrap() + s["reallocs"].as_u64().unwrap())
    );
    // Everything the job allocated, it freed.
    assert_eq!(s["live_bytes"].as_i64(), Some(0));
}
