//! The timed mimalloc process of exercise 9: mimalloc alone.
kit::child_binary!(mimalloc, Timed, ex9::child::ChildCli);
