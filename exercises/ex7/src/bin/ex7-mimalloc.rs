//! The counted mimalloc process of exercise 7: mimalloc in exercise 1's
//! tracker.
kit::global_allocator!(ex1::Tracker<mimalloc::MiMalloc> = ex1::Tracker::new(mimalloc::MiMalloc));

fn main() -> std::process::ExitCode {
    ex7::child::sibling_main(ex7::Allocator::Mimalloc, true, "ex7-mimalloc")
}
