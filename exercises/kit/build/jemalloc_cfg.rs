//! The build script of every exercise with a `jemalloc` feature (ex2, ex6,
//! ex7, ex9: their `package.build` points here).
//!
//! One cfg, `jemalloc`, for "this build has jemalloc": the `jemalloc` feature is
//! on AND the target is not Windows MSVC (where jemalloc does not build and the
//! optional dependencies are left out). The code then says `#[cfg(jemalloc)]`
//! instead of repeating both conditions everywhere.
// ANCHOR: build
fn main() {
    println!("cargo::rustc-check-cfg=cfg(jemalloc)");
    let feature = std::env::var_os("CARGO_FEATURE_JEMALLOC").is_some();
    let msvc = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "msvc");
    if feature && !msvc {
        println!("cargo::rustc-cfg=jemalloc");
    }
}
// ANCHOR_END: build
