//! The server simulation (after larson): each thread replaces random
//! objects in its set, then hands the set to a thread it spawns and exits,
//! so that later generations free what dead threads allocated.

use ex1::Stats;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::{Clock, GENERATIONS, OBJECTS, Outcome, Params, ThreadOut, join, object, rng};

/// A server thread's state, handed from each generation to the next.
struct Seat {
    set: Vec<Box<[u8]>>,
    rng: ChaCha8Rng,
    clock: Clock,
    stats: Stats,
    checksum: u64,
}

/// What a server thread leaves behind: its successor, or the last state.
enum Step {
    Next(std::thread::JoinHandle<Step>),
    Done(Box<Seat>),
}

/// Runs the server workload: one chain of generations per thread.
pub(super) fn server(p: &Params) -> Outcome {
    let p = *p;
    let handles: Vec<_> = (0..p.threads as u64)
        .map(|i| {
            let seat = Seat {
                set: Vec::new(),
                rng: rng(p.seed, i),
                clock: Clock::new(),
                stats: Stats::default(),
                checksum: 0,
            };
            std::thread::spawn(move || generation(p, seat, 0))
        })
        .collect();
    let mut threads = Vec::with_capacity(handles.len());
    let mut main = Stats::default();
    for h in handles {
        let mut step = join(h);
        let seat = loop {
            match step {
                Step::Next(h) => step = join(h),
                Step::Done(seat) => break *seat,
            }
        };
        let (set, out) = (
            seat.set,
            ThreadOut {
                stats: seat.stats,
                hist: seat.clock.hist,
                ops: p.ops,
                checksum: seat.checksum,
            },
        );
        // The last generation's objects, freed here: part of the work.
        main = main.merged(&ex1::measure(|| drop(set)).1);
        threads.push(out);
    }
    Outcome {
        threads,
        main,
        alive: None,
        sharing: None,
    }
}

// ANCHOR: generation
/// One generation of a server thread: fills the set if it is the first, does
/// its share of the replacements (each frees an object some earlier
/// generation, on another thread, may have allocated), then hands the set to
/// a new thread and exits.
fn generation(p: Params, mut seat: Seat, g: u64) -> Step {
    let share = p.ops / GENERATIONS + u64::from(g < p.ops % GENERATIONS);
    seat.clock.restart();
    let (_, stats) = ex1::measure(|| {
        if seat.set.is_empty() {
            seat.set.reserve_exact(OBJECTS);
            for _ in 0..OBJECTS {
                seat.set.push(object(&mut seat.rng, p.max_size));
            }
        }
        for _ in 0..share {
            let j = seat.rng.random_range(0..OBJECTS);
            let new = object(&mut seat.rng, p.max_size);
            seat.checksum = seat.checksum.wrapping_add(seat.set[j].len() as u64);
            seat.set[j] = new; // frees the old object
            seat.clock.tick();
        }
    });
    seat.stats = seat.stats.merged(&stats);
    if g + 1 < GENERATIONS {
        Step::Next(std::thread::spawn(move || generation(p, seat, g + 1)))
    } else {
        Step::Done(Box::new(seat))
    }
}
// ANCHOR_END: generation
