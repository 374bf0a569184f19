//! Exercise 8's timed process: the system allocator alone (`ex8::child`).
kit::child_binary!(system, Timed, ex8::child::ChildCli);
