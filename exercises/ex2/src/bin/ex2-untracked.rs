//! Exercise 2's jemalloc process for timings: jemalloc as it is, with no
//! tracker in front of it. `ex2 bench` starts it as a child.
kit::child_binary!(jemalloc, Timed, ex2::child::ChildCli);
