//! The timed process of exercise 9's final step: the thread cache as the
//! global allocator, nothing counting. Also runs the churn loop, which
//! calls each allocator directly.
kit::child_binary!(
    own(ex9::cache::ThreadCache = ex9::cache::ThreadCache),
    Timed,
    ex9::child::ChildCli
);
