//! The jemalloc process of exercise 6, untracked (for timings): jemalloc as
//! it is, with no tracker in front of it. `ex6 compare` times this one.

use ex6::strategy::Allocator;

#[cfg(jemalloc)]
kit::global_allocator!(tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc);
#[cfg(not(jemalloc))]
kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    ex6::child::sibling_main(
        Allocator::Jemalloc,
        "ex6-jemalloc-untracked",
        cfg!(jemalloc),
    )
}
