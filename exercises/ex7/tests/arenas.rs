//! The allocators' own view, from processes running the arenas workload:
//! with N threads alive at once glibc serves them from more than one arena
//! (one more per thread, up to 8 x cores), `MALLOC_ARENA_MAX=2` caps that,
//! and jemalloc honours `narenas`.

use ex7::view::count_heaps;

const THREADS: u32 = 4;

fn alive_view(exe: &str, env: &[(&str, &str)]) -> serde_json::Value {
    let args = [
        "run",
        "--workload",
        "arenas",
        "--threads",
        &THREADS.to_string(),
        "--ops",
        "100",
        "--json",
    ];
    let v = kit::testing::json_with::<serde_json::Value>(exe, &args, env);
    v["alive"]["view"].clone()
}

#[test]
fn counts_heap_elements_of_a_malloc_info_report() {
    let xml = b"<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n</sizes>\n<total type=\"fast\" count=\"0\" size=\"0\"/>\n</heap>\n<heap nr=\"1\">\n</heap>\n<heap nr=\"2\">\n</heap>\n<total type=\"fast\" count=\"0\" size=\"0\"/>\n</malloc>\n";
    assert_eq!(count_heaps(xml), 3);
    assert_eq!(count_heaps(b"<malloc version=\"1\">\n</malloc>\n"), 0);
    assert_eq!(count_heaps(b"<heap nr="), 1);
    assert_eq!(count_heaps(b"<heap nr"), 0);
}

// ANCHOR: facts
#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_gives_each_thread_an_arena_and_malloc_arena_max_caps_them() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let exe = env!("CARGO_BIN_EXE_ex7-untracked");
    let free = alive_view(exe, &[])["glibc_arenas"]
        .as_u64()
        .expect("glibc arenas");
    // The main thread's arena and one per worker, up to glibc's limit.
    assert_eq!(
        free,
        (1 + THREADS as u64).min(8 * cores),
        "arenas with {THREADS} threads alive"
    );
    assert!(free > 1);
    let capped = alive_view(exe, &[("MALLOC_ARENA_MAX", "2")])["glibc_arenas"]
        .as_u64()
        .expect("glibc arenas");
    assert_eq!(capped, 2, "MALLOC_ARENA_MAX=2");
}

#[test]
#[cfg(jemalloc)] // this build has jemalloc (see build.rs)
fn jemalloc_honours_narenas() {
    let exe = env!("CARGO_BIN_EXE_ex7-jemalloc-untracked");
    let v = alive_view(exe, &[("_RJEM_MALLOC_CONF", "narenas:2")]);
    // jemalloc 5.3 adds one arena of its own for huge allocations.
    assert_eq!(v["jemalloc_narenas"].as_u64(), Some(3), "{v}");
    // Five threads (main and four workers) share the two.
    assert_eq!(v["jemalloc_arenas_in_use"].as_u64(), Some(2), "{v}");
    let v = alive_view(exe, &[]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    assert_eq!(v["jemalloc_narenas"].as_u64(), Some(4 * cores + 1), "{v}");
    assert!(v["jemalloc_arenas_in_use"].as_u64().unwrap_or(0) > 1, "{v}");
}
// ANCHOR_END: facts
