//! The flame graph's structure (never its bytes), and the parsers the
//! shoot-out reads tool output with.

use ex8::flame::{self, fold_under, folded_total};
use ex8::shootout::{jemalloc_bound, jemalloc_estimate};

#[test]
fn folded_stacks_are_cut_at_the_frame_and_merged() {
    let stacks = "main;ex8::job::std_pipeline::h0123456789abcdef;ex5::parse;malloc; 3\n\
                  main;other 5\n\
                  start;ex8::job::std_pipeline::h0123456789abcdef;ex5::parse;malloc 4\n";
    let f = fold_under(stacks, |f: &str| f.contains("ex8::job::std_pipeline"));
    assert_eq!(
        f,
        vec!["ex8::job::std_pipeline;ex5::parse;malloc 7".to_string()]
    );
    assert_eq!(folded_total(&f), 7);
}

#[test]
fn the_svg_has_every_frame() {
    let folded = vec![
        "ex8::job::std_pipeline;ex5::std_pipeline::parse;malloc 7".to_string(),
        "ex8::job::std_pipeline;ex5::std_pipeline::Aggregate::add;malloc 2".to_string(),
    ];
    let svg = flame::svg(&folded, "test").unwrap();
    let frames = flame::frames(&svg);
    for want in [
        "ex8::job::std_pipeline",
        "ex5::std_pipeline::parse",
        "ex5::std_pipeline::Aggregate::add",
        "malloc",
    ] {
        assert!(frames.iter().any(|f| f == want), "{want} not in {frames:?}");
    }
    // Drawn twice from the same stacks: the same picture.
    assert_eq!(svg, flame::svg(&folded, "test").unwrap());
}

#[test]
fn a_jemalloc_dump_is_unsampled() {
    // One stack of 10 sampled 100-byte objects at a 1 KiB period: each
    // stands for 1 / (1 - e^(-100/1024)) of its kind.
    let dump = "heap_v2/1024\n  t*: 10: 1000 [0: 0]\n  t0: 10: 1000 [0: 0]\n\
                @ 0x1 0x2\n  t*: 10: 1000 [0: 0]\n  t0: 10: 1000 [0: 0]\n\nMAPPED_LIBRARIES:\n";
    let (objs, est) = jemalloc_estimate(dump).unwrap();
    assert_eq!(objs, 10);
    let want = 1000.0 / (1.0 - (-100.0f64 / 1024.0).exp());
    assert!((est - want).abs() < 1e-6, "{est} vs {want}");
    assert!(jemalloc_estimate("not a dump").is_err());
}

#[test]
fn the_sampling_bound_narrows_with_more_samples() {
    assert!(jemalloc_bound(1 << 20, 10) < jemalloc_bound(1 << 20, 14));
}

#[test]
fn dhat_frames_lose_address_generics_and_lines() {
    use ex8::flame::short_frame;
    assert_eq!(
        short_frame(
            "0x55f6c5dcb05b: parse<&mut std::io::BufReader<ex5::G>> (ex5/src/std_pipeline.rs:88:42)"
        ),
        "parse<> (ex5/src/std_pipeline.rs)"
    );
    assert_eq!(
        short_frame("0x1: std_pipeline (ex8/src/job.rs:24:17)"),
        "std_pipeline (ex8/src/job.rs)"
    );
    assert_eq!(short_frame("[root]"), "[root]");
}
