//! Summaries of repeated measurements: one run is an anecdote, the median of
//! several with a robust spread is a measurement, and a verdict against a
//! claim is made from an interval, never from the median alone.

use serde::{Deserialize, Serialize};

/// How a cell written by [`Summary::display`] reads, for table titles.
pub const SPREAD_NOTE: &str = "median ±half the interquartile range";

/// Resamples drawn for the bootstrap interval of a median.
const BOOTSTRAP_RESAMPLES: usize = 2000;
/// Fixed seed: the same samples always give the same interval, so a table
/// rendered from a data file is the same on every machine.
const BOOTSTRAP_SEED: u64 = 0x5eed_a110_c470_2026;

fn nan() -> f64 {
    f64::NAN
}

/// JSON has no NaN: serde_json writes it as `null`; read `null` back as NaN.
fn f64_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Median and spread of a set of samples (all in the same unit).
///
/// The spread a table shows is the interquartile range (the middle half of
/// the runs), which one outlier cannot move; the interval a verdict uses is a
/// 95% bootstrap interval of the median.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Samples summarised.
    pub runs: usize,
    /// The middle sample (mean of the two middle ones for an even count).
    #[serde(deserialize_with = "f64_or_nan")]
    pub median: f64,
    /// The smallest sample.
    #[serde(deserialize_with = "f64_or_nan")]
    pub min: f64,
    /// The largest sample.
    #[serde(deserialize_with = "f64_or_nan")]
    pub max: f64,
    /// `(max - min) / median`, as a fraction: 0.05 means the runs span 5%.
    #[serde(deserialize_with = "f64_or_nan")]
    pub spread: f64,
    /// First quartile (NaN in data recorded before quartiles were kept).
    #[serde(default = "nan", deserialize_with = "f64_or_nan")]
    pub q1: f64,
    /// Third quartile (NaN in the same data).
    #[serde(default = "nan", deserialize_with = "f64_or_nan")]
    pub q3: f64,
    /// Lower end of the 95% bootstrap interval of the median (fixed seed,
    /// percentile method).
    #[serde(default = "nan", deserialize_with = "f64_or_nan")]
    pub ci_low: f64,
    /// Its upper end.
    #[serde(default = "nan", deserialize_with = "f64_or_nan")]
    pub ci_high: f64,
}

/// The `p`-quantile of sorted samples, interpolating linearly between ranks.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// SplitMix64: a tiny, well-mixed generator, enough for resampling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize
    }
}

/// What a "95% interval" of the median is worth with few runs. With 5 runs
/// or fewer the bootstrap's interval is the range of the runs, and the range
/// holds the true median with probability 1 − 2·(½)ⁿ only: 93.75% for 5
/// runs. `None` from 6 runs on, where the bootstrap is not pinned to the
/// range, and below [`MIN_RUNS`], where no verdict is given.
pub fn few_runs_note(runs: usize) -> Option<String> {
    (MIN_RUNS..=5).contains(&runs).then(|| {
        let coverage = 100.0 * (1.0 - 2.0 * 0.5f64.powi(runs as i32));
        format!("with {runs} runs each 95% interval is their range: {coverage:.2}% coverage")
    })
}

/// 95% percentile-bootstrap interval of the median of `sorted`.
fn bootstrap_median(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len();
    if n < 3 {
        return (sorted[0], sorted[n - 1]);
    }
    let mut rng = SplitMix(BOOTSTRAP_SEED ^ n as u64);
    let mut medians = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    let mut draw = vec![0.0; n];
    for _ in 0..BOOTSTRAP_RESAMPLES {
        for d in draw.iter_mut() {
            *d = sorted[rng.below(n)];
        }
        draw.sort_by(|a, b| a.total_cmp(b));
        medians.push(quantile(&draw, 0.5));
    }
    medians.sort_by(|a, b| a.total_cmp(b));
    (quantile(&medians, 0.025), quantile(&medians, 0.975))
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
        let median = quantile(&v, 0.5);
        let (min, max) = (v[0], v[n - 1]);
        let spread = if median > 0.0 {
            (max - min) / median
        } else {
            0.0
        };
        let (ci_low, ci_high) = bootstrap_median(&v);
        Some(Summary {
            runs: n,
            median,
            min,
            max,
            spread,
            q1: quantile(&v, 0.25),
            q3: quantile(&v, 0.75),
            ci_low,
            ci_high,
        })
    }

    /// All-NaN: no data (a serde default for fields added later).
    pub fn nan() -> Summary {
        Summary::of_or_nan(&[])
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
            q1: f64::NAN,
            q3: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
        })
    }

    /// Half the interquartile range over the median, as a fraction.
    pub fn half_iqr(&self) -> f64 {
        if self.median > 0.0 {
            (self.q3 - self.q1) / 2.0 / self.median
        } else {
            f64::NAN
        }
    }

    /// `12.3 ±4%` style, for tables: the median and half the interquartile
    /// range as a percentage of it ([`SPREAD_NOTE`]).
    ///
    /// Data recorded before quartiles were kept has none: its cells keep the
    /// half-range they were rendered with then, until the run is redone.
    pub fn display(&self, decimals: usize) -> String {
        let half = if self.q1.is_nan() && !self.spread.is_nan() {
            self.spread / 2.0
        } else {
            self.half_iqr()
        };
        format!("{:.*} ±{:.0}%", decimals, self.median, half * 100.0)
    }

    /// What [`Summary::display`]'s ± means for this summary: [`SPREAD_NOTE`],
    /// or, for data recorded before quartiles were kept, the half-range.
    pub fn spread_note(&self) -> &'static str {
        if self.q1.is_nan() && !self.spread.is_nan() {
            "median ±half the range (a run recorded before quartiles were kept)"
        } else {
            SPREAD_NOTE
        }
    }

    /// The bootstrap interval of the median, `2.1-6.2` style.
    pub fn interval(&self, decimals: usize) -> String {
        format!("{:.*}-{:.*}", decimals, self.ci_low, decimals, self.ci_high)
    }
}

