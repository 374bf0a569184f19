//! The timed System process of exercise 7: glibc malloc alone.
kit::child_binary!(system, Timed, ex7::child::ChildCli);
