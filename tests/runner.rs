//! The runner's command line: a bad exercise number is a one-line error with
//! exit code 2 that lists the valid choices. (Running the exercises themselves
//! is what `cargo run --release` does; their own tests cover them.)

use std::process::Command;

fn runner(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_allocators-in-rust"))
        .args(args)
        .output()
        .expect("start the runner")
}

#[test]
fn out_of_range_or_not_a_number_exits_2_listing_the_choices() {
    for bad in ["0", "x", "10", "12"] {
        let out = runner(&[bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.starts_with("error:") && first.contains("1, 2, 3, 4, 5, 6, 7, 8, 9"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn help_lists_the_exercise_argument() {
    let out = runner(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("[EXERCISE]"));
}
