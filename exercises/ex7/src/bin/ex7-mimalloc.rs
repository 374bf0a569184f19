//! The counted mimalloc process of exercise 7: mimalloc in exercise 1's
//! tracker.
kit::child_binary!(mimalloc, Counted, ex7::child::ChildCli);
