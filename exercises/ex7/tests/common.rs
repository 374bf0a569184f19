//! Helpers the integration tests share (included with `mod common;`).
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs one of the package's binaries with `env` set on a clean allocator
/// environment.
pub fn run(exe: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(exe);
    cmd.args(args)
        // Started by `cargo test`, the parent would otherwise rebuild its
        // siblings with cargo: the test build has already built them.
        .env_remove("CARGO")
        .env_remove("MALLOC_ARENA_MAX")
        .env_remove("_RJEM_MALLOC_CONF")
        .env_remove("MALLOC_CONF");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// Runs `exe args` and parses its JSON, failing with its stderr otherwise.
pub fn json(exe: &str, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let out = run(exe, args, env);
    assert!(
        out.status.success(),
        "{exe} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}
