//! The counted jemalloc process of exercise 7: jemalloc in exercise 1's
//! tracker (a stub over System where jemalloc is not built in).
#[cfg(jemalloc)]
kit::global_allocator!(ex1::Tracker<tikv_jemallocator::Jemalloc> = ex1::Tracker::new(tikv_jemallocator::Jemalloc));
#[cfg(not(jemalloc))]
kit::global_allocator!(ex1::Tracker<std::alloc::System> = ex1::Tracker::new(std::alloc::System));

fn main() -> std::process::ExitCode {
    ex7::child::sibling_main(ex7::Allocator::Jemalloc, cfg!(jemalloc), "ex7-jemalloc")
}
