//! The input: web server access-log lines from a seeded generator.
//!
//! The same seed and count always give the same bytes, on every platform: the
//! random numbers come from SplitMix64 and everything derived from them is
//! integer arithmetic (no floating point, no `ln`, whose last bits may differ
//! between C libraries). Record `i` depends only on the seed and the records
//! before it, so the first `n` lines of a longer run are the `n` lines of a
//! shorter one.
//!
//! A line looks like this (one per request, the format `access_log::parse_line`
//! reads):
//!
//! ```text
//! 203.0.113.7 - user42 [2024-03-01T00:00:03Z] "GET /api/products/1234 HTTP/1.1" 200 2817 19 "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"
//! ```
//!
//! Client address, user (`-` when not logged in), time, request line, status,
//! response bytes, duration in milliseconds, user agent.

use std::io::{self, Read, Write};

/// SplitMix64: tiny, fast, and fully specified, so the data never drifts.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by the multiply-high method.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// How many distinct clients the generated traffic comes from.
pub const CLIENTS: u64 = 1_000;

/// Midnight, 1 March 2024 (UTC), in seconds since 1970: the first request.
const START: u64 = 1_709_251_200;

/// Route templates: method, path, relative weight, typical duration (ms),
/// typical response size (bytes). `{id}`, `{page}` and `{word}` in a path are
/// filled in per request.
const ROUTES: &[(&str, &str, u64, u32, u64)] = &[
    ("GET", "/", 10, 8, 12_000),
    ("GET", "/static/app.js", 12, 2, 180_000),
    ("GET", "/static/style.css", 10, 2, 40_000),
    ("GET", "/favicon.ico", 5, 1, 1_150),
    ("GET", "/api/products?page={page}", 12, 25, 8_000),
    ("GET", "/api/products/{id}", 16, 18, 2_500),
    ("GET", "/api/users/{id}/orders", 6, 40, 6_000),
    ("GET", "/api/orders/{id}", 6, 22, 1_800),
    ("POST", "/api/orders", 4, 120, 400),
    ("PUT", "/api/cart/{id}", 5, 30, 300),
    ("DELETE", "/api/cart/{id}/items/{id}", 2, 25, 0),
    ("GET", "/search?q={word}", 7, 60, 9_000),
    ("POST", "/login", 2, 200, 250),
    ("GET", "/logout", 1, 5, 0),
    ("GET", "/health", 2, 1, 2),
];

const WORDS: &[&str] = &[
    "kettle", "lamp", "desk", "chair", "socks", "teapot", "cable", "charger", "backpack", "mug",
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
];

/// Produces access-log lines one at a time into a caller's buffer.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    rng: Rng,
    remaining: u64,
    clock: u64,
    total_weight: u64,
}

impl Generator {
    /// `records` lines from `seed`.
    pub fn new(seed: u64, records: u64) -> Generator {
        Generator {
            seed,
            rng: Rng::new(seed),
            remaining: records,
            clock: START,
            total_weight: ROUTES.iter().map(|r| r.2).sum(),
        }
    }

    /// Lines not yet produced.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Appends the next line (with its `\n`) to `out`; false when done.
    pub fn next_line(&mut self, out: &mut Vec<u8>) -> bool {
        if self.remaining == 0 {
            return false;
        }
        self.remaining -= 1;
        // Writing into a Vec<u8> cannot fail.
        let _ = self.write_line(out);
        true
    }

