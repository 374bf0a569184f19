//! Records the compiler version so labelled timing runs can say what built them.
fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if let Ok(out) = std::process::Command::new(rustc).arg("--version").output()
        && let Ok(v) = String::from_utf8(out.stdout)
    {
        println!("cargo:rustc-env=KIT_RUSTC_VERSION={}", v.trim());
    }
    println!("cargo:rerun-if-env-changed=RUSTC");
}
