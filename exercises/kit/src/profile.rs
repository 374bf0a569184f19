//! The `dhat-heap` feature: swap the global allocator for `dhat::Alloc` and
//! write a heap profile the dhat viewer opens.
//!
//! Every exercise declares its allocator with [`global_allocator!`]; built
//! normally it gets the allocator the chapter is about, built with
//! `--features dhat-heap` it gets dhat's. Its `main` starts with
//! `let _profile = kit::profile::start("exN");`, which does nothing in a normal
//! build and, under dhat, writes `target/dhat/dhat-heap-exN.json` when `main`
//! returns (dhat writes its file when the profiler drops, so a
//! `std::process::exit` skips it).

/// Declares the process's global allocator: `$alloc` normally, `dhat::Alloc`
/// when the calling crate is built with its `dhat-heap` feature.
///
/// ```
/// // In an exercise's main.rs (here with the plain system allocator):
/// kit::global_allocator!(std::alloc::System = std::alloc::System);
/// # fn main() {}
/// ```
// ANCHOR: global_allocator
#[macro_export]
macro_rules! global_allocator {
    ($ty:ty = $init:expr) => {
        #[cfg(not(feature = "dhat-heap"))]
        #[global_allocator]
        static GLOBAL: $ty = $init;

        #[cfg(feature = "dhat-heap")]
        #[global_allocator]
        static GLOBAL: $crate::dhat::Alloc = $crate::dhat::Alloc;
    };
}
// ANCHOR_END: global_allocator

/// True when this build profiles the heap with dhat.
pub const DHAT: bool = cfg!(feature = "dhat-heap");

/// The cargo flags that build a sibling binary the way this one was built:
/// `--features dhat-heap` under dhat, none otherwise (for
/// [`crate::child::build_siblings_under_cargo`]).
pub fn feature_args() -> &'static [&'static str] {
    if DHAT {
        &["--features", "dhat-heap"]
    } else {
        &[]
    }
}

/// Where profiles go: `$DHAT_OUT_DIR` if set, else `target/dhat` under the
/// current directory (the workspace root when run with `cargo run`).
pub fn out_dir() -> std::path::PathBuf {
    std::env::var_os("DHAT_OUT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new("target").join("dhat"))
}

/// A running heap profile; writes its file and says how to open it on drop.
#[derive(Debug)]
pub struct Profile {
    #[cfg(feature = "dhat-heap")]
    profiler: Option<dhat::Profiler>,
    #[cfg(feature = "dhat-heap")]
    path: std::path::PathBuf,
    #[cfg(feature = "dhat-heap")]
    crate_name: String,
}

// ANCHOR: start
/// Starts the dhat profiler if this is a `dhat-heap` build; otherwise a no-op.
/// (It also makes a task not written yet, in a starter copy, a one-line
/// error: [`crate::report::explain_unwritten_tasks`].)
pub fn start(crate_name: &str) -> Profile {
    crate::report::explain_unwritten_tasks();
    #[cfg(feature = "dhat-heap")]
    {
        let dir = out_dir();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("warning: cannot create {}: {e}", dir.display());
        }
        let path = dir.join(format!("dhat-heap-{crate_name}.json"));
        // Everything the profile itself needs is allocated before it starts.
        let crate_name = crate_name.to_string();
        eprintln!("dhat: profiling the heap; timings in this build are meaningless");
        let profiler = dhat::Profiler::builder().file_name(&path).build();
        Profile {
            profiler: Some(profiler),
            path,
            crate_name,
        }
    }
    #[cfg(not(feature = "dhat-heap"))]
    {
        let _ = crate_name;
        Profile {}
    }
}
// ANCHOR_END: start

// ANCHOR: drop
impl Drop for Profile {
    fn drop(&mut self) {
        #[cfg(feature = "dhat-heap")]
        {
            // Dropping the profiler writes the JSON file.
            drop(self.profiler.take());
            eprintln!(
                "dhat: open {} in the dhat viewer: `cargo xtask view {}` profiles and serves \
                 it in one step; or open valgrind's dh_view.html (Debian: \
                 file:///usr/libexec/valgrind/dh_view.html) and \"Load…\" the file",
                self.path.display(),
                self.crate_name
            );
        }
    }
}
// ANCHOR_END: drop
