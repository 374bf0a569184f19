//! The counting both pipelines do in their transform phase, and the report
//! their output phase writes.
//!
//! The tallies are plain fixed-size values: what differs between the two
//! pipelines is only the maps that hold them and the keys of those maps.
//! The report is written from sorted rows by one function, so the two
//! pipelines' outputs can be compared byte for byte.

use std::io::{self, Write};
use std::ops::DerefMut;

use crate::access_log::{Request, Timestamp};

// ANCHOR: hasher
/// The hash function of every map in both pipelines (foldhash, hashbrown's
/// default). Named once, here, so the two pipelines differ in how they
/// allocate and not in how they hash: std's `HashMap` defaults to
/// SipHash-1-3, several times slower on short keys than foldhash.
pub type MapHasher = hashbrown::DefaultHashBuilder;
// ANCHOR_END: hasher

/// Latency histogram buckets: one per millisecond from 0 to 999, and one for
/// everything from 1000 ms up.
pub const LATENCY_BUCKETS: usize = 1001;

/// Request durations of one route, 1 ms per bucket (4 KB: fixed size, so it
/// costs one allocation per route whatever the number of requests).
#[derive(Debug, Clone)]
pub struct Latencies {
    counts: [u32; LATENCY_BUCKETS],
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            counts: [0; LATENCY_BUCKETS],
        }
    }
}

impl Latencies {
    /// Counts one request of `ms` milliseconds.
    pub fn record(&mut self, ms: u32) {
        let i = (ms as usize).min(LATENCY_BUCKETS - 1);
        self.counts[i] = self.counts[i].saturating_add(1);
    }

    /// The smallest bucket at or below which `percent`% of the `total`
    /// recorded durations fall (nearest-rank method).
    pub fn percentile(&self, percent: u64, total: u64) -> u32 {
        let rank = (total * percent).div_ceil(100).max(1);
        let mut seen = 0;
        for (ms, &n) in self.counts.iter().enumerate() {
            seen += n as u64;
            if seen >= rank {
                return ms as u32;
            }
        }
        (LATENCY_BUCKETS - 1) as u32
    }
}

/// What the report says about one route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteTotals {
    /// Requests to this route.
    pub requests: u64,
    /// Requests by status class: 1xx, 2xx, 3xx, 4xx, 5xx.
    pub by_class: [u64; 5],
    /// Wide enough for any number of lines of any size (`u64::MAX` each).
    pub bytes: u128,
    /// Median duration.
    pub p50_ms: u32,
    /// 95th-percentile duration.
    pub p95_ms: u32,
    /// 99th-percentile duration.
    pub p99_ms: u32,
}

/// A route's running tally. `H` is where its histogram lives: a `Box` in the
/// std pipeline, a `&mut` into the transform arena in the arena pipeline.
#[derive(Debug)]
pub struct RouteTally<H> {
    /// What has been counted so far (percentiles still zero).
    pub totals: RouteTotals,
    /// The route's histogram of durations.
    pub latencies: H,
}

impl<H: DerefMut<Target = Latencies>> RouteTally<H> {
    /// A tally at zero over `latencies`, an empty histogram.
    pub fn new(latencies: H) -> Self {
        RouteTally {
            totals: RouteTotals::default(),
            latencies,
        }
    }

    /// Counts `r` in.
    pub fn add(&mut self, r: &Request<'_>) {
        let t = &mut self.totals;
        t.requests += 1;
        t.by_class[(r.status / 100 - 1) as usize] += 1;
        t.bytes += u128::from(r.bytes);
        self.latencies.record(r.duration_ms);
    }

    /// The totals with the percentiles filled in.
    pub fn finish(&self) -> RouteTotals {
        let n = self.totals.requests;
        RouteTotals {
            p50_ms: self.latencies.percentile(50, n),
            p95_ms: self.latencies.percentile(95, n),
            p99_ms: self.latencies.percentile(99, n),
            ..self.totals
        }
    }
}

/// What the report says about one client address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientTotals {
    /// Requests from this client.
    pub requests: u64,
    /// Wide enough for any number of lines of any size (`u64::MAX` each).
    pub bytes: u128,
    /// Responses with status 400 and up.
    pub errors: u64,
}

impl ClientTotals {
    /// Counts `r` in.
    pub fn add(&mut self, r: &Request<'_>) {
        self.requests += 1;
        self.bytes += u128::from(r.bytes);
        self.errors += u64::from(r.status >= 400);
    }
}

/// Report order for clients: most requests first, then most bytes, then
/// address, so the order is total and both pipelines agree.
pub fn client_order(a: (&str, &ClientTotals), b: (&str, &ClientTotals)) -> std::cmp::Ordering {
    b.1.requests
        .cmp(&a.1.requests)
        .then(b.1.bytes.cmp(&a.1.bytes))
        .then(a.0.cmp(b.0))
}

