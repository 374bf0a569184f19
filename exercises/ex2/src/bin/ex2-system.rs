//! The System-allocator half of exercise 2: the same code as `ex2`, linked
//! with the platform's allocator. `ex2` starts it as a child; run on its own
//! it only accepts `child` jobs.
// ANCHOR: global
kit::child_binary!(system, Counted, ex2::child::ChildCli);
// ANCHOR_END: global
