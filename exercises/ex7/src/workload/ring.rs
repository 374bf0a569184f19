//! The remote-free workload's channel: a bounded ring of slots made before
//! the work, so that sending and receiving never allocate and a run's counts
//! do not depend on how far a producer ran ahead.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

// ANCHOR: ring
/// A bounded single-producer, single-consumer channel of blocks: slots made
/// before the work, so sending and receiving never allocate. The producer
/// fills slots in order, the consumer empties them in the same order; each
/// side keeps its own position.
pub(super) struct Ring {
    slots: Vec<Mutex<Option<Box<[u8]>>>>,
    /// The next slot the producer fills (only the producer moves it).
    tail: AtomicUsize,
    /// The next slot the consumer empties (only the consumer moves it).
    head: AtomicUsize,
}

impl Ring {
    /// `capacity` empty slots.
    pub(super) fn new(capacity: usize) -> Ring {
        Ring {
            slots: (0..capacity).map(|_| Mutex::new(None)).collect(),
            tail: AtomicUsize::new(0),
            head: AtomicUsize::new(0),
        }
    }

    /// Puts `block` in the next slot, or gives it back if that slot is still
    /// full (the ring is full).
    pub(super) fn try_push(&self, block: Box<[u8]>) -> Result<(), Box<[u8]>> {
        let t = self.tail.load(Relaxed);
        let mut slot = self.slots[t % self.slots.len()]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return Err(block);
        }
        *slot = Some(block);
        self.tail.store(t + 1, Relaxed);
        Ok(())
    }

    /// Takes the block from the next slot, if the producer has filled it.
    pub(super) fn try_pop(&self) -> Option<Box<[u8]>> {
        let h = self.head.load(Relaxed);
        let block = self.slots[h % self.slots.len()]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        self.head.store(h + 1, Relaxed);
        Some(block)
    }
}
// ANCHOR_END: ring
