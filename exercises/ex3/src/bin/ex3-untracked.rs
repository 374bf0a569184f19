//! Exercise 3's timed process: the system allocator alone (`ex3::child`).
kit::child_binary!(system, Timed, ex3::child::ChildCli);
