//! What both pipelines share: reading lines, parsing one into a [`Request`]
//! whose fields borrow the line, the options, and the errors.
//!
//! Sharing this code is what makes the comparison fair: the arena pipeline
//! and its std twin read the same bytes the same way and accept or reject the
//! same lines. They differ only in where the memory for what they keep lives.

use std::fmt;
use std::io::{self, BufRead, Read};

// ANCHOR: request
/// One access-log line, parsed. Every text field borrows the line it came
/// from: where that line lives decides where the request's memory lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The client's address.
    pub ip: &'a str,
    /// `-` when not logged in.
    pub user: &'a str,
    /// `YYYY-MM-DDTHH:MM:SSZ`, checked by the parser.
    pub time: &'a str,
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path asked for, query string included.
    pub path: &'a str,
    /// `HTTP/1.1`, ...
    pub protocol: &'a str,
    /// The response's status code, 100 to 599.
    pub status: u16,
    /// Bytes in the response body.
    pub bytes: u64,
    /// How long the server took to answer.
    pub duration_ms: u32,
    /// The `User-Agent` header.
    pub agent: &'a str,
}
// ANCHOR_END: request

/// Splits `rest` at the first `sep`: returns what came before and leaves
/// `rest` after the separator.
fn field<'a>(rest: &mut &'a str, sep: char) -> Option<&'a str> {
    let (head, tail) = rest.split_once(sep)?;
    *rest = tail;
    Some(head)
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    // `parse` accepts a leading `+`; a log field never has one.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses one line (without its newline). The error says what was wrong.
pub fn parse_line(line: &str) -> Result<Request<'_>, &'static str> {
    let mut rest = line;
    let ip = field(&mut rest, ' ').ok_or("no client address")?;
    if ip.is_empty() {
        return Err("empty client address");
    }
    rest = rest
        .strip_prefix("- ")
        .ok_or("expected '- ' after the client address")?;
    let user = field(&mut rest, ' ').ok_or("no user field")?;
    rest = rest
        .strip_prefix('[')
        .ok_or("expected '[' before the time")?;
    let time = field(&mut rest, ']').ok_or("unterminated time")?;
    Timestamp::parse(time).ok_or("time is not YYYY-MM-DDTHH:MM:SSZ")?;
    rest = rest
        .strip_prefix(" \"")
        .ok_or("expected a quoted request after the time")?;
    let request = field(&mut rest, '"').ok_or("unterminated request")?;
    let (method, target) = request.split_once(' ').ok_or("request has no path")?;
    let (path, protocol) = target.split_once(' ').ok_or("request has no protocol")?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("method is not an upper-case word");
    }
    if !path.starts_with('/') {
        return Err("path does not start with '/'");
    }
    rest = rest.strip_prefix(' ').ok_or("expected a status")?;
    let status = field(&mut rest, ' ')
        .and_then(number::<u16>)
        .filter(|s| (100..=599).contains(s))
        .ok_or("status is not a number from 100 to 599")?;
    let bytes = field(&mut rest, ' ')
        .and_then(number)
        .ok_or("response size is not a number")?;
    let duration_ms = field(&mut rest, ' ')
        .and_then(number)
        .ok_or("duration is not a number of milliseconds")?;
    let agent = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or("user agent is not quoted")?;
    Ok(Request {
        ip,
        user,
        time,
        method,
        path,
        protocol,
        status,
        bytes,
        duration_ms,
        agent,
    })
}

/// A checked `YYYY-MM-DDTHH:MM:SSZ` time, kept by value (20 bytes) so a
/// summary can hold the first and last time without borrowing any line.
/// Byte order is time order for this format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp([u8; 20]);

impl Timestamp {
    /// The time in `text`, if `text` is exactly of the form `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let b: [u8; 20] = text.as_bytes().try_into().ok()?;
        let shape = b"dddd-dd-ddTdd:dd:ddZ";
        let ok = b.iter().zip(shape).all(|(&c, &s)| {
            if s == b'd' {
                c.is_ascii_digit()
            } else {
                c == s
            }
        });
        ok.then_some(Timestamp(b))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only ASCII digits and separators got in (see `parse`).
        f.write_str(std::str::from_utf8(&self.0).unwrap_or("?"))
    }
}

// ANCHOR: normalise
/// The route a request belongs to, as pieces of text to append: the method,
/// a space, then the path with its query string dropped and every numeric
/// segment replaced by `:id`, so `/api/orders/1234?x=1` and `/api/orders/7`
/// both give `GET /api/orders/:id`. Pieces rather than a `String`, so each
/// pipeline builds the key in a buffer of its own kind that it reuses.
pub fn route_pieces<'a>(method: &'a str, path: &'a str) -> impl Iterator<Item = &'a str> {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let segments = path.split('/').enumerate().flat_map(|(i, segment)| {
        let numeric = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
        [
            if i > 0 { "/" } else { "" },
            if numeric { ":id" } else { segment },
        ]
    });
    [method, " "].into_iter().chain(segments)
}
// ANCHOR_END: normalise

