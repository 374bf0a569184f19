//! The mimalloc process of exercise 6, tracked (for counts): the same batch
//! job as `ex6`, linked with mimalloc. `ex6` starts it as a child; run on
//! its own it takes `run`.

use ex6::strategy::Allocator;

// ANCHOR: global
kit::global_allocator!(
    ex1::Tracker<mimalloc::MiMalloc> =
        ex1::Tracker::new(mimalloc::MiMalloc)
);
// ANCHOR_END: global

fn main() -> std::process::ExitCode {
    ex6::child::sibling_main(Allocator::Mimalloc, "ex6-mimalloc", true)
}
