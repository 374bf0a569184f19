//! The false-sharing workload does what chapter 7 says: each thread frees
//! the object it was given *before* it allocates its own, so an allocator
//! whose thread cache hands back the block just freed (glibc's tcache and
//! jemalloc's both do, for a block of the same size class) gives every
//! thread the main thread's block again. The addresses compared are of
//! blocks live at the same time.

const THREADS: u32 = 4;

fn sharing(exe: &str) -> serde_json::Value {
    let args = [
        "run",
        "--workload",
        "false-sharing",
        "--threads",
        &THREADS.to_string(),
        "--ops",
        "100",
        "--json",
    ];
    let v = testkit::json::<serde_json::Value>(exe, &args);
    v["sharing"].clone()
}

/// Every thread's first own object is the block it was given: the free came
/// first, and the cache returned it. Its writes then stay on the lines the
/// given objects shared.
fn handed_back(exe: &str) {
    let s = sharing(exe);
    assert_eq!(
        s["reused"].as_u64(),
        Some(THREADS as u64),
        "each thread got back the block it had just freed: {s}"
    );
    assert_eq!(s["own"], s["given"], "the same blocks, the same lines: {s}");
}

#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_hands_back_the_block_just_freed() {
    handed_back(env!("CARGO_BIN_EXE_ex7-untracked"));
}

#[test]
#[cfg(jemalloc)] // this build has jemalloc (see kit/build/exercise.rs)
fn jemalloc_hands_back_the_block_just_freed() {
    handed_back(env!("CARGO_BIN_EXE_ex7-jemalloc-untracked"));
}