/// Report order for routes: most requests first, then the route itself.
pub fn route_order(a: (&str, &RouteTotals), b: (&str, &RouteTotals)) -> std::cmp::Ordering {
    b.1.requests.cmp(&a.1.requests).then(a.0.cmp(b.0))
}

/// How many clients the report lists.
pub const TOP_CLIENTS: usize = 10;

/// Whole-input totals: fixed size, no keys, shared by both pipelines.
#[derive(Debug, Clone)]
pub struct Totals {
    /// Lines parsed into requests.
    pub records: u64,
    /// Malformed lines skipped.
    pub skipped: u64,
    /// Bytes of every response body.
    pub bytes: u128,
    /// Requests by a logged-in user (not `-`).
    pub logged_in: u64,
    /// Requests whose agent contains `bot`.
    pub bots: u64,
    /// The earliest time seen.
    pub first: Option<Timestamp>,
    /// The latest time seen.
    pub last: Option<Timestamp>,
    /// Requests per status code (index = code, 100 to 599).
    pub statuses: [u64; 600],
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            records: 0,
            skipped: 0,
            bytes: 0,
            logged_in: 0,
            bots: 0,
            first: None,
            last: None,
            statuses: [0; 600],
        }
    }
}

impl Totals {
    /// Counts `r` in.
    pub fn add(&mut self, r: &Request<'_>) {
        self.records += 1;
        self.bytes += u128::from(r.bytes);
        self.logged_in += u64::from(r.user != "-");
        self.bots += u64::from(r.agent.contains("bot"));
        self.statuses[r.status as usize] += 1;
        if let Some(t) = Timestamp::parse(r.time) {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

// ANCHOR: write_report
/// Writes the report. `routes` and `clients` come sorted (see
/// [`route_order`], [`client_order`]); route keys are `METHOD /route`.
/// The last line says the report is complete, so a truncated copy is
/// recognisable.
pub fn write_report<'a>(
    out: &mut impl Write,
    totals: &Totals,
    routes: impl Iterator<Item = (&'a str, &'a RouteTotals)>,
    clients: impl Iterator<Item = (&'a str, &'a ClientTotals)>,
) -> io::Result<()> {
    writeln!(out, "access log report")?;
    writeln!(out, "  records           {:>12}", totals.records)?;
    writeln!(out, "  malformed skipped {:>12}", totals.skipped)?;
    if let (Some(first), Some(last)) = (totals.first, totals.last) {
        writeln!(out, "  first request     {first}")?;
        writeln!(out, "  last request      {last}")?;
    }
    writeln!(out, "  bytes sent        {:>12}", totals.bytes)?;
    writeln!(out, "  logged-in requests{:>12}", totals.logged_in)?;
    writeln!(out, "  bot requests      {:>12}", totals.bots)?;
    writeln!(out)?;
    writeln!(
        out,
        "routes, by requests (latency in ms; 1000 means 1000 or more)"
    )?;
    writeln!(
        out,
        "  {:<7}{:<28}{:>9}{:>8}{:>8}{:>8}{:>8}{:>13}{:>6}{:>6}{:>6}",
        "method", "route", "requests", "2xx", "3xx", "4xx", "5xx", "bytes", "p50", "p95", "p99"
    )?;
    for (key, r) in routes {
        let (method, route) = key.split_once(' ').unwrap_or((key, ""));
        writeln!(
            out,
            "  {:<7}{:<28}{:>9}{:>8}{:>8}{:>8}{:>8}{:>13}{:>6}{:>6}{:>6}",
            method,
            route,
            r.requests,
            r.by_class[1],
            r.by_class[2],
            r.by_class[3],
            r.by_class[4],
            r.bytes,
            r.p50_ms,
            r.p95_ms,
            r.p99_ms
        )?;
    }
    writeln!(out)?;
    writeln!(out, "status codes")?;
    for (code, &n) in totals.statuses.iter().enumerate().filter(|(_, n)| **n > 0) {
        writeln!(out, "  {code} {n:>12}")?;
    }
    writeln!(out)?;
    writeln!(out, "top {TOP_CLIENTS} clients, by requests")?;
    writeln!(
        out,
        "  {:<17}{:>9}{:>13}{:>8}",
        "address", "requests", "bytes", "errors"
    )?;
    for (ip, c) in clients.take(TOP_CLIENTS) {
        writeln!(
            out,
            "  {ip:<17}{:>9}{:>13}{:>8}",
            c.requests, c.bytes, c.errors
        )?;
    }
    writeln!(out)?;
    writeln!(out, "end of report ({} records)", totals.records)
}
// ANCHOR_END: write_report

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut l = Latencies::default();
        for ms in 1..=100 {
            l.record(ms);
        }
        assert_eq!(l.percentile(50, 100), 50);
        assert_eq!(l.percentile(95, 100), 95);
        assert_eq!(l.percentile(99, 100), 99);
        l.record(5000); // clamped into the last bucket
        assert_eq!(l.percentile(100, 101), 1000);
    }
}
