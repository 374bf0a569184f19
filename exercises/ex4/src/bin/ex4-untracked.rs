//! Exercise 4's timed process: the system allocator alone (`ex4::child`).
kit::child_binary!(system, Timed, ex4::child::ChildCli);
