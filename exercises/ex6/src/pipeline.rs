//! The batch job's pipeline: one code path, three ways to allocate for it.
//!
//! Each batch's lines are read into one reused `String` ([`BatchText`]),
//! parsed into a `Vec` of records, counted into two hash maps, and dropped
//! before the next batch. The three pipelines run exactly that code and
//! differ in two type parameters, one at a time:
//!
//! | pipeline | a record ([`Records`]) | the batch's `Vec`, the maps' tables, keys and histograms ([`Blocks`]) |
//! |---|---|---|
//! | `std` | [`OwnedRequest`]: seven `String`s copied from the line | the global allocator |
//! | `borrowed` | [`Request`]: `&str` fields borrowed from the batch's text | the global allocator |
//! | `arena` | [`Request`] | a parse arena reset for every batch; a transform arena for the maps |
//!
//! So `std` → `borrowed` differs only in copying, and `borrowed` → `arena`
//! only in where the remaining blocks come from. The maps are hashbrown's
//! with chapter 5's hasher in all three; their allocator parameter is
//! `Global` or `&Bump` (the `allocator-api2` trait, stable Rust's stand-in
//! for the unstable `Allocator`).

use std::io::{BufRead, Write};
use std::time::Instant;

use allocator_api2::alloc::{Allocator, Global};
use allocator_api2::boxed::Box;
use allocator_api2::vec::Vec;
use bumpalo::Bump;
use ex5::access_log::{self, Lines, Options, Request, parse_line, route_pieces};
use ex5::meter::{Fingerprint, Meter, Outcome};
use ex5::std_pipeline::OwnedRequest;
use ex5::tally::{
    ClientTotals, Latencies, MapHasher, RouteTally, Totals, client_order, route_order, write_report,
};
use ex5::{access_log::Error, phase_arena::PhaseArena};

use crate::batch::BatchClock;

// ANCHOR: batches
/// One run of the job over its input, batch by batch. `K` says what a
/// record holds; `parse` gives each batch the blocks of its records' `Vec`
/// (an arena resets here), and `transform` those of the maps, which live
/// for the whole job.
pub fn batches<K: Records, P: Blocks, T: Allocator + Copy, R: BufRead>(
    parse: &mut P,
    transform: T,
    io: BatchIo<'_, '_, R>,
) -> Result<Outcome, Error> {
    let mut skipped = 0;
    let mut text = BatchText::default();
    let mut aggregate = Aggregate::new_in(transform);
    loop {
        let started = Instant::now();
        text.read(io.lines, io.options, &mut skipped, io.meter)?;
        let records = text.parse::<K, _>(parse.for_batch(), io.options, &mut skipped)?;
        aggregate.add::<K>(&records);
        drop(records); // freed one block at a time, or left for the next reset
        io.clock.record(started);
        if io.lines.exhausted() {
            break;
        }
    }
    drop(text);
    let mut out = Fingerprint::new(std::io::sink());
    aggregate.write(&mut out, skipped).map_err(Error::Write)?;
    Ok(out.outcome(aggregate.totals.records, skipped))
}
// ANCHOR_END: batches

/// What a run reads from and reports to: the input's lines, the options
/// they are read with, exercise 5's meter (its parsers report each line to
/// it) and the batch clock.
#[derive(Debug)]
pub struct BatchIo<'a, 'm, R> {
    /// The input, line by line.
    pub lines: &'a mut Lines<R>,
    /// Batch size and what to do with a malformed line.
    pub options: &'a Options,
    /// Exercise 5's meter.
    pub meter: &'a mut Meter<'m>,
    /// Times each batch.
    pub clock: &'a mut BatchClock,
}

