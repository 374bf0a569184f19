//! The timed jemalloc process of exercise 9: jemalloc alone. Where jemalloc
//! is not built in (Windows MSVC, or without the `jemalloc` feature), a stub
//! over System that refuses to run.
#[cfg(jemalloc)]
kit::global_allocator!(tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc);
#[cfg(not(jemalloc))]
kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    ex9::child::sibling_main(
        ex9::Allocator::Jemalloc,
        cfg!(jemalloc),
        "ex9-jemalloc-untracked",
    )
}
