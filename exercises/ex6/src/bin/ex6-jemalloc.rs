//! The jemalloc process of exercise 6, tracked (for counts): the same batch
//! job as `ex6`, linked with jemalloc. `ex6` starts it as a child; run on
//! its own it takes `run`.
// ANCHOR: global
// Where jemalloc is not built in (Windows MSVC, or without the `jemalloc`
// feature), this binary is a stub over System that refuses to run, and the
// parent leaves jemalloc out of the comparison.
kit::child_binary!(jemalloc, Counted, ex6::child::ChildCli);
// ANCHOR_END: global
