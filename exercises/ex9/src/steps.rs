//! The three steps as ready-made allocators, and every allocator the
//! chapter measures.

use std::alloc::System;
use std::path::PathBuf;

use ex9_alloc::{PoolAlloc, SizeClasses};
use kit::sibling::{Global, Role, Siblings};
use serde::{Deserialize, Serialize};

use crate::cache::ThreadCache;

// ANCHOR: steps
/// Step 1: 64-byte blocks (131,072 of them, 8 MiB), the system allocator
/// for every other request and once the pool is full.
pub static STEP1: PoolAlloc<64, { 1 << 17 }, System> = PoolAlloc::new(System);

/// Step 2: a pool per size class, the system allocator above 4 KiB.
pub static STEP2: SizeClasses<System> = SizeClasses::new(System);

/// Step 3: step 2's classes (its own instance, `cache::SHARED`) behind a
/// per-thread cache.
pub static STEP3: ThreadCache = ThreadCache;
// ANCHOR_END: steps

/// Exercise 9's binaries, named by kit's rule around its home allocator,
/// its own: `ex9-untracked` is the final step's timed process,
/// `ex9-system-untracked` System's (jemalloc's and mimalloc's likewise).
pub const SIBLINGS: Siblings = kit::siblings!(None);

// ANCHOR: allocator
/// An allocator the chapter measures: its own three steps beside the global
/// allocators the book has used (kit's `Global`, by the same names).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allocator {
    /// Step 1: the fixed-block pool (64-byte blocks) with System behind it.
    Pool,
    /// Step 2: size classes, System above 4 KiB.
    Classes,
    /// Step 3, the final step: a thread cache in front of the classes.
    Ex9,
    /// The platform's allocator (glibc malloc on Linux).
    System,
    /// jemalloc (tikv-jemallocator).
    Jemalloc,
    /// mimalloc.
    Mimalloc,
}
// ANCHOR_END: allocator

impl Allocator {
    /// Every allocator, the book's steps first.
    pub const ALL: [Allocator; 6] = [
        Allocator::Pool,
        Allocator::Classes,
        Allocator::Ex9,
        Allocator::System,
        Allocator::Jemalloc,
        Allocator::Mimalloc,
    ];

    /// The allocators that run as a process's global allocator in the
    /// comparison: the final step and the three the book has used.
    pub const GLOBAL: [Allocator; 4] = [
        Allocator::Ex9,
        Allocator::System,
        Allocator::Jemalloc,
        Allocator::Mimalloc,
    ];

