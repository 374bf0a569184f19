//! The timed System process of exercise 9: glibc malloc alone.
kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    ex9::child::sibling_main(ex9::Allocator::System, true, "ex9-system-untracked")
}
