//! The timed mimalloc process of exercise 7: mimalloc alone.
kit::child_binary!(mimalloc, Timed, ex7::child::ChildCli);
