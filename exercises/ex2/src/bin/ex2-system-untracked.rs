//! Exercise 2's System process for timings: the platform's allocator as it
//! is, with no tracker in front of it. `ex2 bench` starts it as a child.
kit::child_binary!(system, Timed, ex2::child::ChildCli);
