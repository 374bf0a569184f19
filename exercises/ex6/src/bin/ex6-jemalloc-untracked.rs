//! The jemalloc process of exercise 6, untracked (for timings): jemalloc as
//! it is, with no tracker in front of it. `ex6 compare` times this one.
kit::child_binary!(jemalloc, Timed, ex6::child::ChildCli);