    /// The name `--allocators` takes and tables show.
    pub fn name(self) -> &'static str {
        match self {
            Allocator::Pool => "pool",
            Allocator::Classes => "classes",
            Allocator::Ex9 => "ex9",
            Allocator::System => "system",
            Allocator::Jemalloc => "jemalloc",
            Allocator::Mimalloc => "mimalloc",
        }
    }

    /// What the tables call it.
    pub fn label(self) -> &'static str {
        match self {
            Allocator::Pool => "ex9 step 1: pool",
            Allocator::Classes => "ex9 step 2: size classes",
            Allocator::Ex9 => "ex9 step 3: thread cache",
            Allocator::System => "System (glibc)",
            Allocator::Jemalloc => "jemalloc",
            Allocator::Mimalloc => "mimalloc",
        }
    }

    /// Whether this build has it.
    pub fn is_available(self) -> bool {
        self.global().is_none_or(|g| SIBLINGS.is_built_in(g))
    }

    /// Those of `of` this build can run.
    pub fn available(of: &[Allocator]) -> Vec<Allocator> {
        of.iter().copied().filter(|a| a.is_available()).collect()
    }

    /// The global allocator of its timed process, by kit's name (`None`:
    /// ex9's own, the final step, whose binaries are this exercise's home).
    fn global(self) -> Option<Global> {
        match self {
            Allocator::System => Some(Global::System),
            Allocator::Jemalloc => Some(Global::Jemalloc),
            Allocator::Mimalloc => Some(Global::Mimalloc),
            Allocator::Pool | Allocator::Classes | Allocator::Ex9 => None,
        }
    }

    /// The allocator a timed process of this exercise is linked with.
    pub fn of_process(global: Option<Global>) -> Allocator {
        match global {
            None => Allocator::Ex9,
            Some(Global::System) => Allocator::System,
            Some(Global::Jemalloc) => Allocator::Jemalloc,
            Some(Global::Mimalloc) => Allocator::Mimalloc,
        }
    }

    /// The timed process whose global allocator this is (`None` for steps
    /// 1 and 2, which are measured by direct calls only).
    pub fn binary(self) -> Option<String> {
        match self {
            Allocator::Pool | Allocator::Classes => None,
            _ => Some(SIBLINGS.binary(self.global(), Role::Timed)),
        }
    }

    /// The path of [`Allocator::binary`]'s process, beside this one
    /// (`ex9-untracked` for steps 1 and 2).
    pub fn executable(self) -> Result<PathBuf, String> {
        SIBLINGS
            .executable(self.global(), Role::Timed)
            .map_err(|e| e.to_string())
    }

    /// `cargo run -p ex9` builds only `ex9`: build the timed processes it
    /// starts.
    pub fn build_siblings() -> Result<(), String> {
        let bins: Vec<String> = Allocator::available(&Allocator::GLOBAL)
            .into_iter()
            .filter_map(Allocator::binary)
            .collect();
        SIBLINGS.build(&bins)
    }

    /// Runs [`crate::churn::run`] with this allocator called directly (not
    /// as the global allocator): the loop is compiled for each allocator, so
    /// no call in it is indirect. `None` if the build lacks it.
    pub fn churn(self, pattern: crate::churn::Pattern, iters: u64) -> Option<u64> {
        use crate::churn::run;
        match self {
            Allocator::Pool => Some(run(&STEP1, pattern, iters)),
            Allocator::Classes => Some(run(&STEP2, pattern, iters)),
            Allocator::Ex9 => Some(run(&STEP3, pattern, iters)),
            Allocator::System => Some(run(&System, pattern, iters)),
            #[cfg(jemalloc)]
            Allocator::Jemalloc => Some(run(&tikv_jemallocator::Jemalloc, pattern, iters)),
            #[cfg(feature = "mimalloc")]
            Allocator::Mimalloc => Some(run(&mimalloc::MiMalloc, pattern, iters)),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

impl std::fmt::Display for Allocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Step 1's demonstration pool: eight blocks of 64 bytes.
static DEMO: ex9_alloc::Pool<64, 8> = ex9_alloc::Pool::new();

// ANCHOR: demo
/// Step 1 and step 2 at work, as tables: a pool of eight blocks filled
/// until it returns null, two blocks freed and taken again; and the class
/// each of a few requests takes.
pub fn demo_tables() -> Vec<kit::Table> {
    let mut t = kit::Table::new(
        "Step 1: a pool of eight 64-byte blocks",
        &["what", "result"],
    );
    let base = DEMO.alloc_block();
    let mut got = vec![0usize];
    let mut nulls = 0;
    for _ in 1..9 {
        let p = DEMO.alloc_block();
        if p.is_null() {
            nulls += 1;
        } else {
            got.push((p as usize - base as usize) / 64);
        }
    }
    let list = |v: &[usize]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    t.row(["blocks handed out, in order".into(), list(&got)]);
    t.row([
        "requests after that answered with null".into(),
        nulls.to_string(),
    ]);
    for i in [2usize, 5] {
        // SAFETY: block i was handed out above and is no longer used.
        unsafe { DEMO.free_block(base.wrapping_add(i * 64)) };
    }
    let again: Vec<usize> = (0..2)
        .map(|_| (DEMO.alloc_block() as usize - base as usize) / 64)
        .collect();
    t.row([
        "freed blocks 2 then 5; the next two requests get".into(),
        list(&again),
    ]);
    t.row([
        "blocks ever carved (pages touched)".into(),
        DEMO.carved().to_string(),
    ]);
    t.row([
        "alignment of every block".into(),
        ex9_alloc::Pool::<64, 8>::ALIGN.to_string(),
    ]);

    let mut c = kit::Table::new(
        "Step 2: the class each request takes",
        &["size (B)", "align (B)", "class (B)", "bytes unused"],
    );
    for (size, align) in [
        (1, 1),
        (16, 8),
        (17, 8),
        (25, 8),
        (65, 8),
        (100, 16),
        (1000, 8),
        (8, 64),
        (3000, 8),
        (4096, 4096),
        (4097, 8),
    ] {
        let Ok(l) = std::alloc::Layout::from_size_align(size, align) else {
            continue;
        };
        let (class, unused) = match ex9_alloc::class_of(l) {
            Some(k) => (
                ex9_alloc::CLASSES[k].to_string(),
                (ex9_alloc::CLASSES[k] - size).to_string(),
            ),
            None => ("none: upstream (System)".into(), "n/a".into()),
        };
        c.row([size.to_string(), align.to_string(), class, unused]);
    }
    vec![t, c]
}
// ANCHOR_END: demo
