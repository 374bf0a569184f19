//! The timed System process of exercise 9: glibc malloc alone.
kit::child_binary!(system, Timed, ex9::child::ChildCli);
