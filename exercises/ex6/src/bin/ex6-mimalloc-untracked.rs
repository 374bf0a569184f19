//! The mimalloc process of exercise 6, untracked (for timings): mimalloc as
//! it is, with no tracker in front of it. `ex6 compare` times this one.

use ex6::strategy::Allocator;

kit::global_allocator!(mimalloc::MiMalloc = mimalloc::MiMalloc);

fn main() -> std::process::ExitCode {
    ex6::child::sibling_main(Allocator::Mimalloc, "ex6-mimalloc-untracked", true)
}
