//! The System process of exercise 6, untracked (for timings): the
//! platform's allocator as it is, for the `system`, `borrowed` and `arena`
//! strategies. `ex6 compare` times this one; `ex6` itself counts.

use ex6::strategy::Allocator;

kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    ex6::child::sibling_main(Allocator::System, "ex6-untracked", true)
}
