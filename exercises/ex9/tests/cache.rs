//! Step 3: a bin refills in batches from the shared lists and gives back in
//! batches; a thread's bins go back when it exits; the step passes chapter
//! 1's contract tests.

use std::alloc::{GlobalAlloc, Layout};

use ex9::cache::{BATCH, Bin, CAP, SHARED, ThreadCache, cached_here};
use ex9_alloc::classes::{CLASSES, SizeClasses, class_of};

#[test]
fn an_empty_bin_refills_a_batch_and_hands_out_its_blocks() {
    static SHARED_HERE: SizeClasses<std::alloc::System> = SizeClasses::new(std::alloc::System);
    let mut bin = Bin::EMPTY;
    let c = 3;
    let first = bin.take(&SHARED_HERE, c);
    assert!(!first.is_null());
    assert_eq!(SHARED_HERE.locate(first).map(|(k, _)| k), Some(c));
    assert_eq!(
        bin.len(),
        BATCH - 1,
        "one batch taken, one block handed out"
    );
    assert_eq!(SHARED_HERE.list(c).carved() as usize, BATCH);
    // The rest of the batch comes from the bin: nothing new is carved.
    for _ in 0..BATCH - 1 {
        assert!(!bin.take(&SHARED_HERE, c).is_null());
    }
    assert!(bin.is_empty());
    assert_eq!(SHARED_HERE.list(c).carved() as usize, BATCH);
}

#[test]
fn a_full_bin_flushes_a_batch_to_the_shared_list() {
    static SHARED_HERE: SizeClasses<std::alloc::System> = SizeClasses::new(std::alloc::System);
    let c = 5;
    let mut taker = Bin::EMPTY;
    let blocks: Vec<*mut u8> = (0..CAP + 1).map(|_| taker.take(&SHARED_HERE, c)).collect();
    let mut bin = Bin::EMPTY;
    for &p in &blocks {
        bin.put(&SHARED_HERE, c, p, CAP);
    }
    assert_eq!(bin.len(), CAP + 1 - BATCH);
    assert_eq!(
        SHARED_HERE.list(c).len(SHARED_HERE.links(c)) as usize,
        BATCH
    );
    // The flushed blocks were the oldest: the first BATCH handed back.
    let mut again: Vec<u32> = (0..BATCH).map(|_| SHARED_HERE.take(c).unwrap()).collect();
    again.sort_unstable();
    let mut want: Vec<u32> = blocks[..BATCH]
        .iter()
        .map(|&p| SHARED_HERE.locate(p).unwrap().1)
        .collect();
    want.sort_unstable();
    assert_eq!(again, want);
}

/// One test, so that nothing else uses the shared classes meanwhile: the
/// contract (whose threads exit too), then a thread's exit counted.
#[test]
fn step_3_passes_chapter_1s_contract_and_a_threads_bins_go_back_when_it_exits() {
    assert!(ex1::contract::check(&ThreadCache) > 1000);
    // A class no other test here uses through ThreadCache: 1536 bytes.
    let l = Layout::from_size_align(1500, 8).unwrap();
    let c = class_of(l).unwrap();
    assert_eq!(CLASSES[c], 1536);
    // Blocks of the class not on the shared list: in use, or in some
    // thread's bin (this thread's included, from the contract above).
    let out_of_list = || SHARED.list(c).carved() - SHARED.list(c).len(SHARED.links(c));
    let out_before = out_of_list();
    let cached_in_thread = std::thread::spawn(move || {
        // SAFETY: each block is freed once with its layout.
        unsafe {
            let ps: Vec<*mut u8> = (0..10).map(|_| ThreadCache.alloc(l)).collect();
            for p in ps {
                ThreadCache.dealloc(p, l);
            }
        }
        cached_here()[c]
    })
    .join()
    .unwrap();
    assert!(cached_in_thread >= 10, "{cached_in_thread}");
    let out_after = out_of_list();
    if ex1::RECYCLES_SLOTS {
        assert_eq!(
            out_after, out_before,
            "every block the thread cached went back at its exit"
        );
    } else {
        assert_eq!(out_after as usize, out_before as usize + cached_in_thread);
    }
}
