//! The timed mimalloc process of exercise 9: mimalloc alone.
kit::global_allocator!(mimalloc::MiMalloc = mimalloc::MiMalloc);

fn main() -> std::process::ExitCode {
    ex9::child::sibling_main(ex9::Allocator::Mimalloc, true, "ex9-mimalloc-untracked")
}
