//! The timed System process of exercise 7: glibc malloc alone.
kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    ex7::child::sibling_main(ex7::Allocator::System, true, "ex7-untracked")
}
