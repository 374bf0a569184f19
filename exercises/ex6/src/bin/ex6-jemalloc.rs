//! The jemalloc process of exercise 6, tracked (for counts): the same batch
//! job as `ex6`, linked with jemalloc. `ex6` starts it as a child; run on
//! its own it takes `run`.

use ex6::strategy::Allocator;

// ANCHOR: global
// Where jemalloc is not built in (Windows MSVC, or without the `jemalloc`
// feature), this binary is a stub over System that refuses to run, and the
// parent leaves jemalloc out of the comparison.
#[cfg(jemalloc)]
kit::global_allocator!(
    ex1::Tracker<tikv_jemallocator::Jemalloc> =
        ex1::Tracker::new(tikv_jemallocator::Jemalloc)
);
#[cfg(not(jemalloc))]
kit::global_allocator!(std::alloc::System = std::alloc::System);
// ANCHOR_END: global

fn main() -> std::process::ExitCode {
    ex6::child::sibling_main(Allocator::Jemalloc, "ex6-jemalloc", cfg!(jemalloc))
}
