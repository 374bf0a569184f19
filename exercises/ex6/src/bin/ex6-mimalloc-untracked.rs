//! The mimalloc process of exercise 6, untracked (for timings): mimalloc as
//! it is, with no tracker in front of it. `ex6 compare` times this one.
kit::child_binary!(mimalloc, Timed, ex6::child::ChildCli);
