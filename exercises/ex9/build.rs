//! One cfg, `jemalloc`, for "this build has jemalloc": the `jemalloc` feature
//! is on AND the target is not Windows MSVC (where jemalloc does not build and
//! its dependency is left out). The code then says `#[cfg(jemalloc)]`.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(jemalloc)");
    let feature = std::env::var_os("CARGO_FEATURE_JEMALLOC").is_some();
    let msvc = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "msvc");
    if feature && !msvc {
        println!("cargo::rustc-cfg=jemalloc");
    }
}