// ANCHOR: records
/// What a record holds: its own copies of the line's text, or borrows of it.
pub trait Records {
    /// A record whose text lives at least as long as `'b`.
    type Record<'b>;
    /// Makes a record from a parsed line (borrowing the batch's text).
    fn keep(r: Request<'_>) -> Self::Record<'_>;
    /// The record as the tallies read it.
    fn view<'a>(r: &'a Self::Record<'_>) -> Request<'a>;
}

/// Every text field copied into a `String` of its own: seven per record.
#[derive(Debug)]
pub struct Copied;

impl Records for Copied {
    type Record<'b> = OwnedRequest;
    fn keep(r: Request<'_>) -> OwnedRequest {
        OwnedRequest::new(&r)
    }
    fn view<'a>(r: &'a OwnedRequest) -> Request<'a> {
        r.as_request()
    }
}

/// The fields borrowed from the batch's text: nothing allocated per record.
#[derive(Debug)]
pub struct Borrowed;

impl Records for Borrowed {
    type Record<'b> = Request<'b>;
    fn keep(r: Request<'_>) -> Request<'_> {
        r
    }
    fn view<'a>(r: &'a Request<'_>) -> Request<'a> {
        *r
    }
}
// ANCHOR_END: records

// ANCHOR: blocks
/// Where a batch's blocks come from.
pub trait Blocks {
    /// The allocator one batch's blocks come from.
    type In<'a>: Allocator + Copy
    where
        Self: 'a;
    /// The allocator for the next batch. Taking `&mut self` means nothing
    /// from the previous batch still borrows it, so an arena may reset.
    fn for_batch(&mut self) -> Self::In<'_>;
}

/// The global allocator: every block is freed on its own.
impl Blocks for Global {
    type In<'a> = Global;
    fn for_batch(&mut self) -> Global {
        Global
    }
}

/// Chapter 5's phase arena: one reset frees a whole batch.
impl Blocks for PhaseArena {
    type In<'a> = &'a Bump;
    fn for_batch(&mut self) -> &Bump {
        // ANCHOR: task_arena_for_batch
        if self.bump().allocated_bytes() > 0 {
            self.reset();
        }
        self.bump()
        // ANCHOR_END: task_arena_for_batch
    }
}
// ANCHOR_END: blocks

// ANCHOR: batch_text
/// One batch's text: every line of the batch appended to one `String`, and
/// where each line lies in it. Reused from batch to batch, so once it has
/// grown to a batch it allocates no more. Every pipeline reads this way.
#[derive(Debug, Default)]
pub struct BatchText {
    text: String,
    lines: std::vec::Vec<(u64, std::ops::Range<usize>)>,
}

impl BatchText {
    /// Reads up to one batch of lines into the buffer (the previous batch's
    /// text goes: the borrow checker has made sure nothing points to it).
    pub fn read<R: BufRead>(
        &mut self,
        lines: &mut Lines<R>,
        options: &Options,
        skipped: &mut u64,
        meter: &mut Meter,
    ) -> Result<(), Error> {
        self.text.clear();
        self.lines.clear();
        while (self.lines.len() as u64) < options.batch_len() {
            let Some((line, text)) = lines.next_line()? else {
                break;
            };
            match text {
                Ok(text) => {
                    let start = self.text.len();
                    self.text.push_str(text);
                    self.lines.push((line, start..self.text.len()));
                }
                Err(reason) => access_log::on_malformed(options, line, reason, skipped)?,
            }
            meter.record_read(line, lines.bytes_read());
        }
        // Look ahead, so a batch that ends exactly at the end of the input
        // is known to be the last one.
        lines.at_end()?;
        Ok(())
    }

    /// The batch's records, in one `Vec` sized once, its block from `alloc`.
    pub fn parse<'b, K: Records, A: Allocator>(
        &'b self,
        alloc: A,
        options: &Options,
        skipped: &mut u64,
    ) -> Result<Vec<K::Record<'b>, A>, Error> {
        let mut records = Vec::with_capacity_in(self.lines.len(), alloc);
        for (line, range) in &self.lines {
            match parse_line(&self.text[range.clone()]) {
                Ok(request) => records.push(K::keep(request)),
                Err(reason) => access_log::on_malformed(options, *line, reason, skipped)?,
            }
        }
        Ok(records)
    }
}
// ANCHOR_END: batch_text

