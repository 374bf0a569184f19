//! The binary's contract: bad input is one line from clap and exit code 2;
//! `--json` is JSON; a saved report renders without measuring.

use std::process::Command;

fn ex4(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ex4"))
        .args(args)
        .output()
        .expect("the ex4 binary runs")
}

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
        kit::testing::assert_usage_error(env!("CARGO_BIN_EXE_ex4"), args);
    }
}

#[test]
fn json_output_parses_and_a_saved_report_renders() {
    let out = ex4(&[
        "bench", "--runs", "3", "--labels", "1000", "--nodes", "1000", "--json",
    ]);
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["steps"].as_array().map(|s| s.len()), Some(5));
    assert!(report["machine"]["cpu"].is_string());

    let path = std::env::temp_dir().join(format!("ex4-bench-{}.json", std::process::id()));
    std::fs::write(&path, &out.stdout).unwrap();
    let shown = ex4(&["bench", "--from", path.to_str().unwrap(), "--markdown"]);
    std::fs::remove_file(&path).ok();
    assert!(shown.status.success());
    assert!(String::from_utf8_lossy(&shown.stdout).contains("| tree: build"));

    for cmd in ["vecs", "strings", "tree", "maps"] {
        let out = ex4(&[cmd, "--json"]);
        assert!(out.status.success(), "{cmd}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("valid JSON");
    }
}
