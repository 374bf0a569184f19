//! The arena pipeline: one [`PhaseArena`] per phase.
//!
//! - **parse**: each line is copied into the parse arena and parsed there, so
//!   every [`Request`] borrows `&'p str` fields from the arena; the requests
//!   themselves sit in a bumpalo `Vec` in the same arena.
//! - **transform**: requests are counted into hash maps whose tables, keys
//!   and histograms all live in the transform arena. Keys are *copied* from
//!   the parse arena: the compiler insists, because the parse arena is gone
//!   before the results are used.
//! - **output**: the report is written from the transform arena; then that
//!   arena goes too.
//!
//! With `--batch B` the parse arena is reset before each batch of `B` lines,
//! so it never holds more than one batch.

use std::io::{BufRead, Write};

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use hashbrown::HashMap;

use crate::access_log::{self, Error, Lines, Options, Request, parse_line, route_pieces};
use crate::meter::{Fingerprint, Meter, Outcome};
use crate::phase_arena::{ArenaFull, Phase, PhaseArena};
use crate::tally::{
    ClientTotals, Latencies, MapHasher, RouteTally, RouteTotals, Totals, client_order, route_order,
    write_report,
};

// ANCHOR: parse
/// Parse phase: reads up to one batch of lines and returns their requests.
/// Each line is copied into `arena` and parsed in place, so the requests
/// borrow the arena (`'p`) and nothing else.
pub fn parse<'p, R: BufRead>(
    arena: &'p mut PhaseArena,
    lines: &mut Lines<R>,
    options: &Options,
    skipped: &mut u64,
    meter: &mut Meter,
) -> Result<BumpVec<'p, Request<'p>>, Error> {
    // ANCHOR: task_arena_parse
    if arena.bump().allocated_bytes() > 0 {
        // The previous batch is gone (the borrow checker made sure of it):
        // start again at the top of the arena's largest chunk.
        arena.reset();
    }
    let arena: &'p PhaseArena = arena;
    let mut requests = BumpVec::new_in(arena.bump());
    // A bumpalo Vec that grows leaves each outgrown buffer behind in the
    // arena; sized once, it leaves nothing. (If the size hint does not fit
    // under the arena's limit, grow as needed: the limit then stops the run
    // at the line that reaches it.)
    let _ = requests.try_reserve_exact(options.reserve());
    while (requests.len() as u64) < options.batch_len() {
        let Some((line, text)) = lines.next_line()? else {
            break;
        };
        let full = |e: ArenaFull| e.at_line(Some(line));
        match text {
            Ok(text) => {
                let text: &'p str = arena.alloc_str(text).map_err(full)?;
                match parse_line(text) {
                    Ok(request) => arena.push(&mut requests, request).map_err(full)?,
                    Err(reason) => access_log::on_malformed(options, line, reason, skipped)?,
                }
            }
            Err(reason) => access_log::on_malformed(options, line, reason, skipped)?,
        }
        meter.record_read(line, lines.bytes_read());
    }
    // Look ahead, so a batch that ends exactly at the end of the input is
    // known to be the last one.
    lines.at_end()?;
    Ok(requests)
    // ANCHOR_END: task_arena_parse
}
// ANCHOR_END: parse

/// A hashbrown map whose table lives in an arena.
type ArenaMap<'t, V> = HashMap<&'t str, V, MapHasher, &'t Bump>;

// ANCHOR: aggregate
/// Transform phase state. Everything it holds is in the transform arena
/// (`'t`); none of it borrows the parse arena.
#[derive(Debug)]
pub struct Aggregate<'t> {
    arena: &'t PhaseArena,
    totals: Totals,
    routes: ArenaMap<'t, RouteTally<&'t mut Latencies>>,
    clients: ArenaMap<'t, ClientTotals>,
    /// The route key being built, reused for every request.
    key: BumpVec<'t, u8>,
}