/// A claim about a ratio: "between `low` and `high`" (`high` infinite for
/// "at least `low`").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claim {
    /// Lower bound of the claimed range.
    pub low: f64,
    /// Upper bound (`f64::INFINITY`: none).
    pub high: f64,
}

/// What the data say about a [`Claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole interval lies inside the claimed range.
    Holds,
    /// The whole interval lies below the range.
    Below,
    /// The whole interval lies above the range (the claim undersells it).
    Above,
    /// The interval straddles a bound of the range.
    Inconclusive,
    /// Machines measured disagree (each one's verdict is conclusive).
    MachineDependent,
    /// No interval to judge (no runs, or data recorded before intervals were kept).
    NoData,
    /// Fewer than [`MIN_RUNS`] runs: their "interval" is only the range of
    /// the samples, too narrow to judge anything by.
    TooFewRuns,
}

/// The fewest runs whose bootstrap interval a verdict is drawn from.
pub const MIN_RUNS: usize = 3;

impl Claim {
    // ANCHOR: judge
    /// The verdict from `s`'s bootstrap interval of the median: conclusive
    /// only when the whole interval falls on one side of each bound.
    pub fn judge(&self, s: &Summary) -> Verdict {
        let (lo, hi) = (s.ci_low, s.ci_high);
        if lo.is_nan() || hi.is_nan() {
            Verdict::NoData
        } else if s.runs < MIN_RUNS {
            Verdict::TooFewRuns
        } else if hi < self.low {
            Verdict::Below
        } else if lo > self.high {
            Verdict::Above
        } else if lo >= self.low && hi <= self.high {
            Verdict::Holds
        } else {
            Verdict::Inconclusive
        }
    }
    // ANCHOR_END: judge

    /// `5-20x` or `at least 5x`.
    pub fn range(&self) -> String {
        if self.high.is_finite() {
            format!("{}-{}x", self.low, self.high)
        } else {
            format!("at least {}x", self.low)
        }
    }
}

impl Verdict {
    /// One verdict for several machines. Machines without a verdict (no
    /// data, too few runs) are not counted. Two conclusive verdicts that
    /// differ make it machine-dependent, whatever the others say; otherwise
    /// any inconclusive machine makes it inconclusive; otherwise all agree.
    pub fn across(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let all: Vec<Verdict> = verdicts.into_iter().collect();
        let counted: Vec<Verdict> = all
            .iter()
            .copied()
            .filter(|v| !matches!(v, Verdict::NoData | Verdict::TooFewRuns))
            .collect();
        let Some(&first) = counted.first() else {
            return if all.contains(&Verdict::TooFewRuns) {
                Verdict::TooFewRuns
            } else {
                Verdict::NoData
            };
        };
        let conclusive: Vec<Verdict> = counted
            .iter()
            .copied()
            .filter(|v| matches!(v, Verdict::Holds | Verdict::Below | Verdict::Above))
            .collect();
        if counted.contains(&Verdict::MachineDependent)
            || conclusive.iter().any(|v| *v != conclusive[0])
        {
            Verdict::MachineDependent
        } else if counted.contains(&Verdict::Inconclusive) {
            Verdict::Inconclusive
        } else {
            first
        }
    }

    /// The verdict in words, against `claim`.
    pub fn describe(self, claim: &Claim) -> String {
        match self {
            Verdict::Holds => format!("the claim holds: interval within {}", claim.range()),
            Verdict::Below => format!("the claim does not hold: interval below {}x", claim.low),
            Verdict::Above => format!("the claim undersells it: interval above {}x", claim.high),
            Verdict::Inconclusive => format!(
                "inconclusive: the interval straddles a bound of {}",
                claim.range()
            ),
            Verdict::MachineDependent => "machine-dependent: machines disagree".to_string(),
            Verdict::NoData => "no data".to_string(),
            Verdict::TooFewRuns => {
                format!("too few runs to judge (a verdict needs at least {MIN_RUNS})")
            }
        }
    }
}

