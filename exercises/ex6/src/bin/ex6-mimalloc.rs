//! The mimalloc process of exercise 6, tracked (for counts): the same batch
//! job as `ex6`, linked with mimalloc. `ex6` starts it as a child; run on
//! its own it takes `run`.
kit::child_binary!(mimalloc, Counted, ex6::child::ChildCli);