// ANCHOR: aggregate
/// A map whose keys, table and values all come from `A`.
type Map<V, A> = hashbrown::HashMap<Box<[u8], A>, V, MapHasher, A>;

/// The transform phase's state: per-route and per-client maps. Everything
/// it allocates comes from `A`; a key is copied in the first time it is
/// seen, and later requests only look it up.
#[derive(Debug)]
pub struct Aggregate<A: Allocator + Copy> {
    alloc: A,
    totals: Totals,
    routes: Map<RouteTally<Box<Latencies, A>>, A>,
    clients: Map<ClientTotals, A>,
    /// The route key being built: a scratch buffer reused for every
    /// request, the same `String` in every pipeline (it stops growing after
    /// the first few records).
    key: String,
}

impl<A: Allocator + Copy> Aggregate<A> {
    /// Empty maps, allocating nothing yet.
    pub fn new_in(alloc: A) -> Self {
        Aggregate {
            alloc,
            totals: Totals::default(),
            routes: Map::with_hasher_in(MapHasher::default(), alloc),
            clients: Map::with_hasher_in(MapHasher::default(), alloc),
            key: String::new(),
        }
    }

    /// Counts one batch of records.
    pub fn add<K: Records>(&mut self, records: &[K::Record<'_>]) {
        for r in records {
            let r = K::view(r);
            self.totals.add(&r);

            self.key.clear();
            self.key.extend(route_pieces(r.method, r.path));
            match self.routes.get_mut(self.key.as_bytes()) {
                Some(tally) => tally.add(&r),
                None => {
                    let mut tally = RouteTally::new(Box::new_in(Latencies::default(), self.alloc));
                    tally.add(&r);
                    self.routes
                        .insert(copy_in(self.key.as_bytes(), self.alloc), tally);
                }
            }

            match self.clients.get_mut(r.ip.as_bytes()) {
                Some(client) => client.add(&r),
                None => {
                    let mut client = ClientTotals::default();
                    client.add(&r);
                    self.clients
                        .insert(copy_in(r.ip.as_bytes(), self.alloc), client);
                }
            }
        }
    }

    /// Output phase: sorts the rows (in `A` too) and writes the report.
    pub fn write(&self, out: &mut impl Write, skipped: u64) -> std::io::Result<()> {
        let mut routes = Vec::with_capacity_in(self.routes.len(), self.alloc);
        routes.extend(self.routes.iter().map(|(k, t)| (text(k), t.finish())));
        routes.sort_unstable_by(|a, b| route_order((a.0, &a.1), (b.0, &b.1)));
        let mut clients = Vec::with_capacity_in(self.clients.len(), self.alloc);
        clients.extend(self.clients.iter().map(|(k, c)| (text(k), c)));
        clients.sort_unstable_by(|a, b| client_order((a.0, a.1), (b.0, b.1)));
        let totals = Totals {
            skipped,
            ..self.totals
        };
        write_report(
            out,
            &totals,
            routes.iter().map(|(k, r)| (*k, r)),
            clients.iter().map(|(k, c)| (*k, *c)),
        )?;
        out.flush()
    }
}

/// `bytes` in a block of their own from `alloc`.
fn copy_in<A: Allocator>(bytes: &[u8], alloc: A) -> Box<[u8], A> {
    let mut copy = Vec::with_capacity_in(bytes.len(), alloc);
    copy.extend(bytes); // one key per new route or client: a byte loop is fine
    copy.into_boxed_slice()
}

/// A key as text: keys are built from whole `&str` pieces, so always UTF-8.
fn text(key: &[u8]) -> &str {
    std::str::from_utf8(key).unwrap_or("")
}
// ANCHOR_END: aggregate
