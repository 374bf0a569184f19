//! The build script of every exercise that starts measured child processes
//! (their `package.build` points here).
//!
//! One cfg, `jemalloc`, for "this build has jemalloc": the `jemalloc` feature is
//! on AND the target is not Windows MSVC (where jemalloc does not build and the
//! optional dependencies are left out). The code then says `#[cfg(jemalloc)]`
//! instead of repeating both conditions everywhere.
//!
//! It also records the build's features in `EXERCISE_FEATURES`, so that a
//! sibling binary is built with exactly these (`kit::siblings!`).
// ANCHOR: build
fn main() {
    println!("cargo::rustc-check-cfg=cfg(jemalloc)");
    let feature = std::env::var_os("CARGO_FEATURE_JEMALLOC").is_some();
    let msvc = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "msvc");
    if feature && !msvc {
        println!("cargo::rustc-cfg=jemalloc");
    }
    record_features();
}
// ANCHOR_END: build

/// `EXERCISE_FEATURES=dhat-heap,jemalloc`: the features this build has.
fn record_features() {
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| k.strip_prefix("CARGO_FEATURE_").map(str::to_owned))
        .filter(|f| f != "DEFAULT")
        .map(|f| f.to_lowercase().replace('_', "-"))
        .collect();
    features.sort();
    println!("cargo::rustc-env=EXERCISE_FEATURES={}", features.join(","));
}
