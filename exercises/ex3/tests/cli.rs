//! The binary's contract: bad input is one line from clap and exit code 2;
//! `--json` is JSON; a saved report renders without measuring.

use std::process::Command;

fn ex3(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ex3"))
        .args(args)
        .output()
        .expect("the ex3 binary runs")
}

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
        kit::testing::assert_usage_error(env!("CARGO_BIN_EXE_ex3"), args);
    }
}

#[test]
fn json_output_parses_and_a_saved_report_renders() {
    let out = ex3(&["versus", "--objects", "2000", "--runs", "3", "--json"]);
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["heap"]["global_allocs"], 2000);
    assert!(report["machine"]["cpu"].is_string());

    let path = std::env::temp_dir().join(format!("ex3-versus-{}.json", std::process::id()));
    std::fs::write(&path, &out.stdout).unwrap();
    let shown = ex3(&["versus", "--from", path.to_str().unwrap(), "--markdown"]);
    std::fs::remove_file(&path).ok();
    assert!(shown.status.success());
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("| allocate"), "{text}");

    for cmd in ["layout", "drops", "limit", "reset", "chunks"] {
        let out = ex3(&[cmd, "--json"]);
        assert!(out.status.success(), "{cmd}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("valid JSON");
    }
}

#[test]
fn a_missing_report_is_an_error_not_a_panic() {
    let out = ex3(&["versus", "--from", "/nonexistent/report.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