/// `count` events over `secs` seconds, per second; 0 for a duration that is
/// not positive (a run too short to time), never infinity or NaN.
pub fn per_second(count: u64, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_runs_give_the_range_and_say_what_it_covers() {
        // With 5 runs the bootstrap interval is exactly the range.
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!((s.ci_low, s.ci_high), (1.0, 5.0));
        assert!(few_runs_note(5).unwrap().contains("93.75% coverage"));
        assert!(few_runs_note(4).unwrap().contains("87.50%"));
        assert_eq!(few_runs_note(6), None);
        assert_eq!(few_runs_note(2), None);
    }

    #[test]
    fn per_second_never_divides_by_zero() {
        assert_eq!(per_second(10, 2.0), 5.0);
        assert_eq!(per_second(10, 0.0), 0.0);
        assert_eq!(per_second(10, -1.0), 0.0);
        assert_eq!(per_second(10, f64::NAN), 0.0);
    }

    #[test]
    fn too_few_runs_give_no_verdict() {
        let claim = Claim {
            low: 5.0,
            high: 20.0,
        };
        // One or two runs: a zero-width or min-max "interval", never judged.
        for samples in [&[1.4][..], &[1.3, 1.5]] {
            let s = Summary::of(samples).unwrap();
            assert_eq!(claim.judge(&s), Verdict::TooFewRuns, "{samples:?}");
        }
        let s = Summary::of(&[1.3, 1.4, 1.5]).unwrap();
        assert_eq!(claim.judge(&s), Verdict::Below);
        assert!(
            Verdict::TooFewRuns
                .describe(&claim)
                .contains("too few runs")
        );
    }

    #[test]
    fn machines_agree_disagree_or_leave_it_open() {
        use Verdict::*;
        let across = |v: &[Verdict]| Verdict::across(v.iter().copied());
        assert_eq!(across(&[Holds, Holds]), Holds);
        assert_eq!(across(&[Holds, Inconclusive]), Inconclusive);
        // A conclusive disagreement stands even beside an inconclusive third.
        assert_eq!(across(&[Holds, Below, Inconclusive]), MachineDependent);
        assert_eq!(across(&[Inconclusive, Below, Above]), MachineDependent);
        // Machines without a verdict are not counted.
        assert_eq!(across(&[Below, NoData, TooFewRuns]), Below);
        assert_eq!(across(&[TooFewRuns, NoData]), TooFewRuns);
        assert_eq!(across(&[]), NoData);
    }

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
    fn quartiles_ignore_one_outlier() {
        let s = Summary::of(&[10.0, 10.0, 10.0, 10.0, 10.0, 1000.0]).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (10.0, 10.0, 10.0));
        assert_eq!(s.display(1), "10.0 ±0%");
        assert!(s.spread > 90.0);
    }

    #[test]
    fn bootstrap_interval_is_deterministic_and_contains_the_median() {
        let samples: Vec<f64> = (0..31)
            .map(|i| 5.0 + ((i * 7) % 11) as f64 / 10.0)
            .collect();
        let a = Summary::of(&samples).unwrap();
        let b = Summary::of(&samples).unwrap();
        assert_eq!(a, b);
        assert!(a.ci_low <= a.median && a.median <= a.ci_high, "{a:?}");
        assert!(a.ci_low >= a.min && a.ci_high <= a.max, "{a:?}");
    }

    #[test]
    fn a_verdict_needs_the_whole_interval_on_one_side() {
        let claim = Claim {
            low: 5.0,
            high: 20.0,
        };
        let s = |lo, hi| Summary {
            runs: MIN_RUNS,
            ci_low: lo,
            ci_high: hi,
            ..Summary::of_or_nan(&[])
        };
        assert_eq!(claim.judge(&s(6.0, 19.0)), Verdict::Holds);
        assert_eq!(claim.judge(&s(2.1, 6.2)), Verdict::Inconclusive);
        assert_eq!(claim.judge(&s(1.0, 4.9)), Verdict::Below);
        assert_eq!(claim.judge(&s(19.0, 25.0)), Verdict::Inconclusive);
        assert_eq!(claim.judge(&s(21.0, 25.0)), Verdict::Above);
        assert_eq!(claim.judge(&s(f64::NAN, f64::NAN)), Verdict::NoData);
    }

    #[test]
    fn machines_that_disagree_make_a_verdict_machine_dependent() {
        use Verdict::*;
        assert_eq!(Verdict::across([Holds, Holds]), Holds);
        assert_eq!(Verdict::across([Holds, Below]), MachineDependent);
        assert_eq!(Verdict::across([Holds, Inconclusive]), Inconclusive);
        assert_eq!(Verdict::across([]), NoData);
    }

    #[test]
    fn a_nan_summary_survives_json() {
        let s = Summary::nan();
        let back: Summary = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert!(back.median.is_nan() && back.ci_high.is_nan());
    }

    #[test]
    fn empty_or_nan_has_no_summary() {
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
    }
}
