//! What the comparison concludes, in words: the verdict on the claim
//! "arenas make batch processing 5–20x faster" for one run and across
//! machines, and the chapter's finding, chosen by the verdicts so that it
//! cannot contradict the data.

use kit::Summary;
use kit::finding::Effect;

use super::table::ratio;
use super::{Report, paired};
use crate::Strategy;

/// The claim: "arena allocation can make batch processing 5–20x faster".
pub const CLAIM: kit::Claim = kit::Claim {
    low: 5.0,
    high: 20.0,
};

// ANCHOR: verdict
/// The verdict on "arena allocation can make batch processing 5–20x
/// faster", from the data: the arena strategy's wall time against System's,
/// paired run by run, with the 95% interval of its median. The pairs table
/// splits it into its parts.
pub fn verdict(r: &Report) -> String {
    let Some(speedup) = r.row(Strategy::Arena).and_then(|a| a.speedup) else {
        return "No arena/System comparison in this run.".into();
    };
    format!(
        "The claim \"arenas make batch processing 5–20x faster\", measured: the arena \
         strategy ran {} as fast as System (median of per-run ratios, 95% interval): {}.",
        ratio(&speedup),
        CLAIM.judge(&speedup).describe(&CLAIM)
    )
}
// ANCHOR_END: verdict

/// The runs measured with the pipelines as they are now; older series are
/// shown but not judged with them.
fn current(runs: &[Report]) -> Vec<&Report> {
    runs.iter().filter(|r| r.one_code_path).collect()
}

/// The verdict on the claim over every machine measured: stated as a result
/// only where all agree, "machine-dependent" otherwise.
pub fn across_machines(runs: &[Report]) -> String {
    let runs = current(runs);
    format!(
        "On every machine that measured the current pipelines ({}): {}.{}",
        kit::machine::Machine::varied_short(&runs.iter().map(|r| &r.machine).collect::<Vec<_>>()),
        claim_across(&runs).describe(&CLAIM),
        // Said once for all machines: their labels give each one's runs.
        runs.iter()
            .map(|r| r.plan.runs)
            .min()
            .and_then(kit::timing::few_runs_note)
            .map_or(String::new(), |n| format!(" Note: {n}."))
    )
}

/// The claim's verdict over every machine's arena speed-up.
fn claim_across(runs: &[&Report]) -> kit::Verdict {
    kit::Verdict::across(
        runs.iter()
            .filter_map(|r| Some(CLAIM.judge(&r.row(Strategy::Arena)?.speedup?))),
    )
}

// ANCHOR: finding
/// The chapter's finding, from every machine's pairs: what not copying
/// (`system` → `borrowed`) and bumping (`borrowed` → `arena`) each did, and
/// the advice that follows from the two effects. Chosen by the verdicts, so
/// it cannot contradict the data; the instruction counts, the same on every
/// machine, are quoted beside them.
pub fn finding(runs: &[Report]) -> String {
    use Strategy::*;
    let runs = current(runs);
    let pairs = |a: Strategy, b: Strategy| -> Vec<(String, Summary)> {
        runs.iter()
            .filter_map(|r| Some((r.machine.short(), paired(r, a, b)?)))
            .collect()
    };
    let instructions = |a: Strategy, b: Strategy| -> String {
        let counted = runs.iter().find_map(|r| {
            let i = r.instructions.as_ref()?;
            Some((i.row(a)?.instructions, i.row(b)?.instructions))
        });
        counted.map_or(String::new(), |(x, y)| {
            format!(" (callgrind: {x:.0} → {y:.0} instructions per record)")
        })
    };
    let part = |what: &str, a: Strategy, b: Strategy| -> (Effect, String) {
        let pairs = pairs(a, b);
        let sums: Vec<Summary> = pairs.iter().map(|p| p.1).collect();
        let effect = Effect::of(&sums);
        let each: Vec<String> = pairs
            .iter()
            .map(|(m, s)| format!("{} on {m}", ratio(s)))
            .collect();
        let text = format!(
            "{what} {}{}{}",
            effect.describe(runs.len()),
            if each.is_empty() {
                String::new()
            } else {
                format!(": {}", each.join("; "))
            },
            instructions(a, b)
        );
        (effect, text)
    };
    let (copy, copy_text) = part(
        "Not copying (`system` → `borrowed`: the same code without the seven `String`s per \
         record)",
        System,
        Borrowed,
    );
    let (bump, bump_text) = part(
        "Arenas instead of malloc/free for the blocks that were left (`borrowed` → `arena`)",
        Borrowed,
        Arena,
    );
    let advice = match (copy.pays(), bump.pays()) {
        (true, false) => {
            "So stop copying first. Use an arena where lifetimes already line up, for \
             the memory it gives back in one step, not for speed."
        }
        (true, true) => "So stop copying first; an arena then adds a further gain.",
        (false, true) => "Here the gain is in the arena, not in copying less.",
        (false, false) => {
            "Neither change paid on every machine measured: measure your own job before \
             restructuring it."
        }
    };
    format!(
        "Against the claim \"arenas make batch processing 5–20x faster\", on every machine \
         that measured the current pipelines ({}): {}. {copy_text}. {bump_text}. {advice}\n",
        runs.len(),
        claim_across(&runs).describe(&CLAIM)
    )
}
// ANCHOR_END: finding
