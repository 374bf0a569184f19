//! valgrind's memcheck sees inside the pool: one short run of this test
//! binary under memcheck, as a child, which uses every step correctly and
//! then writes to a block of the final step after freeing it. memcheck must
//! report exactly that one error, as a write to a freed block. Then the
//! child switches the client requests ([`ex9_alloc::valgrind`]) off and
//! makes the same mistake with a block of another class: memcheck must
//! stay silent, because to it the pool's buffer is one static array,
//! always addressable. Both in one run: the error count must be exactly one.
//!
//! No libtest harness: the child must run only the code below.

use std::alloc::{GlobalAlloc, Layout};
use std::process::Command;

const CHILD: &str = "EX9_MEMCHECK_CHILD";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new("valgrind")
        .args(["--error-exitcode=99", "--leak-check=no"])
        .arg(&exe)
        .env(CHILD, "1")
        .output()
        .expect("valgrind runs (install it: the book's checks need it)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(99),
        "memcheck found no error:\n{err}"
    );
    assert!(err.contains("Invalid write of size 8"), "{err}");
    assert!(
        err.contains("0 bytes inside a block of size 32 free'd"),
        "memcheck does not see the block as freed:\n{err}"
    );
    assert!(err.contains("ERROR SUMMARY: 1 errors"), "{err}");
    println!(
        "memcheck: the steps used correctly, no error; a use after free inside the pool, \
         caught; the same without client requests, unseen"
    );
}

/// Run under memcheck: correct use of each step, then one use after free.
fn child() {
    let l = Layout::new::<[u64; 4]>();
    // SAFETY: every block below is written within its size and freed once
    // with its layout, except the one deliberate write after the free.
    unsafe {
        for a in [
            &ex9::steps::STEP1 as &dyn GlobalAlloc,
            &ex9::steps::STEP2,
            &ex9::steps::STEP3,
        ] {
            let ps: Vec<*mut u8> = (0..100).map(|_| a.alloc(l)).collect();
            for &p in &ps {
                p.cast::<u64>().write(7);
            }
            let grown = a.realloc(ps[0], l, 40);
            grown.add(39).write(1);
            a.dealloc(grown, Layout::from_size_align(40, 8).unwrap());
            for &p in &ps[1..] {
                a.dealloc(p, l);
            }
        }
        let p = ex9::steps::STEP3.alloc(l);
        ex9::steps::STEP3.dealloc(p, l);
        // The bug: the block is back in this thread's bin, still mapped,
        // still inside the pool's buffer.
        std::ptr::write_volatile(p.cast::<u64>(), 42);

        // The same bug without the client requests, in a class not used
        // before: memcheck cannot see it.
        ex9_alloc::valgrind::set_requests(false);
        let big = Layout::from_size_align(3000, 8).unwrap();
        let q = ex9::steps::STEP3.alloc(big);
        ex9::steps::STEP3.dealloc(q, big);
        std::ptr::write_volatile(q.cast::<u64>(), 42);
    }
}