/// Lines longer than this are rejected (and skipped over without storing
/// them), so no single line can take unbounded memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The reason such a line is rejected with: "line longer than N bytes", N
/// being [`MAX_LINE_BYTES`]. Reasons are `&'static str` (no `format!` on
/// every long line), so the number is written out, and a compile-time
/// assertion keeps it equal to the constant.
pub const LINE_TOO_LONG: &str = "line longer than 65536 bytes";
// The text names the limit: checked when the crate compiles.
const _: () = assert!(
    number_in(LINE_TOO_LONG) == MAX_LINE_BYTES,
    "LINE_TOO_LONG must name MAX_LINE_BYTES"
);

/// The number a text holds (its digits read in order).
const fn number_in(text: &str) -> usize {
    let (bytes, mut i, mut n) = (text.as_bytes(), 0, 0);
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            n = n * 10 + (bytes[i] - b'0') as usize;
        }
        i += 1;
    }
    n
}

/// Without `--batch`, a run keeps all its input in memory; past this many
/// input bytes it stops with an error instead.
pub const MAX_UNBATCHED_INPUT_BYTES: u64 = 1 << 30;

/// How a pipeline runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Records per batch; `None`: one batch holding the whole input.
    pub batch: Option<u64>,
    /// Most bytes each phase arena may take from the global allocator.
    pub arena_limit: Option<usize>,
    /// Count and skip malformed lines instead of stopping at the first.
    pub skip_malformed: bool,
    /// How many records the input holds, when known (generated input):
    /// each batch's request vector is then sized once instead of growing.
    pub expected_records: Option<u64>,
}

impl Options {
    /// Records per batch (`u64::MAX` without `--batch`).
    pub fn batch_len(&self) -> u64 {
        self.batch.unwrap_or(u64::MAX)
    }

    /// Requests to reserve room for before a batch: the batch length or the
    /// expected input, whichever is smaller (0 when unknown).
    pub fn reserve(&self) -> usize {
        self.expected_records.unwrap_or(0).min(self.batch_len()) as usize
    }
}

/// Why a run stopped. Every variant prints as one line.
#[derive(Debug)]
pub enum Error {
    /// The input could not be read.
    Read {
        /// The line being read, from 1.
        line: u64,
        /// What the reader said.
        source: io::Error,
    },
    /// A line is not an access-log line (and `--skip-malformed` is off).
    Malformed {
        /// The line, from 1.
        line: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// More input than an unbatched run may hold.
    TooLarge {
        /// The most input, in bytes, an unbatched run reads.
        limit: u64,
    },
    /// A phase arena reached its byte limit.
    ArenaFull {
        /// The phase whose arena it was.
        phase: &'static str,
        /// Its limit, in bytes.
        limit: usize,
        /// The input line being handled, if known.
        line: Option<u64>,
    },
    /// The report could not be written.
    Write(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { line, source } => write!(f, "cannot read input at line {line}: {source}"),
            Error::Malformed { line, reason } => {
                write!(
                    f,
                    "line {line}: malformed log line: {reason} (--skip-malformed counts and skips such lines)"
                )
            }
            Error::TooLarge { limit } => write!(
                f,
                "the input is larger than {limit} bytes; without --batch it would all stay in memory (use --batch)"
            ),
            Error::ArenaFull { phase, limit, line } => {
                write!(f, "the {phase} arena reached its limit of {limit} bytes")?;
                match line {
                    Some(l) => write!(f, " at line {l}"),
                    None => Ok(()),
                }
            }
            Error::Write(e) => write!(f, "cannot write the report: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// The lines of the input, one at a time, in a buffer reused for every line.
#[derive(Debug)]
pub struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    line_no: u64,
    bytes_read: u64,
    budget: Option<u64>,
    exhausted: bool,
}

/// One line: its number and its text, or why it is not text.
pub type Line<'a> = (u64, Result<&'a str, &'static str>);

impl<R: BufRead> Lines<R> {
    /// Reads `input` line by line; without `--batch` it stops at
    /// [`MAX_UNBATCHED_INPUT_BYTES`].
    pub fn new(input: R, options: &Options) -> Lines<R> {
        Lines {
            input,
            buf: Vec::with_capacity(1024),
            line_no: 0,
            bytes_read: 0,
            budget: options.batch.is_none().then_some(MAX_UNBATCHED_INPUT_BYTES),
            exhausted: false,
        }
    }

    /// The next line without its line ending; `None` at the end of input.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, Error> {
        self.buf.clear();
        let line = self.line_no + 1;
        let read_error = |source| Error::Read { line, source };
        let n = (&mut self.input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(read_error)?;
        if n == 0 {
            self.exhausted = true;
            return Ok(None);
        }
        self.line_no = line;
        self.bytes_read += n as u64;
        match self.budget {
            Some(limit) if self.bytes_read > limit => return Err(Error::TooLarge { limit }),
            _ => {}
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        } else if self.buf.len() > MAX_LINE_BYTES {
            self.skip_rest_of_line().map_err(read_error)?;
            return Ok(Some((line, Err(LINE_TOO_LONG))));
        }
        let text = match std::str::from_utf8(&self.buf) {
            Ok("") => Err("empty line"),
            Ok(t) => Ok(t),
            Err(_) => Err("not valid UTF-8"),
        };
        Ok(Some((line, text)))
    }

    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(());
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.input.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = available.len();
                    self.input.consume(n);
                }
            }
        }
    }

    /// Looks ahead: true if no input is left (and then `exhausted()` is too).
    pub fn at_end(&mut self) -> Result<bool, Error> {
        if !self.exhausted {
            let line = self.line_no + 1;
            let rest = self
                .input
                .fill_buf()
                .map_err(|source| Error::Read { line, source })?;
            self.exhausted = rest.is_empty();
        }
        Ok(self.exhausted)
    }

    /// True once a read or a look-ahead has found the end of the input.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Input bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Lines read so far (the number of the last one).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }
}

