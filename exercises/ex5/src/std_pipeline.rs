//! The std twin: the same phases with `String`, `Vec` and `HashMap`.
//!
//! Same reader, same parser, same tallies, same report writer as the arena
//! pipeline (see [`crate::access_log`] and [`crate::tally`]); only the memory is
//! different. A request owns its text, one `String` per field; the maps own
//! their keys; dropping a phase's data frees it one allocation at a time.
//! Its maps are std's `HashMap` with the same hash function as the arena's
//! ([`MapHasher`]), so hashing is not one of the differences.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use crate::access_log::{self, Error, Lines, Options, Request, parse_line, route_pieces};
use crate::meter::{Fingerprint, Meter, Outcome};
use crate::phase_arena::Phase;
use crate::tally::{
    ClientTotals, Latencies, MapHasher, RouteTally, RouteTotals, Totals, client_order, route_order,
    write_report,
};

// ANCHOR: owned_request
/// A request that owns its text: seven `String`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRequest {
    /// The client's address.
    pub ip: String,
    /// `-` when not logged in.
    pub user: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path asked for, query string included.
    pub path: String,
    /// `HTTP/1.1`, ...
    pub protocol: String,
    /// The response's status code, 100 to 599.
    pub status: u16,
    /// Bytes in the response body.
    pub bytes: u64,
    /// How long the server took to answer.
    pub duration_ms: u32,
    /// The `User-Agent` header.
    pub agent: String,
}
// ANCHOR_END: owned_request

impl OwnedRequest {
    /// Copies every text field of `r` into a `String` of its own.
    pub fn new(r: &Request<'_>) -> OwnedRequest {
        OwnedRequest {
            ip: r.ip.to_string(),
            user: r.user.to_string(),
            time: r.time.to_string(),
            method: r.method.to_string(),
            path: r.path.to_string(),
            protocol: r.protocol.to_string(),
            status: r.status,
            bytes: r.bytes,
            duration_ms: r.duration_ms,
            agent: r.agent.to_string(),
        }
    }

    /// A borrowed view, for the shared tallies.
    pub fn as_request(&self) -> Request<'_> {
        Request {
            ip: &self.ip,
            user: &self.user,
            time: &self.time,
            method: &self.method,
            path: &self.path,
            protocol: &self.protocol,
            status: self.status,
            bytes: self.bytes,
            duration_ms: self.duration_ms,
            agent: &self.agent,
        }
    }
}

// ANCHOR: parse
/// Parse phase: clears `requests` (freeing the previous batch's strings) and
/// reads up to one batch of lines into it.
pub fn parse<R: BufRead>(
    requests: &mut Vec<OwnedRequest>,
    lines: &mut Lines<R>,
    options: &Options,
    skipped: &mut u64,
    meter: &mut Meter,
) -> Result<(), Error> {
    requests.clear();
    requests.reserve_exact(options.reserve());
    while (requests.len() as u64) < options.batch_len() {
        let Some((line, text)) = lines.next_line()? else {
            break;
        };
        match text.and_then(parse_line) {
            Ok(request) => requests.push(OwnedRequest::new(&request)),
            Err(reason) => access_log::on_malformed(options, line, reason, skipped)?,
        }
        meter.record_read(line, lines.bytes_read());
    }
    // Look ahead, so a batch that ends exactly at the end of the input is
    // known to be the last one.
    lines.at_end()?;
    Ok(())
}
// ANCHOR_END: parse

/// Transform phase state: maps that own their keys.
#[derive(Debug, Default)]
pub struct Aggregate {
    totals: Totals,
    routes: HashMap<String, RouteTally<Box<Latencies>>, MapHasher>,
    clients: HashMap<String, ClientTotals, MapHasher>,
    key: String,
}

impl Aggregate {
    /// Counts one batch. A key seen for the first time becomes a `String`
    /// the map owns; later requests only look it up.
    pub fn add(&mut self, requests: &[OwnedRequest]) {
        for r in requests {
            self.add_one(&r.as_request());
        }
    }

    /// Counts requests that borrow their text from elsewhere (the tests feed
    /// both pipelines' aggregates the same parsed requests): the same maps,
    /// the same keys.
    pub fn add_borrowed(&mut self, requests: &[Request<'_>]) {
        for r in requests {
            self.add_one(r);
        }
    }

    fn add_one(&mut self, r: &Request<'_>) {
        {
            let r = *r;
            self.totals.add(&r);

            self.key.clear();
            self.key.extend(route_pieces(r.method, r.path));
            match self.routes.get_mut(self.key.as_str()) {
                Some(tally) => tally.add(&r),
                None => {
                    let mut tally = RouteTally::new(Box::default());
                    tally.add(&r);
                    self.routes.insert(self.key.clone(), tally);
                }
            }

            match self.clients.get_mut(r.ip) {
                Some(client) => client.add(&r),
                None => {
                    let mut client = ClientTotals::default();
                    client.add(&r);
                    self.clients.insert(r.ip.to_string(), client);
                }
            }
        }
    }

    /// The end of the transform phase: sorted rows, ready to print.
    pub fn finish(self, skipped: u64) -> Summary {
        let mut routes: Vec<(String, RouteTotals)> = self
            .routes
            .into_iter()
            .map(|(key, tally)| (key, tally.finish()))
            .collect();
        routes.sort_unstable_by(|a, b| route_order((&a.0, &a.1), (&b.0, &b.1)));
        let mut clients: Vec<(String, ClientTotals)> = self.clients.into_iter().collect();
        clients.sort_unstable_by(|a, b| client_order((&a.0, &a.1), (&b.0, &b.1)));
        Summary {
            totals: Totals {
                skipped,
                ..self.totals
            },
            routes,
            clients,
        }
    }
}

/// The transform phase's result.
#[derive(Debug)]
pub struct Summary {
    /// Whole-input totals.
    pub totals: Totals,
    /// Per-route totals.
    pub routes: Vec<(String, RouteTotals)>,
    /// Per-client totals.
    pub clients: Vec<(String, ClientTotals)>,
}

impl Summary {
    /// Output phase: the report.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        write_report(
            out,
            &self.totals,
            self.routes.iter().map(|(k, r)| (k.as_str(), r)),
            self.clients.iter().map(|(k, c)| (k.as_str(), c)),
        )?;
        out.flush()
    }
}

// ANCHOR: run
/// Runs the std pipeline over `input`, writing the report to `out`.
pub fn run(
    input: impl BufRead,
    out: impl Write,
    options: &Options,
    meter: &mut Meter,
) -> Result<Outcome, Error> {
    let mut input = input; // the caller's reader: it outlives every measurement
    let mut lines = Lines::new(&mut input, options);
    let mut skipped = 0;
    let mut requests = Vec::new();
    let mut aggregate = Aggregate::default();
    loop {
        meter.phase(Phase::Parse, |m| {
            parse(&mut requests, &mut lines, options, &mut skipped, m)
        })?;
        meter.phase(Phase::Transform, |_| aggregate.add(&requests));
        if lines.exhausted() {
            break;
        }
    }
    drop(lines); // the input is read: its buffer goes
    let summary = meter.phase(Phase::Transform, |_| aggregate.finish(skipped));

    // The transform phase is over: its input goes, one String at a time.
    meter.drop_phase(Phase::Parse, requests);

    let mut out = Fingerprint::new(out);
    meter
        .phase(Phase::Output, |_| summary.write(&mut out))
        .map_err(Error::Write)?;
    let outcome = out.outcome(summary.totals.records, skipped);
    meter.drop_phase(Phase::Transform, summary);
    Ok(outcome)
}
// ANCHOR_END: run