    fn write_line(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        let rng = &mut self.rng;
        // A few clients send most of the traffic: the minimum of three
        // uniform draws leans towards small indices.
        let client = rng
            .below(CLIENTS)
            .min(rng.below(CLIENTS))
            .min(rng.below(CLIENTS));
        let h = mix(self.seed ^ client.wrapping_mul(0xA24B_AED4_963E_E407));
        write!(
            out,
            "{}.{}.{}.{} - ",
            11 + h % 212,
            (h >> 8) & 255,
            (h >> 16) & 255,
            1 + (h >> 24) % 254
        )?;
        // About a third of the clients are logged in, each as their own user.
        match client % 3 {
            0 => write!(out, "user{}", client % 500)?,
            _ => out.push(b'-'),
        }
        self.clock += rng.below(3);
        out.extend_from_slice(b" [");
        write_time(out, self.clock)?;
        out.extend_from_slice(b"] \"");

        let mut pick = rng.below(self.total_weight);
        let route = ROUTES
            .iter()
            .position(|r| {
                if pick < r.2 {
                    true
                } else {
                    pick -= r.2;
                    false
                }
            })
            .unwrap_or(0);
        let (method, template, _, typical_ms, typical_bytes) = ROUTES[route];
        write!(out, "{method} ")?;
        let mut id = 0;
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.extend_from_slice(&rest.as_bytes()[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            match &rest[open + 1..close] {
                "id" => {
                    id = 1 + rng.below(100_000);
                    write!(out, "{id}")?;
                }
                "page" => write!(out, "{}", 1 + rng.below(50))?,
                _ => {
                    out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes())
                }
            }
            rest = &rest[(close + 1).min(rest.len())..];
        }
        out.extend_from_slice(rest.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\" ");

        let status: u16 = if rng.chance(5) {
            500
        } else if rng.chance(2) {
            503
        } else {
            match (method, template) {
                (_, t) if t.starts_with("/static") && rng.chance(200) => 304,
                (_, "/api/products/{id}") if id > 90_000 => 404,
                ("POST", "/api/orders") if rng.chance(30) => 422,
                ("POST", "/api/orders") => 201,
                ("POST", "/login") if rng.chance(250) => 401,
                ("DELETE", _) => 204,
                _ => 200,
            }
        };
        let bytes = match status {
            204 | 304 => 0,
            _ if typical_bytes == 0 => 0,
            _ => typical_bytes / 2 + rng.below(typical_bytes),
        };
        // Durations: around the route's typical time, with a slow tail (2%
        // of requests take 5 to 20 times as long).
        let base = typical_ms as u64;
        let mut ms = base / 2 + rng.below(base + 1);
        if rng.chance(20) {
            ms *= 5 + rng.below(16);
        }
        let agent = AGENTS[rng.below(AGENTS.len() as u64) as usize];
        writeln!(out, "{status} {bytes} {ms} \"{agent}\"")
    }
}

/// A bijective scramble of a `u64` (SplitMix64's finaliser).
fn mix(x: u64) -> u64 {
    Rng::new(x).next_u64()
}

/// Writes `secs` (since 1970, UTC) as `YYYY-MM-DDTHH:MM:SSZ`.
fn write_time(out: &mut Vec<u8>, secs: u64) -> io::Result<()> {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = kit::machine::civil_date(days as i64);
    write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

// ANCHOR: generate
/// Writes `records` log lines from `seed` to `out`.
pub fn generate(seed: u64, records: u64, out: &mut impl Write) -> io::Result<()> {
    let mut generator = Generator::new(seed, records);
    let mut line = Vec::with_capacity(512);
    while generator.next_line(&mut line) {
        out.write_all(&line)?;
        line.clear();
    }
    Ok(())
}

/// The generator as a reader, so a pipeline can stream generated input
/// without holding all of it: memory stays one line, however many records.
#[derive(Debug)]
pub struct GeneratedInput {
    generator: Generator,
    line: Vec<u8>,
    pos: usize,
}

impl GeneratedInput {
    /// The `records` lines [`generate`] writes for `seed`, made as they are read.
    pub fn new(seed: u64, records: u64) -> GeneratedInput {
        GeneratedInput {
            generator: Generator::new(seed, records),
            line: Vec::with_capacity(512),
            pos: 0,
        }
    }
}

impl Read for GeneratedInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.line.len() {
            self.line.clear();
            self.pos = 0;
            if !self.generator.next_line(&mut self.line) {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.line.len() - self.pos);
        buf[..n].copy_from_slice(&self.line[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
// ANCHOR_END: generate

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert() {
        assert_eq!(kit::machine::civil_date(0), (1970, 1, 1));
        assert_eq!(kit::machine::civil_date(19_783), (2024, 3, 1));
        assert_eq!(kit::machine::civil_date(19_782), (2024, 2, 29));
        let mut v = Vec::new();
        write_time(&mut v, START + 86_399).unwrap();
        assert_eq!(v, b"2024-03-01T23:59:59Z");
    }

    #[test]
    fn a_longer_run_starts_with_the_shorter_one() {
        let (mut short, mut long) = (Vec::new(), Vec::new());
        generate(7, 100, &mut short).unwrap();
        generate(7, 1000, &mut long).unwrap();
        assert!(long.starts_with(&short));
        assert_eq!(short.iter().filter(|&&b| b == b'\n').count(), 100);
    }

    #[test]
    fn the_reader_gives_the_same_bytes() {
        let mut direct = Vec::new();
        generate(3, 500, &mut direct).unwrap();
        let mut read = Vec::new();
        GeneratedInput::new(3, 500).read_to_end(&mut read).unwrap();
        assert_eq!(direct, read);
    }
}
