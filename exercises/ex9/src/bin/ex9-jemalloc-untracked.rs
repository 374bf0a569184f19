//! The timed jemalloc process of exercise 9: jemalloc alone. Where jemalloc
//! is not built in (Windows MSVC, or without the `jemalloc` feature), a stub
//! over System that refuses to run.
kit::child_binary!(jemalloc, Timed, ex9::child::ChildCli);
