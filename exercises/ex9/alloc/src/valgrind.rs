//! Telling valgrind's memcheck about the pool's blocks: its client requests.
//!
//! memcheck knows what `malloc` and `free` hand out because it replaces
//! them. Memory this allocator carves out of a static buffer is, to
//! memcheck, one big global array that is always addressable: a block used
//! after it was freed, or read past its requested size, looks fine. A
//! program can tell memcheck more through *client requests*: a special,
//! otherwise harmless instruction sequence that does nothing on a real CPU
//! and that valgrind's virtual CPU recognises. The requests used here are
//! the three the valgrind manual documents for custom allocators
//! (`valgrind.h`, "Client requests for custom allocators"):
//!
//! - `VALGRIND_MALLOCLIKE_BLOCK(addr, size, redzone, is_zeroed)` right after
//!   a block is handed out: memcheck now tracks it as a heap block of `size`
//!   bytes, addressable and undefined;
//! - `VALGRIND_FREELIKE_BLOCK(addr, redzone)` right after it is taken back:
//!   the block becomes unaddressable, so a later read or write through a
//!   stale pointer is reported as a use after free;
//! - `VALGRIND_RESIZEINPLACE_BLOCK(addr, old, new, redzone)` when `realloc`
//!   keeps the block and changes its size.
//!
//! The allocator keeps no metadata inside its blocks (the free lists are
//! index arrays beside them), so nothing of its own ever touches a freed
//! block and memcheck can mark the whole block unaddressable.
//!
//! On x86-64 the sequence is four `rol`s of `rdi` by 3, 13, 61 and 51 bits
//! (128 in all: `rdi` is unchanged) followed by `xchg rbx, rbx` (also a
//! no-op), with `rax` pointing to six words (the request code and five
//! arguments) and the result in `rdx`; `valgrind.h`'s
//! `VALGRIND_DO_CLIENT_REQUEST_EXPR` for amd64 is that exact asm. On any
//! other target, and without the `valgrind` feature, every function here
//! compiles to nothing.
//!
//! A request costs a dozen instructions even on a real CPU (the six words
//! are stored first), so each one first checks a flag: whether the program
//! runs under valgrind, asked once (`RUNNING_ON_VALGRIND`) and kept.
//!
//! Blocks never handed out yet are not marked: the buffer is addressable
//! until a block is first used and freed.

use core::sync::atomic::{AtomicU8, Ordering::Relaxed};

/// `VG_USERREQ__MALLOCLIKE_BLOCK` (valgrind.h).
const MALLOCLIKE_BLOCK: u64 = 0x1301;
/// `VG_USERREQ__FREELIKE_BLOCK`.
const FREELIKE_BLOCK: u64 = 0x1302;
/// `VG_USERREQ__RESIZEINPLACE_BLOCK`.
const RESIZEINPLACE_BLOCK: u64 = 0x130b;
/// `VG_USERREQ__RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: u64 = 0x1001;

// ANCHOR: request
/// One client request: `request` with up to five arguments; returns
/// `default` when not running under valgrind (the CPU leaves `rdx` alone).
#[cfg(all(feature = "valgrind", target_arch = "x86_64"))]
#[inline(always)]
fn request(default: u64, request: u64, args: [u64; 5]) -> u64 {
    let block: [u64; 6] = [request, args[0], args[1], args[2], args[3], args[4]];
    let mut result = default;
    // SAFETY: the sequence is the one valgrind.h uses on amd64. On a real
    // CPU it changes nothing but the flags: rdi is rotated by 128 bits, and
    // `xchg rbx, rbx` swaps a register with itself. Under valgrind it reads
    // the six words `rax` points to (a live local array) and writes the
    // result to rdx. It touches no other memory of ours and no stack.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") result,
            in("rax") block.as_ptr(),
            options(nostack, readonly),
        );
    }
    result
}
// ANCHOR_END: request

#[cfg(not(all(feature = "valgrind", target_arch = "x86_64")))]
#[inline(always)]
fn request(default: u64, _request: u64, _args: [u64; 5]) -> u64 {
    default
}

/// Not asked yet, no, yes.
const UNKNOWN: u8 = 0;
const NO: u8 = 1;
const YES: u8 = 2;
static MODE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// True when the program runs under valgrind (any tool): asked once.
#[inline(always)]
pub fn running_on_valgrind() -> bool {
    match MODE.load(Relaxed) {
        NO => false,
        YES => true,
        _ => ask(),
    }
}

#[cold]
fn ask() -> bool {
    let on = request(0, RUNNING_ON_VALGRIND, [0; 5]) != 0;
    MODE.store(if on { YES } else { NO }, Relaxed);
    on
}

/// memcheck: `size` bytes at `p` are now a live heap block (undefined).
#[inline(always)]
pub fn malloclike(p: *mut u8, size: usize) {
    if running_on_valgrind() {
        request(0, MALLOCLIKE_BLOCK, [p as u64, size as u64, 0, 0, 0]);
    }
}

/// memcheck: the block at `p` was freed; any access to it is an error.
#[inline(always)]
pub fn freelike(p: *mut u8) {
    if running_on_valgrind() {
        request(0, FREELIKE_BLOCK, [p as u64, 0, 0, 0, 0]);
    }
}

/// memcheck: the live block at `p` changed from `old` to `new` bytes in place.
#[inline(always)]
pub fn resize_in_place(p: *mut u8, old: usize, new: usize) {
    if running_on_valgrind() {
        request(
            0,
            RESIZEINPLACE_BLOCK,
            [p as u64, old as u64, new as u64, 0, 0],
        );
    }
}

/// Stops (or restarts) the requests for the rest of the run, under valgrind
/// too. Instruction counts under callgrind use it: valgrind runs every
/// request, a real CPU none, so counts with them would overstate the cost
/// of the allocator on a real CPU.
pub fn set_requests(on: bool) {
    MODE.store(
        if on && request(0, RUNNING_ON_VALGRIND, [0; 5]) != 0 {
            YES
        } else {
            NO
        },
        Relaxed,
    );
}
