//! Resident memory as the kernel sees it. The tracking allocator tells what the
//! program asked for; RSS tells what the allocator kept from the OS. The gap is
//! fragmentation and caching.
//!
//! `VmRSS` and `VmHWM` count every resident page, including the binary's and
//! libc's file-backed ones (several MiB here); the heap's share is the
//! anonymous memory, `RssAnon`. The kernel keeps no high-water mark of the
//! anonymous part alone, so a peak of it has to be sampled. Every table says
//! which of the two it shows, and the anonymous memory a process has before
//! its work starts (its baseline) is reported beside it.

/// Resident set size now, its high-water mark, and the anonymous part now,
/// in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rss {
    /// `VmRSS`: all resident pages, file-backed ones included.
    pub current: u64,
    /// `VmHWM`: the high-water mark of `VmRSS` (file pages included).
    pub peak: u64,
    /// `RssAnon`: resident anonymous pages (heap, stacks, anonymous maps).
    #[serde(default)]
    pub anon: u64,
}

/// The value in KiB of the `name:` line of a `/proc/self/status` text.
fn field_kib(status: &[u8], name: &[u8]) -> Option<u64> {
    let start = status.windows(name.len()).position(|w| w == name)? + name.len();
    let digits = status[start..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit());
    let mut kib = None;
    for d in digits {
        kib = Some(kib.unwrap_or(0) * 10 + u64::from(d - b'0'));
    }
    kib
}

/// The status file of this process: read with [`with_status_of`].
const SELF_STATUS: &str = "/proc/self/status";

/// Reads a `/proc/.../status` file into a stack buffer: for this process
/// ([`SELF_STATUS`]) no heap allocation, so it can be sampled densely while
/// a workload runs without disturbing it.
fn with_status_of<T>(path: &str, f: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
    use std::io::Read;
    let mut buf = [0u8; 4096];
    // A short path is turned into a C string on the stack by std.
    let mut file = std::fs::File::open(path).ok()?;
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(_) => return None,
        }
    }
    f(&buf[..len])
}

/// Reads `VmRSS`, `VmHWM` and `RssAnon` from `/proc/self/status`; `None` off
/// Linux.
pub fn read() -> Option<Rss> {
    with_status_of(SELF_STATUS, |s| {
        Some(Rss {
            current: field_kib(s, b"VmRSS:")? * 1024,
            peak: field_kib(s, b"VmHWM:")? * 1024,
            anon: field_kib(s, b"RssAnon:")? * 1024,
        })
    })
}

/// Resident anonymous memory (`RssAnon`) in bytes, read without allocating;
/// `None` off Linux.
pub fn anon() -> Option<u64> {
    anon_in(SELF_STATUS)
}

/// Resident anonymous memory of another process, `pid` (a child this
/// process samples from outside, so that the child runs no sampler of its
/// own); `None` off Linux or once it has exited.
pub fn anon_of(pid: u32) -> Option<u64> {
    anon_in(&format!("/proc/{pid}/status"))
}

/// `RssAnon` in bytes from the status file at `path`, read into a stack
/// buffer.
fn anon_in(path: &str) -> Option<u64> {
    with_status_of(path, |s| field_kib(s, b"RssAnon:").map(|k| k * 1024))
}

/// Minor page faults of this process so far (`getrusage`'s `ru_minflt`):
/// pages the kernel had to provide on first touch. `None` off Unix.
pub fn minor_faults() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes a full rusage into the pointer it is given,
        // which points to a zeroed, properly aligned rusage we own.
        let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
        if rc != 0 {
            return None;
        }
        // SAFETY: getrusage returned 0, so it initialised the struct (and it
        // was zeroed before, so every field is a valid integer anyway).
        let usage = unsafe { usage.assume_init() };
        Some(usage.ru_minflt as u64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A reading of a process's memory taken before its work starts, to set
/// beside the readings taken during it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Baseline {
    /// `RssAnon` at startup, in bytes.
    pub anon: u64,
    /// `VmRSS` at startup, in bytes (file pages included).
    pub rss: u64,
}

/// Reads the baseline now; call it first thing in `main`.
pub fn baseline() -> Option<Baseline> {
    read().map(|r| Baseline {
        anon: r.anon,
        rss: r.current,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn rss_is_readable_and_peak_is_at_least_current() {
        let r = super::read().expect("linux has /proc/self/status");
        assert!(r.current > 0);
        assert!(r.peak >= r.current);
        assert!(r.anon > 0 && r.anon <= r.current, "{r:?}");
    }

    #[test]
    fn fields_are_parsed_from_status_text() {
        let s = b"Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t1024 kB\nRssAnon:\t 300 kB\n";
        assert_eq!(super::field_kib(s, b"VmRSS:"), Some(1024));
        assert_eq!(super::field_kib(s, b"RssAnon:"), Some(300));
        assert_eq!(super::field_kib(s, b"RssFile:"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn touching_fresh_pages_counts_minor_faults_and_anonymous_memory() {
        let before = super::minor_faults().unwrap();
        let anon_before = super::anon().unwrap();
        let mut v = vec![0u8; 16 << 20];
        for i in (0..v.len()).step_by(4096) {
            v[i] = 1;
        }
        std::hint::black_box(&v);
        let faults = super::minor_faults().unwrap() - before;
        let grown = super::anon().unwrap().saturating_sub(anon_before);
        // 4096 pages touched: at least most of them fault (huge pages may
        // serve some with one fault) and become resident anonymous memory.
        assert!(faults > 0, "{faults}");
        assert!(grown >= 8 << 20, "{grown}");
    }
}
