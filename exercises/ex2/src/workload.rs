//! A request-like unit of work: the kind of code a web service runs thousands
//! of times a second, and the kind jemalloc is said to speed up.
//!
//! [`generate`] writes a random HTTP-ish request (request line, 4–12 headers,
//! a body of 16–96 words) into a reused buffer, from a seeded generator: the
//! same seed gives the same requests on every machine and under every
//! allocator. [`handle`] then does what a handler does with it, and
//! allocates the way handlers do: owned path segments, a header map of owned
//! strings, one lowercased `String` per body word, a word-count map that
//! grows as it fills, a sorted `Vec`, a joined route and a response string.
//! Around 30–250 allocations per request, nearly all under 100 bytes, every
//! one freed before the next request.

use std::collections::HashMap;
use std::fmt::Write;

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HEADER_NAMES: &[&str] = &[
    "Host",
    "Accept",
    "Accept-Encoding",
    "User-Agent",
    "Cookie",
    "X-Request-Id",
    "X-Forwarded-For",
    "Authorization",
    "Content-Type",
    "Cache-Control",
    "Referer",
    "Origin",
    "X-Trace",
    "If-None-Match",
];

const WORDS: &[&str] = &[
    "alpha",
    "Bravo",
    "charlie",
    "delta",
    "Echo",
    "foxtrot",
    "golf",
    "hotel",
    "India",
    "juliett",
    "kilo",
    "lima",
    "mike",
    "November",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "Sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "x-ray",
    "yankee",
    "Zulu",
    "allocator",
    "arena",
    "slab",
    "extent",
    "bin",
    "tcache",
    "decay",
    "purge",
    "page",
    "chunk",
    "heap",
    "stack",
    "pointer",
    "layout",
    "align",
    "size",
    "class",
    "thread",
    "cache",
    "line",
    "epoch",
    "resident",
];

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The generator every thread of every run uses: seeded, portable (ChaCha8
/// gives the same stream on every platform).
pub fn rng(seed: u64, thread: usize) -> ChaCha8Rng {
    // Distinct, reproducible streams per thread.
    ChaCha8Rng::seed_from_u64(seed ^ (thread as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Longest request `generate` can write; buffers of this capacity never grow.
pub const MAX_REQUEST: usize = 4096;

// ANCHOR: generate
/// Writes a random request into `out`, replacing its contents.
pub fn generate<R: Rng + ?Sized>(rng: &mut R, out: &mut String) {
    out.clear();
    out.push_str("GET ");
    for _ in 0..rng.random_range(1..=4) {
        out.push('/');
        out.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
    out.push_str(" HTTP/1.1\n");
    for _ in 0..rng.random_range(4..=12) {
        out.push_str(HEADER_NAMES[rng.random_range(0..HEADER_NAMES.len())]);
        out.push_str(": ");
        for _ in 0..rng.random_range(4..=48) {
            out.push(ALNUM[rng.random_range(0..ALNUM.len())] as char);
        }
        out.push('\n');
    }
    out.push('\n');
    for i in 0..rng.random_range(16..=96) {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
    out.push('\n');
}
// ANCHOR_END: generate

// ANCHOR: handle
/// Handles one request the way a small service would, and returns a checksum
/// of the response so the optimiser cannot skip any of it.
pub fn handle(raw: &str) -> u64 {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut lines = head.lines();
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/");

    // Routing keeps owned path segments.
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();

    // Headers: case-folded names, trimmed values, all owned.
    let mut headers: HashMap<String, String> = HashMap::with_capacity(16);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.to_ascii_lowercase(), value.trim().to_owned());
        }
    }

    // The body: normalised tokens, then how often each occurs.
    let mut tokens: Vec<String> = Vec::new();
    for word in body.split_ascii_whitespace() {
        tokens.push(word.to_ascii_lowercase());
    }
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for t in &tokens {
        *counts.entry(t.as_str()).or_insert(0) += 1;
    }
    let mut ranked: Vec<(&str, u32)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    // The response: a small JSON-like document.
    let route = segments.join("/");
    let mut response = String::with_capacity(256);
    let _ = write!(
        response,
        "{{\"route\":\"{route}\",\"headers\":{},\"top\":{{",
        headers.len()
    );
    for (word, n) in ranked.iter().take(8) {
        let _ = write!(response, "\"{word}\":{n},");
    }
    response.push_str("}}");

    let header_bytes: usize = headers.values().map(String::len).sum();
    (response.len() + header_bytes + tokens.len()) as u64
}
// ANCHOR_END: handle

/// Runs `units` requests on the calling thread from `seed` and returns the
/// checksum and exactly what they allocated (through exercise 1's tracker;
/// zeros if it is not the global allocator).
pub fn run(seed: u64, units: u64) -> (u64, ex1::Stats) {
    let mut rng = rng(seed, 0);
    let mut raw = String::with_capacity(MAX_REQUEST);
    ex1::measure(|| {
        let mut sum = 0u64;
        for _ in 0..units {
            generate(&mut rng, &mut raw);
            sum = sum.wrapping_add(handle(std::hint::black_box(&raw)));
        }
        sum
    })
}

/// What [`run`] counted (`s`), in total and per request.
pub fn table(s: &ex1::Stats, units: u64, seed: u64) -> kit::Table {
    let mut t = kit::Table::new(
        format!(
            "{} requests (seed {}), as the tracker counts them",
            units, seed
        ),
        &["counter", "total", "per request"],
    );
    let per = |x: u64| format!("{:.1}", x as f64 / units as f64);
    t.row(["allocs".to_string(), s.allocs.to_string(), per(s.allocs)]);
    t.row([
        "reallocs".to_string(),
        s.reallocs.to_string(),
        per(s.reallocs),
    ]);
    t.row([
        "deallocs".to_string(),
        s.deallocs.to_string(),
        per(s.deallocs),
    ]);
    t.row([
        "bytes requested".to_string(),
        s.bytes_allocated.to_string(),
        per(s.bytes_allocated),
    ]);
    t.row([
        "mean request, bytes".to_string(),
        format!(
            "{:.1}",
            s.bytes_allocated as f64 / (s.allocs + s.reallocs).max(1) as f64
        ),
        String::new(),
    ]);
    t.row([
        "peak live bytes".to_string(),
        s.peak_live_bytes.to_string(),
        String::new(),
    ]);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_fit_the_buffer_and_parse() {
        let mut rng = rng(7, 0);
        let mut raw = String::with_capacity(MAX_REQUEST);
        for _ in 0..2000 {
            generate(&mut rng, &mut raw);
            assert!(raw.len() <= MAX_REQUEST, "request of {} bytes", raw.len());
            assert!(raw.starts_with("GET /") && raw.contains("\n\n"));
            assert!(handle(&raw) > 0);
        }
    }

    #[test]
    fn same_seed_same_requests_other_seed_others() {
        let gen_n = |seed| {
            let mut rng = rng(seed, 0);
            let mut raw = String::new();
            let mut all = String::new();
            for _ in 0..20 {
                generate(&mut rng, &mut raw);
                all.push_str(&raw);
            }
            all
        };
        assert_eq!(gen_n(1), gen_n(1));
        assert_ne!(gen_n(1), gen_n(2));
    }
}
