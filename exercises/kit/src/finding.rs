//! Findings: the sentences of the book whose words depend on the data.
//!
//! A chapter's conclusion ("not copying gave the speed-up, bumping added
//! nothing") must follow the measurements when they are taken again, on this
//! machine or another. So the crates write those sentences themselves, chosen
//! by the verdicts, into a small `finding.md` beside each table, and the book
//! includes them. Each function here is a function of its verdicts only, and
//! its unit tests go through every case.
//!
//! The unit of a finding is an [`Effect`]: what one change did on every
//! machine measured, judged from each machine's paired ratio (the old side's
//! time over the new side's, run by run: above 1, the change made it faster).

use crate::timing::{Claim, Summary, Verdict};

/// What one change did, over every machine measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Faster on every machine: each interval above 1.
    Helps,
    /// Slower on every machine: each interval below 1.
    Hurts,
    /// No difference the runs can show on any machine: each interval
    /// straddles 1.
    NoneMeasurable,
    /// Faster on some machines, no measurable difference on the others.
    HelpsSomewhere,
    /// Slower on some machines, no measurable difference on the others.
    HurtsSomewhere,
    /// Faster on one machine and slower on another.
    MachineDependent,
    /// Some machine measured it with too few runs to judge, and no machine
    /// had enough.
    TooFewRuns,
    /// Nothing measured.
    NoData,
}

/// "Did it change the time at all": conclusive when the interval lies on
/// one side of 1.
const NO_CHANGE: Claim = Claim {
    low: 1.0,
    high: 1.0,
};

impl Effect {
    /// The effect of one change from each machine's paired ratio (old time
    /// over new time). Machines without data, or with too few runs, are not
    /// counted while another machine has enough.
    pub fn of(per_machine: &[Summary]) -> Effect {
        let verdicts: Vec<Verdict> = per_machine.iter().map(|s| NO_CHANGE.judge(s)).collect();
        let counted: Vec<Verdict> = verdicts
            .iter()
            .copied()
            .filter(|v| !matches!(v, Verdict::NoData | Verdict::TooFewRuns))
            .collect();
        if counted.is_empty() {
            return if verdicts.contains(&Verdict::TooFewRuns) {
                Effect::TooFewRuns
            } else {
                Effect::NoData
            };
        }
        // Above the range [1, 1] is faster, below is slower; an interval
        // that touches 1 (Holds, Inconclusive) shows no difference.
        let faster = counted.iter().filter(|v| **v == Verdict::Above).count();
        let slower = counted.iter().filter(|v| **v == Verdict::Below).count();
        let n = counted.len();
        match (faster, slower) {
            (f, 0) if f == n => Effect::Helps,
            (0, s) if s == n => Effect::Hurts,
            (0, 0) => Effect::NoneMeasurable,
            (_, 0) => Effect::HelpsSomewhere,
            (0, _) => Effect::HurtsSomewhere,
            _ => Effect::MachineDependent,
        }
    }

    /// What the change did, as the end of a sentence about it ("not copying
    /// …"): `machines` is how many were measured.
    pub fn describe(self, machines: usize) -> String {
        let every = if machines == 1 {
            "on the one machine measured".to_string()
        } else {
            format!("on every machine measured ({machines})")
        };
        match self {
            Effect::Helps => format!("made the job faster {every}"),
            Effect::Hurts => format!("made the job slower {every}"),
            Effect::NoneMeasurable => format!("made no difference the runs can show {every}"),
            Effect::HelpsSomewhere => {
                "made the job faster on some machines and no measurable difference on the others"
                    .to_string()
            }
            Effect::HurtsSomewhere => {
                "cost a little on some machines and made no measurable difference on the others"
                    .to_string()
            }
            Effect::MachineDependent => {
                "made the job faster on one machine and slower on another: machine-dependent"
                    .to_string()
            }
            Effect::TooFewRuns => "was measured with too few runs to judge".to_string(),
            Effect::NoData => "was not measured".to_string(),
        }
    }

    /// A speed-up the reader can count on everywhere measured.
    pub fn pays(self) -> bool {
        self == Effect::Helps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary of `runs` runs whose 95% interval is [lo, hi].
    fn s(lo: f64, hi: f64, runs: usize) -> Summary {
        Summary {
            median: (lo + hi) / 2.0,
            ci_low: lo,
            ci_high: hi,
            runs,
            ..Summary::nan()
        }
    }

    #[test]
    fn every_case_of_an_effect() {
        let above = s(1.3, 1.4, 5);
        let below = s(0.94, 0.99, 5);
        let straddles = s(0.93, 1.03, 5);
        let few = s(1.3, 1.4, 2);
        let none = Summary::nan();
        assert_eq!(Effect::of(&[above, above]), Effect::Helps);
        assert_eq!(Effect::of(&[below, below]), Effect::Hurts);
        assert_eq!(Effect::of(&[straddles, straddles]), Effect::NoneMeasurable);
        assert_eq!(Effect::of(&[above, straddles]), Effect::HelpsSomewhere);
        assert_eq!(Effect::of(&[below, straddles]), Effect::HurtsSomewhere);
        assert_eq!(
            Effect::of(&[above, below, straddles]),
            Effect::MachineDependent
        );
        assert_eq!(Effect::of(&[few]), Effect::TooFewRuns);
        assert_eq!(Effect::of(&[none]), Effect::NoData);
        assert_eq!(Effect::of(&[]), Effect::NoData);
        // Machines without enough runs do not count beside one that has them.
        assert_eq!(Effect::of(&[few, below, none]), Effect::Hurts);
        // An interval that only touches 1 shows no difference.
        assert_eq!(Effect::of(&[s(1.0, 1.2, 5)]), Effect::NoneMeasurable);
    }

    #[test]
    fn every_effect_has_words() {
        for e in [
            Effect::Helps,
            Effect::Hurts,
            Effect::NoneMeasurable,
            Effect::HelpsSomewhere,
            Effect::HurtsSomewhere,
            Effect::MachineDependent,
            Effect::TooFewRuns,
            Effect::NoData,
        ] {
            assert!(!e.describe(2).is_empty());
            assert_eq!(e.pays(), e == Effect::Helps);
        }
        assert!(Effect::Helps.describe(1).contains("the one machine"));
        assert!(Effect::Helps.describe(3).contains("(3)"));
    }
}
