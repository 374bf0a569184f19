//! The System process of exercise 6, untracked (for timings): the
//! platform's allocator as it is, for the `system`, `borrowed` and `arena`
//! strategies. `ex6 compare` times this one; `ex6` itself counts.
kit::child_binary!(system, Timed, ex6::child::ChildCli);
