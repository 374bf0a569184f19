//! Summaries of repeated measurements: one run is an anecdote, the median of
//! several with their spread is a measurement.

use serde::Serialize;

/// Median and spread of a set of samples (all in the same unit).
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq)]
pub struct Summary {
    pub runs: usize,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// `(max - min) / median`, as a fraction: 0.05 means the runs span 5%.
    pub spread: f64,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none (or any is NaN).
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
            return None;
        }
        let mut v = samples.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        let (min, max) = (v[0], v[n - 1]);
        let spread = if median > 0.0 {
            (max - min) / median
        } else {
            0.0
        };
        Some(Summary {
            runs: n,
            median,
            min,
            max,
            spread,
        })
    }

    /// Like [`Summary::of`], but a missing summary (no samples, or a failed
    /// measurement recorded as NaN) becomes all-NaN, which tables print as
    /// `NaN` rather than hiding the row.
    pub fn of_or_nan(samples: &[f64]) -> Summary {
        Summary::of(samples).unwrap_or(Summary {
            runs: 0,
            median: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            spread: f64::NAN,
        })
    }

    /// `12.3 ±4%` style, for tables.
    pub fn display(&self, decimals: usize) -> String {
        format!(
            "{:.*} ±{:.0}%",
            decimals,
            self.median,
            self.spread * 50.0 // half the range, as a ± figure
        )
    }
}

/// Warns on stderr when a binary that times things was built without
/// optimisations: debug-build timings say nothing about allocators.
pub fn warn_if_debug_build() {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; timings are meaningless. Use `cargo run --release`."
        );
    }
}

/// `"release"` or `"debug"`, recorded with every timing result.
pub fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// What a labelled timing run records about where it ran.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub os: String,
    pub profile: String,
    pub rustc: String,
}

impl Machine {
    /// Reads the CPU model from `/proc/cpuinfo` where there is one.
    pub fn describe() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".to_string());
        Machine {
            cpu,
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            os: std::env::consts::OS.to_string(),
            profile: build_profile().to_string(),
            rustc: option_env!("KIT_RUSTC_VERSION")
                .unwrap_or("unknown")
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(Summary::of(&[3.0, 1.0, 2.0]).unwrap().median, 2.0);
        assert_eq!(Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
    }

    #[test]
    fn spread_is_range_over_median() {
        let s = Summary::of(&[9.0, 10.0, 11.0]).unwrap();
        assert!((s.spread - 0.2).abs() < 1e-12);
        assert_eq!((s.min, s.max, s.runs), (9.0, 11.0, 3));
    }

    #[test]
    fn empty_or_nan_has_no_summary() {
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
    }
}
