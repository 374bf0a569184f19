//! The binary's behaviour on bad input (one line on stderr, a non-zero exit,
//! no output presented as complete), and the RSS facts the chapter states,
//! each measured in a fresh process as the chapter's figures are.

use std::path::{Path, PathBuf};
use std::process::Output;

use testkit::{assert_runtime_error, stderr};

const EXE: &str = env!("CARGO_BIN_EXE_ex5");

fn ex5(args: &[&str]) -> Output {
    testkit::run(EXE, args)
}

fn temp(name: &str) -> PathBuf {
    testkit::temp_dir("cli").join(name)
}

#[test]
fn out_of_range_counts_are_usage_errors() {
    for args in [
        &["run", "--records", "0"][..],
        &["run", "--records", "-5"],
        &["run", "--records", "50000001", "--batch", "10"],
        &["run", "--records", "3000000"], // over the unbatched bound
        &["run", "--batch", "0"],
        &["run", "--pipeline", "std", "--arena-limit-mib", "1"],
        &["run", "--pipeline", "nope"],
        &["generate", "--records", "0"],
    ] {
        testkit::assert_usage_error(EXE, args);
    }
}

#[test]
fn runtime_errors_are_one_line_and_exit_1() {
    let missing = temp("does-not-exist.log");
    assert_runtime_error(
        &ex5(&["run", "--input", missing.to_str().unwrap()]),
        "cannot open",
    );

    let bad = temp("bad.log");
    let gen_ok = ex5(&["generate", "--records", "5"]);
    let mut text = String::from_utf8(gen_ok.stdout).unwrap();
    text.push_str("this is not a log line\n");
    text.push_str(&String::from_utf8(ex5(&["generate", "--records", "2"]).stdout).unwrap());
    std::fs::write(&bad, &text).unwrap();
    for pipeline in ["arena", "std"] {
        assert_runtime_error(
            &ex5(&[
                "run",
                "--pipeline",
                pipeline,
                "--input",
                bad.to_str().unwrap(),
            ]),
            "line 6: malformed log line",
        );
        let o = ex5(&[
            "run",
            "--pipeline",
            pipeline,
            "--skip-malformed",
            "--input",
            bad.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let report = String::from_utf8(o.stdout).unwrap();
        assert!(
            report.contains("malformed skipped            1\n"),
            "{report}"
        );
        assert!(report.ends_with("end of report (7 records)\n"), "{report}");
    }

    assert_runtime_error(
        &ex5(&["run", "--records", "100000", "--arena-limit-mib", "1"]),
        "the parse arena reached its limit of 1048576 bytes at line",
    );
}

#[test]
fn a_failed_run_leaves_no_report_file() {
    let out = temp("report.txt");
    let _ = std::fs::remove_file(&out);
    let o = ex5(&[
        "run",
        "--records",
        "100000",
        "--arena-limit-mib",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_runtime_error(&o, "the parse arena reached its limit");
    assert!(!out.exists());
    let mut partial = out.clone().into_os_string();
    partial.push(".partial");
    assert!(!Path::new(&partial).exists());

    let o = ex5(&["run", "--records", "1000", "--out", out.to_str().unwrap()]);
    assert!(o.status.success() && o.stdout.is_empty());
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(report.ends_with("end of report (1000 records)\n"));
}

// ANCHOR: rss_facts
/// What the chapter says about resident memory, on glibc: dropping the
/// parse arena gives its pages back to the kernel at once (its big chunks
/// are their own `mmap`s), while the std pipeline's freed strings stay with
/// the allocator, to be reused by this process but not returned.
#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn dropping_the_parse_arena_returns_its_pages_and_std_keeps_its_strings() {
    let exe = Path::new(EXE);
    let run = |p| ex5::memory::run_in_child(exe, p, 1, 200_000, None).unwrap();
    // Share of what the run had grown by that the drop gave back. Signed:
    // RSS may rise across the drop (a negative share), and a run that did
    // not grow at all has no share to speak of.
    let given_back = |p| {
        let r = run(p);
        let signed = |rss: Option<u64>| i64::try_from(rss.unwrap()).unwrap();
        let start = signed(r.timeline[0].rss);
        let d = r.dropped(ex5::phase_arena::Phase::Parse).unwrap();
        let (before, after) = (signed(d.rss_before), signed(d.rss_after));
        assert!(
            before > start,
            "{p:?}: RSS did not grow ({start} -> {before} B)"
        );
        (before - after) as f64 / (before - start) as f64
    };
    let arena = given_back(ex5::meter::Pipeline::Arena);
    let std = given_back(ex5::meter::Pipeline::Std);
    assert!(
        arena > 0.9,
        "the parse arena's drop returned only {arena:.2}"
    );
    assert!(
        std < 0.6,
        "the std drop returned {std:.2}: glibc returned the strings?"
    );
}
// ANCHOR_END: rss_facts
