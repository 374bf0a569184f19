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
    let v = testkit::json_with::<serde_json::Value>(exe, &args, env);
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
    // The CPUs glibc counts: the affinity mask, not std's
    // available_parallelism (which a cgroup quota lowers).
    let cpus = ex7::limits::affinity_cpus().expect("Cpus_allowed_list");
    let exe = env!("CARGO_BIN_EXE_ex7-untracked");
    let free = alive_view(exe, &[])["glibc_arenas"]
        .as_u64()
        .expect("glibc arenas");
    // The main thread's arena and one per worker, up to glibc's limit.
    assert_eq!(
        free,
        ex7::limits::glibc_arenas(THREADS.into(), cpus),
        "arenas with {THREADS} threads alive"
    );
    assert!(free > 1);
    let capped = alive_view(exe, &[("MALLOC_ARENA_MAX", "2")])["glibc_arenas"]
        .as_u64()
        .expect("glibc arenas");
    assert_eq!(capped, 2, "MALLOC_ARENA_MAX=2");
}

#[test]
#[cfg(jemalloc)] // this build has jemalloc (see kit/build/exercise.rs)
fn jemalloc_honours_narenas() {
    let exe = env!("CARGO_BIN_EXE_ex7-jemalloc-untracked");
    let v = alive_view(exe, &[("_RJEM_MALLOC_CONF", "narenas:2")]);
    // jemalloc 5.3 adds one arena of its own for huge allocations.
    assert_eq!(v["jemalloc_narenas"].as_u64(), Some(3), "{v}");
    // Five threads (main and four workers) share the two.
    assert_eq!(v["jemalloc_arenas_in_use"].as_u64(), Some(2), "{v}");
    let v = alive_view(exe, &[]);
    let cpus = ex7::limits::affinity_cpus().expect("Cpus_allowed_list");
    assert_eq!(
        v["jemalloc_narenas"].as_u64(),
        Some(ex7::limits::jemalloc_narenas(cpus)),
        "{v}"
    );
    // Five threads over the automatic arenas: more than one in use, unless
    // one CPU gives jemalloc a single automatic arena.
    let in_use = v["jemalloc_arenas_in_use"].as_u64().unwrap_or(0);
    assert!(if cpus > 1 { in_use > 1 } else { in_use == 1 }, "{v}");
}
// ANCHOR_END: facts