impl<'t> Aggregate<'t> {
    /// An empty aggregate whose maps, keys and histograms all go into `arena`.
    pub fn new(arena: &'t PhaseArena) -> Aggregate<'t> {
        Aggregate {
            arena,
            totals: Totals::default(),
            routes: HashMap::with_hasher_in(MapHasher::default(), arena.bump()),
            clients: HashMap::with_hasher_in(MapHasher::default(), arena.bump()),
            key: BumpVec::new_in(arena.bump()),
        }
    }

    /// Counts one batch of requests. A key seen for the first time is
    /// copied into the transform arena; later requests only look it up.
    pub fn add(&mut self, requests: &[Request<'_>]) -> Result<(), ArenaFull> {
        // ANCHOR: task_aggregate_add
        for r in requests {
            self.totals.add(r);

            self.key.clear();
            for piece in route_pieces(r.method, r.path) {
                self.key
                    .try_reserve(piece.len())
                    .map_err(|_| self.arena.full())?;
                self.key.extend_from_slice(piece.as_bytes());
            }
            // Only whole `&str` pieces went in, so this is always UTF-8.
            let key = std::str::from_utf8(&self.key).unwrap_or("");
            match self.routes.get_mut(key) {
                Some(tally) => tally.add(r),
                None => {
                    self.routes.try_reserve(1).map_err(|_| self.arena.full())?;
                    let key = self.arena.alloc_str(key)?;
                    let mut tally = RouteTally::new(self.arena.alloc(Latencies::default())?);
                    tally.add(r);
                    self.routes.insert(key, tally);
                }
            }

            match self.clients.get_mut(r.ip) {
                Some(client) => client.add(r),
                None => {
                    self.clients.try_reserve(1).map_err(|_| self.arena.full())?;
                    let mut client = ClientTotals::default();
                    client.add(r);
                    self.clients.insert(self.arena.alloc_str(r.ip)?, client);
                }
            }
        }
        Ok(())
        // ANCHOR_END: task_aggregate_add
    }

    /// The end of the transform phase: sorted rows, ready to print.
    pub fn finish(self, skipped: u64) -> Result<Summary<'t>, ArenaFull> {
        let arena = self.arena;
        let full = |_| arena.full();
        let mut routes = BumpVec::new_in(arena.bump());
        routes.try_reserve_exact(self.routes.len()).map_err(full)?;
        routes.extend(
            self.routes
                .iter()
                .map(|(&key, tally)| (key, tally.finish())),
        );
        routes.sort_unstable_by(|a, b| route_order((a.0, &a.1), (b.0, &b.1)));
        let mut clients = BumpVec::new_in(arena.bump());
        clients
            .try_reserve_exact(self.clients.len())
            .map_err(full)?;
        clients.extend(self.clients.iter().map(|(&ip, &c)| (ip, c)));
        clients.sort_unstable_by(|a, b| client_order((a.0, &a.1), (b.0, &b.1)));
        Ok(Summary {
            totals: Totals {
                skipped,
                ..self.totals
            },
            routes,
            clients,
        })
    }
}
// ANCHOR_END: aggregate

/// The transform phase's result, in the transform arena.
#[derive(Debug)]
pub struct Summary<'t> {
    /// Whole-input totals.
    pub totals: Totals,
    /// Per-route totals, route names in the transform arena.
    pub routes: BumpVec<'t, (&'t str, RouteTotals)>,
    /// Per-client totals, addresses in the transform arena.
    pub clients: BumpVec<'t, (&'t str, ClientTotals)>,
}

impl Summary<'_> {
    /// Output phase: the report.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        write_report(
            out,
            &self.totals,
            self.routes.iter().map(|(k, r)| (*k, r)),
            self.clients.iter().map(|(k, c)| (*k, c)),
        )?;
        out.flush()
    }
}

// ANCHOR: run
/// Runs the arena pipeline over `input`, writing the report to `out`.
pub fn run(
    input: impl BufRead,
    out: impl Write,
    options: &Options,
    meter: &mut Meter,
) -> Result<Outcome, Error> {
    let mut input = input; // the caller's reader: it outlives every measurement
    let mut lines = Lines::new(&mut input, options);
    let mut skipped = 0;
    // ANCHOR: phases
    let mut transform_arena = PhaseArena::new(Phase::Transform, options.arena_limit);
    let mut parse_arena = PhaseArena::new(Phase::Parse, options.arena_limit);

    let mut aggregate = Aggregate::new(&transform_arena);
    loop {
        let (arena, input, skips) = (&mut parse_arena, &mut lines, &mut skipped);
        let requests = meter.phase(Phase::Parse, move |m| {
            parse(arena, input, options, skips, m)
        })?;
        meter.phase(Phase::Transform, |_| aggregate.add(&requests))?;
        if lines.exhausted() {
            break;
        }
    } // `requests` ends here each time, so the next `parse` may reset the arena.
    drop(lines); // the input is read: its buffer goes
    let summary = meter.phase(Phase::Transform, |_| aggregate.finish(skipped))?;

    // The transform phase is over: its input goes, all at once.
    meter.arena_usage(parse_arena.usage());
    meter.drop_phase(Phase::Parse, parse_arena);

    let mut out = Fingerprint::new(out);
    meter
        .phase(Phase::Output, |_| summary.write(&mut out))
        .map_err(Error::Write)?;
    let outcome = out.outcome(summary.totals.records, skipped);

    drop(summary); // the last borrow of the transform arena
    meter.arena_usage(transform_arena.usage());
    meter.drop_phase(Phase::Transform, transform_arena);
    // ANCHOR_END: phases
    Ok(outcome)
}
// ANCHOR_END: run
