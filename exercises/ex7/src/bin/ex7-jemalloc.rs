//! The counted jemalloc process of exercise 7: jemalloc in exercise 1's
//! tracker (a stub over System where jemalloc is not built in).
kit::child_binary!(jemalloc, Counted, ex7::child::ChildCli);