/// What to do with a bad line: an error, or (with `skip_malformed`) one more
/// skipped line.
pub fn on_malformed(
    options: &Options,
    line: u64,
    reason: &'static str,
    skipped: &mut u64,
) -> Result<(), Error> {
    if options.skip_malformed {
        *skipped += 1;
        Ok(())
    } else {
        Err(Error::Malformed { line, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"203.0.113.7 - user42 [2024-03-01T00:00:03Z] "GET /api/products/1234?x=1 HTTP/1.1" 200 2817 19 "curl/8.5.0""#;

    #[test]
    fn parses_every_field() {
        let r = parse_line(LINE).unwrap();
        assert_eq!(
            (r.ip, r.user, r.time, r.method, r.path, r.protocol),
            (
                "203.0.113.7",
                "user42",
                "2024-03-01T00:00:03Z",
                "GET",
                "/api/products/1234?x=1",
                "HTTP/1.1"
            )
        );
        assert_eq!(
            (r.status, r.bytes, r.duration_ms, r.agent),
            (200, 2817, 19, "curl/8.5.0")
        );
    }

    #[test]
    fn rejects_broken_lines_with_a_reason() {
        let cases = [
            (LINE.replace(" 200 ", " 20x "), "status"),
            (LINE.replace(" 200 ", " 700 "), "status"),
            (
                LINE.replace("[2024-03-01T00:00:03Z]", "[yesterday]"),
                "time",
            ),
            (LINE.replace(" 19 ", " +19 "), "duration"),
            (LINE.replace("\"curl/8.5.0\"", "curl"), "agent"),
            (LINE.replace("GET /api", "GET api"), "path"),
            ("hello".to_string(), "client address"),
        ];
        for (line, word) in cases {
            let err = parse_line(&line).unwrap_err();
            assert!(err.contains(word), "{line}: {err}");
        }
    }

    #[test]
    fn routes_are_normalised() {
        let route = |m, p| route_pieces(m, p).collect::<String>();
        assert_eq!(
            route("GET", "/api/cart/12/items/345?x=1"),
            "GET /api/cart/:id/items/:id"
        );
        assert_eq!(route("GET", "/"), "GET /");
        assert_eq!(route("POST", "/v2/x"), "POST /v2/x");
    }

    #[test]
    fn lines_handle_endings_long_lines_and_bad_utf8() {
        let mut input = Vec::new();
        input.extend_from_slice(b"one\r\n");
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        input.extend_from_slice(b"\n\xff\nlast");
        let mut lines = Lines::new(&input[..], &Options::default());
        assert_eq!(lines.next_line().unwrap(), Some((1, Ok("one"))));
        assert_eq!(lines.next_line().unwrap(), Some((2, Err(LINE_TOO_LONG))));
        assert_eq!(
            LINE_TOO_LONG,
            format!("line longer than {MAX_LINE_BYTES} bytes")
        );
        assert_eq!(
            lines.next_line().unwrap(),
            Some((3, Err("not valid UTF-8")))
        );
        assert_eq!(lines.next_line().unwrap(), Some((4, Ok("last"))));
        assert_eq!(lines.next_line().unwrap(), None);
        assert!(lines.exhausted());
    }
}
