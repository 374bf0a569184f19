//! Find and fix: the transform step of exercise 5's pipeline (requests per
//! route and per client), written twice.
//!
//! [`NaiveTally`] is how it often starts: a route key built with a fresh
//! `String` for every request, a client key copied for every request
//! (`entry` wants an owned key even when the key is already there), and the
//! report rows collected into a `Vec` that grows as it goes. A heap profile
//! of it points straight at the route key: one allocation per request, the
//! hottest site of the whole program.
//!
//! [`Tally`] is the fix: the key is built in one reused buffer, looked up by
//! `&str`, and copied only the first time it is seen; the rows' `Vec` is
//! made with its final capacity. Counting a batch whose keys are all known
//! then allocates nothing, and [`Tally::rows`] allocates once.
//! [`check_budgets`] holds a tally to those two budgets; the budget tests in
//! `tests/budget.rs` keep the fix there.

use std::collections::HashMap;

use ex1::Stats;
use ex1::budget::{self, Budget};
use ex5::access_log::Request;
use ex5::access_log::{parse_line, route_pieces};
use ex5::tally::MapHasher;
use serde::{Deserialize, Serialize};

/// One row of the report: a key and its request count.
pub type Row<'a> = (&'a str, u64);

// ANCHOR: naive
/// Requests per route and per client, the first way that comes to mind.
#[derive(Debug, Default)]
pub struct NaiveTally {
    routes: HashMap<String, u64, MapHasher>,
    clients: HashMap<String, u64, MapHasher>,
}

impl NaiveTally {
    /// Counts one batch.
    pub fn add(&mut self, requests: &[Request<'_>]) {
        for r in requests {
            // A new String for every request: the hot allocation site.
            let route: String = route_pieces(r.method, r.path).collect();
            *self.routes.entry(route).or_insert(0) += 1;
            // And a copy of the address, even when the map already has it.
            *self.clients.entry(r.ip.to_string()).or_insert(0) += 1;
        }
    }

    /// Routes, then clients, most requests first.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::new(); // grows as it goes
        for (k, &n) in self.routes.iter().chain(&self.clients) {
            rows.push((k.as_str(), n));
        }
        rows.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        rows
    }
}
// ANCHOR_END: naive

/// Requests per route and per client, allocating only for keys never seen.
#[derive(Debug, Default)]
pub struct Tally {
    routes: HashMap<String, u64, MapHasher>,
    clients: HashMap<String, u64, MapHasher>,
    /// The route key of the request being counted: one buffer, reused.
    key: String,
}

impl Tally {
    // ANCHOR: fixed
    /// Counts one batch. Allocates only for a route or client seen for the
    /// first time (its key, and the map's growth).
    pub fn add(&mut self, requests: &[Request<'_>]) {
        // ANCHOR: task_tally_add
        for r in requests {
            self.key.clear();
            self.key.extend(route_pieces(r.method, r.path));
            match self.routes.get_mut(self.key.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.routes.insert(self.key.clone(), 1);
                }
            }
            match self.clients.get_mut(r.ip) {
                Some(n) => *n += 1,
                None => {
                    self.clients.insert(r.ip.to_string(), 1);
                }
            }
        }
        // ANCHOR_END: task_tally_add
    }

    /// Routes, then clients, most requests first: one allocation.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::with_capacity(self.routes.len() + self.clients.len());
        for (k, &n) in self.routes.iter().chain(&self.clients) {
            rows.push((k.as_str(), n));
        }
        rows.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        rows
    }
    // ANCHOR_END: fixed
}

/// `records` generated access-log lines (exercise 5's generator, `seed`),
/// one `String` holding them all.
pub fn lines(seed: u64, records: u64) -> String {
    let mut g = ex5::generate::Generator::new(seed, records);
    let mut text = Vec::new();
    while g.next_line(&mut text) {}
    // The generator writes ASCII only.
    String::from_utf8(text).unwrap_or_default()
}

/// Parses every line of `text` (the generator writes no malformed ones).
pub fn requests(text: &str) -> Vec<Request<'_>> {
    text.lines().filter_map(|l| parse_line(l).ok()).collect()
}

/// Which version of the tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Version {
    /// The tally as first written: it allocates per record.
    Naive,
    /// The tally after the fix.
    Fixed,
}

impl Version {
    /// Both, naive first.
    pub const ALL: [Version; 2] = [Version::Naive, Version::Fixed];

    /// The name `--version` takes and tables show.
    pub fn name(self) -> &'static str {
        match self {
            Version::Naive => "naive",
            Version::Fixed => "fixed",
        }
    }
}

// ANCHOR: count_once
/// One fresh tally over `requests`, then its rows; returns the rows' count
/// and total (so the work cannot be optimised away, and both versions can be
/// checked to agree).
#[inline(never)]
pub fn count_once(version: Version, requests: &[Request<'_>]) -> (usize, u64) {
    let sum = |rows: Vec<Row<'_>>| (rows.len(), rows.iter().map(|r| r.1).sum());
    match version {
        Version::Naive => {
            let mut t = NaiveTally::default();
            t.add(requests);
            sum(t.rows())
        }
        Version::Fixed => {
            let mut t = Tally::default();
            t.add(requests);
            sum(t.rows())
        }
    }
}
// ANCHOR_END: count_once

/// What both tallies do, so that one budget check serves either.
pub trait Tallying: Default {
    /// Counts one batch.
    fn count(&mut self, requests: &[Request<'_>]);
    /// Builds the rows and says how many there are.
    fn row_count(&self) -> usize;
}

impl Tallying for NaiveTally {
    fn count(&mut self, requests: &[Request<'_>]) {
        self.add(requests);
    }
    fn row_count(&self) -> usize {
        self.rows().len()
    }
}

impl Tallying for Tally {
    fn count(&mut self, requests: &[Request<'_>]) {
        self.add(requests);
    }
    fn row_count(&self) -> usize {
        self.rows().len()
    }
}

/// How a tally fared against the fix's two budgets: each call's exact
/// counts, or how it broke its budget.
#[derive(Debug)]
pub struct Budgets {
    /// Counting a batch whose keys are all known (after one warm-up call
    /// that inserts them), held to a zero budget.
    pub again: Result<Stats, budget::Error>,
    /// Building the rows of the warm tally, held to one allocation.
    pub rows: Result<Stats, budget::Error>,
}

// ANCHOR: budgets
/// Holds a fresh tally `T` of `requests` to the budgets the fix is known
/// by: nothing for a batch of known keys, one allocation for the rows.
pub fn check_budgets<T: Tallying>(requests: &[Request<'_>]) -> Budgets {
    // ANCHOR: task_check_budgets
    let mut tally = T::default();
    // The warm-up call inserts every key; the measured call finds them all.
    let again = Budget::zero().warm_up(1).check(|| tally.count(requests));
    let rows = Budget::allocs(1).check(|| tally.row_count());
    Budgets { again, rows }
    // ANCHOR_END: task_check_budgets
}
// ANCHOR_END: budgets
