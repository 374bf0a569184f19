//! The timed jemalloc process of exercise 7: jemalloc alone. Where jemalloc
//! is not built in (Windows MSVC, or without the `jemalloc` feature), a stub
//! over System that refuses to run.
#[cfg(jemalloc)]
kit::global_allocator!(tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc);
#[cfg(not(jemalloc))]
kit::global_allocator!(std::alloc::System = std::alloc::System);

fn main() -> std::process::ExitCode {
    ex7::child::sibling_main(
        ex7::Allocator::Jemalloc,
        cfg!(jemalloc),
        "ex7-jemalloc-untracked",
    )
}
