//! Resident memory as the kernel sees it. The tracking allocator tells what the
//! program asked for; RSS tells what the allocator kept from the OS. The gap is
//! fragmentation and caching.

/// Resident set size now and its high-water mark, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rss {
    pub current: u64,
    pub peak: u64,
}

/// Reads `VmRSS` and `VmHWM` from `/proc/self/status`; `None` off Linux.
pub fn read() -> Option<Rss> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    };
    Some(Rss {
        current: field("VmRSS:")?,
        peak: field("VmHWM:")?,
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
    }
}
