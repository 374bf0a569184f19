//! Step 1: the free list hands out every block once, carves in order,
//! reuses the last block freed first, says "full" with `None`, and never
//! gives one block to two threads (the ABA check). Then the step's global
//! allocator passes chapter 1's contract tests, fallback included.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

use ex9_alloc::FreeList;

fn links(n: usize) -> Vec<AtomicU32> {
    (0..n).map(|_| AtomicU32::new(0)).collect()
}

#[test]
fn pop_carves_in_order_then_reuses_last_freed_then_is_full() {
    let links = links(4);
    let list = FreeList::new();
    let got: Vec<_> = (0..4).map(|_| list.pop(&links)).collect();
    assert_eq!(got, [Some(0), Some(1), Some(2), Some(3)]);
    assert_eq!(list.pop(&links), None, "four blocks, a fifth request");
    assert!(list.is_exhausted(&links));
    list.push(&links, 1);
    list.push(&links, 3);
    assert_eq!(list.len(&links), 2);
    assert_eq!(list.pop(&links), Some(3), "last freed, first reused");
    assert_eq!(list.pop(&links), Some(1));
    assert_eq!(list.pop(&links), None);
    assert_eq!(list.carved(), 4);
}

#[test]
fn a_chain_goes_back_in_one_push_and_comes_out_in_order() {
    let links = links(8);
    let list = FreeList::new();
    for _ in 0..8 {
        list.pop(&links).unwrap();
    }
    // 5 -> 2 -> 7, as the thread cache links a batch.
    links[5].store(2 + 1, Relaxed);
    links[2].store(7 + 1, Relaxed);
    list.push_chain(&links, 5, 7);
    let out: Vec<_> = (0..4).map(|_| list.pop(&links)).collect();
    assert_eq!(out, [Some(5), Some(2), Some(7), None]);
}

/// Threads pop and push the same few blocks as fast as they can, so the
/// interleaving that causes ABA (a pop that read the top and its link,
/// then lost the processor while others popped and pushed) happens; a block
/// handed to two owners at once is caught by its `in_use` flag.
#[test]
fn no_block_is_handed_out_twice_under_contention() {
    const BLOCKS: usize = 4;
    const THREADS: usize = 4;
    const ROUNDS: usize = 50_000;
    let links = links(BLOCKS);
    let in_use: Vec<AtomicBool> = (0..BLOCKS).map(|_| AtomicBool::new(false)).collect();
    let list = FreeList::new();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    let Some(i) = list.pop(&links) else {
                        std::hint::spin_loop();
                        continue;
                    };
                    let was = in_use[i as usize].swap(true, Relaxed);
                    assert!(!was, "block {i} handed out twice");
                    in_use[i as usize].store(false, Relaxed);
                    list.push(&links, i);
                }
            });
        }
    });
    // Every block is back: all four come out once more, then none.
    let mut all: Vec<_> = (0..BLOCKS).map(|_| list.pop(&links).unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all, [0, 1, 2, 3]);
    assert_eq!(list.pop(&links), None);
}

#[test]
fn the_pool_hands_out_aligned_blocks_of_its_buffer_and_null_when_full() {
    static POOL: ex9_alloc::Pool<48, 5> = ex9_alloc::Pool::new();
    assert_eq!(ex9_alloc::Pool::<48, 5>::ALIGN, 16);
    let blocks: Vec<*mut u8> = (0..5).map(|_| POOL.alloc_block()).collect();
    for (k, &p) in blocks.iter().enumerate() {
        assert!(!p.is_null() && POOL.owns(p));
        assert_eq!(p as usize % 16, 0);
        assert_eq!(p as usize - blocks[0] as usize, k * 48);
    }
    assert!(POOL.alloc_block().is_null());
    assert_eq!(POOL.in_use(), 5);
    // SAFETY: blocks[3] came from this pool and is not used again.
    unsafe { POOL.free_block(blocks[3]) };
    assert_eq!(POOL.alloc_block(), blocks[3]);
}

#[test]
fn step_1_passes_chapter_1s_contract_with_its_fallback() {
    let blocks = ex1::contract::check(&ex9::steps::STEP1);
    assert!(blocks > 1000, "{blocks}");
    // Small requests came from the pool: it has carved blocks.
    assert!(ex9::steps::STEP1.pool().carved() > 0);
}
