//! The same work counted under the three allocators, each in its own counted
//! process: equal counts, every block freed, every remote free accounted
//! for.

#[test]
fn counts_are_equal_under_every_allocator_and_everything_is_freed() {
    let c: ex7::counts::Counts = testkit::json(env!("CARGO_BIN_EXE_ex7"), &["counts", "--json"]);
    assert!(c.agree(), "the allocators counted different work");
    assert!(c.all_freed(), "blocks left allocated");
    let allocators: std::collections::HashSet<_> = c.samples.iter().map(|s| s.allocator).collect();
    assert_eq!(allocators.len(), ex7::allocator::available().len());
    for s in &c.samples {
        assert!(s.counted, "{} ran untracked", s.allocator);
        assert!(
            s.counts.allocs > 0,
            "{} {} counted nothing",
            s.params.workload,
            s.allocator
        );
        if s.params.workload == ex7::Workload::RemoteFree {
            assert!(ex7::counts::remote_frees_accounted(s), "{}", s.allocator);
        }
    }
}

#[test]
fn timed_processes_count_nothing() {
    let timed = [
        ("system", option_env!("CARGO_BIN_EXE_ex7-untracked")),
        (
            "jemalloc",
            option_env!("CARGO_BIN_EXE_ex7-jemalloc-untracked"),
        ),
        (
            "mimalloc",
            option_env!("CARGO_BIN_EXE_ex7-mimalloc-untracked"),
        ),
    ];
    for a in ex7::allocator::available() {
        let exe = timed
            .iter()
            .find(|(name, _)| *name == a.name())
            .and_then(|t| t.1)
            .expect("the timed binary is built");
        let v: serde_json::Value = testkit::json(
            exe,
            &[
                "run",
                "--workload",
                "server",
                "--threads",
                "2",
                "--ops",
                "500",
                "--json",
            ],
        );
        assert_eq!(v["counted"], false, "{a}");
        assert_eq!(v["counts"]["allocs"], 0, "{a}");
    }
}
