//! The timed process of exercise 9's final step: the thread cache as the
//! global allocator, nothing counting. Also runs the churn loop, which
//! calls each allocator directly.
kit::global_allocator!(ex9::cache::ThreadCache = ex9::cache::ThreadCache);

fn main() -> std::process::ExitCode {
    ex9::child::sibling_main(ex9::Allocator::Ex9, true, "ex9-untracked")
}
