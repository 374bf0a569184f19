//! The timed mimalloc process of exercise 7: mimalloc alone.
kit::global_allocator!(mimalloc::MiMalloc = mimalloc::MiMalloc);

fn main() -> std::process::ExitCode {
    ex7::child::sibling_main(ex7::Allocator::Mimalloc, true, "ex7-mimalloc-untracked")
}
