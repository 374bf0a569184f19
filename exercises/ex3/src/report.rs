//! What chapter 3's arena-vs-heap runs say: the claim's verdict, the tables
//! the book shows (timed ratios, the verdict per machine, the details and
//! the instruction counts), and the findings written from the data, so no
//! figure in them is typed by hand. The measuring is in [`crate::versus`].

use kit::Summary;
use kit::machine::Machine;

use crate::versus::{CLAIM, Report, Side};

/// The claim's verdict for one ratio, from its bootstrap interval.
pub fn verdict(ratio: &Summary) -> kit::Verdict {
    CLAIM.judge(ratio)
}

/// The cases the claim is judged on: the allocation calls alone, the
/// loop's own work subtracted run by run, as the claim is about allocation.
fn cases(r: &Report) -> [(&'static str, &Summary); 2] {
    [
        ("new arena, per allocation call", &r.fresh_arena.call_ratio),
        (
            "reset arena, per allocation call",
            &r.reused_arena.call_ratio,
        ),
    ]
}

/// The whole loop, as a program sees it: shown beside the verdict, not
/// judged (the claim does not describe it).
fn whole_loop(r: &Report) -> [(&'static str, &Summary); 4] {
    let (f, a) = (&r.fresh_arena, &r.reused_arena);
    [
        ("new arena, whole loop: allocate", &f.alloc_ratio),
        ("new arena, whole loop: allocate + free", &f.total_ratio),
        ("reset arena, whole loop: allocate", &a.alloc_ratio),
        ("reset arena, whole loop: allocate + free", &a.total_ratio),
    ]
}

/// One machine's timings as a table.
fn timing_table(r: &Report) -> kit::Table {
    let timed_in = match r.timed {
        kit::sibling::Timed::Untracked => "timed with the system allocator, untracked",
        kit::sibling::Timed::Tracked => "timed under the tracker (old run)",
    };
    let mut t = kit::Table::new(
        format!(
            "{}: {} objects of {} bytes, ns per object ({} of {} runs of {} rounds; {timed_in})",
            r.machine.short(),
            r.objects,
            r.object_size,
            kit::timing::SPREAD_NOTE,
            r.runs,
            r.rounds
        ),
        &[
            "phase",
            "`Box::new`",
            "`bump.alloc`, new arena",
            "`bump.alloc`, reset arena",
            "no allocation",
            "Box / new arena",
            "Box / reset arena",
        ],
    );
    let (h, f, a) = (&r.heap, &r.fresh_arena, &r.reused_arena);
    let none = |g: fn(&Side) -> &Summary| {
        r.no_alloc
            .as_ref()
            .map_or("-".to_string(), |n| g(n).display(2))
    };
    t.row([
        "allocate".to_string(),
        h.alloc_ns.display(2),
        f.alloc_ns.display(2),
        a.alloc_ns.display(2),
        none(|s| &s.alloc_ns),
        format!("{:.1}x", f.alloc_ratio.median),
        format!("{:.1}x", a.alloc_ratio.median),
    ]);
    t.row([
        "allocate, then free all".to_string(),
        h.total_ns.display(2),
        f.total_ns.display(2),
        a.total_ns.display(2),
        none(|s| &s.total_ns),
        format!("{:.1}x", f.total_ratio.median),
        format!("{:.1}x", a.total_ratio.median),
    ]);
    t
}

/// The claim's verdict per case, on every machine measured, as one
/// paragraph (the book's finding for claim 1).
pub fn finding(runs: &[Report]) -> String {
    let Some(r) = runs.first() else {
        return "Not measured.".to_string();
    };
    let with_calls = runs
        .iter()
        .filter(|m| !m.fresh_arena.call_ratio.median.is_nan())
        .count();
    let parts: Vec<String> = cases(r)
        .iter()
        .enumerate()
        .map(|(i, (case, _))| {
            let verdicts = runs.iter().map(|m| verdict(cases(m)[i].1));
            format!(
                "{case}: {}",
                kit::Verdict::across(verdicts).describe(&CLAIM)
            )
        })
        .collect();
    let loops: Vec<String> = whole_loop(r)
        .iter()
        .enumerate()
        .map(|(i, (case, _))| {
            let medians: Vec<f64> = runs.iter().map(|m| whole_loop(m)[i].1.median).collect();
            let lo = medians.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let case = case.replace("whole loop: ", "");
            if runs.len() == 1 {
                format!("{case} {lo:.1}x")
            } else {
                format!("{case} {lo:.1}x to {hi:.1}x")
            }
        })
        .collect();
    format!(
        "Against the claim \"bump allocation is {} faster for small allocations\", judged per \
         allocation call (each run's loop without allocation subtracted from both sides), on \
         the {with_calls} machine(s) of {} that measured it: {}. The whole loop, as a program \
         sees it, was faster by less (the median `Box` time over the arena's, on every machine \
         measured): {}.",
        CLAIM.range(),
        runs.len(),
        parts.join("; "),
        loops.join("; ")
    )
}

/// The report as tables: each machine's timings, the verdicts (per machine
/// and on every machine), page faults, global allocator calls, and the
/// instruction counts.
pub fn tables(runs: &[Report]) -> Vec<kit::Table> {
    let mut tables = tables_without_verdicts(runs);
    if !runs.is_empty() {
        // After each machine's timing table, before the details.
        tables.insert(runs.len(), verdict_table(runs));
    }
    tables
}

/// [`tables`] without the verdict table, for a page that shows that one on
/// its own ([`verdict_table`]).
pub fn tables_without_verdicts(runs: &[Report]) -> Vec<kit::Table> {
    let mut tables: Vec<kit::Table> = runs.iter().map(timing_table).collect();
    if let Some(r) = runs.first() {
        tables.extend(detail_tables(r, runs));
    }
    tables
}

/// The claim's verdict per case: each machine's median ratio with its 95%
/// interval, and the verdict on every machine measured (the chapter's one
/// visible table; `versus --summary`).
pub fn verdict_table(runs: &[Report]) -> kit::Table {
    let mut headers = vec!["case".to_string()];
    for m in runs {
        headers.push(format!("{}: median, 95% interval", m.machine.short()));
    }
    headers.push("verdict on every machine measured".to_string());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut v = kit::Table::new(
        format!(
            "The claim \"bump allocation is {} faster for small allocations\", per case \
             (inconclusive when the interval of the median ratio straddles a bound)",
            CLAIM.range()
        ),
        &header_refs,
    );
    let Some(r) = runs.first() else {
        return v;
    };
    let cell = |s: &Summary| {
        if s.median.is_nan() {
            "- (not kept in this run)".to_string()
        } else {
            format!("{:.1}x ({}x)", s.median, s.interval(1))
        }
    };
    for (i, (case, _)) in cases(r).iter().enumerate() {
        let mut row = vec![case.to_string()];
        let mut verdicts = Vec::new();
        for m in runs {
            let s = cases(m)[i].1;
            row.push(cell(s));
            verdicts.push(verdict(s));
        }
        row.push(kit::Verdict::across(verdicts).describe(&CLAIM));
        v.row(row);
    }
    for (i, (case, _)) in whole_loop(r).iter().enumerate() {
        let mut row = vec![case.to_string()];
        row.extend(runs.iter().map(|m| cell(whole_loop(m)[i].1)));
        row.push("not judged: the claim is per call".to_string());
        v.row(row);
    }
    v
}

/// Page faults, allocator calls and instruction counts, after the verdicts.
fn detail_tables(r: &Report, runs: &[Report]) -> Vec<kit::Table> {
    let mut tables = Vec::new();

    let mut f = kit::Table::new(
        "Minor page faults per round (getrusage), allocate then free all, median of the runs",
        &[
            "machine",
            "`Box::new`",
            "new arena",
            "reset arena",
            "no allocation",
        ],
    );
    for m in runs {
        let faults = |s: &Side| format!("{:.0}", s.faults_per_round.median);
        f.row([
            m.machine.short(),
            faults(&m.heap),
            faults(&m.fresh_arena),
            faults(&m.reused_arena),
            m.no_alloc.as_ref().map_or("-".to_string(), faults),
        ]);
    }
    tables.push(f);

    let mut c = kit::Table::new(
        "Global allocator calls while allocating one round (exercise 1's tracker, a separate run)",
        &["side", "allocs", "per object"],
    );
    for (side, s) in [
        ("`Box::new`", &r.heap),
        ("`bump.alloc`, new arena", &r.fresh_arena),
        ("`bump.alloc`, reset arena", &r.reused_arena),
    ] {
        c.row([
            side.to_string(),
            s.global_allocs.to_string(),
            format!("{:.5}", s.global_allocs as f64 / r.objects as f64),
        ]);
    }
    tables.push(c);
    tables.extend(instructions_table(r));
    tables
}

/// The callgrind counts (the same on every machine of one build), when the
/// report has them.
fn instructions_table(r: &Report) -> Option<kit::Table> {
    let i = r.instructions.as_ref()?;
    let mut t = kit::Table::new(
        format!(
            "Instructions per object, allocate then free all ({} objects a round), \
             counted by callgrind ({})",
            i.objects, i.valgrind
        ),
        &[
            "side",
            "instructions",
            "beyond the loop alone",
            "Box / this side",
            "Box / this side, beyond the loop",
        ],
    );
    let base = i.no_alloc;
    let beyond = |n: f64| base.map(|b| n - b);
    let cell = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
    for (side, n) in [
        ("`Box::new`", i.heap),
        ("`bump.alloc`, new arena", i.fresh_arena),
        ("`bump.alloc`, reset arena", i.reused_arena),
    ] {
        let own = match (beyond(i.heap), beyond(n)) {
            (Some(h), Some(m)) if m > 0.0 => format!("{:.1}x", h / m),
            _ => "-".to_string(),
        };
        t.row([
            side.to_string(),
            format!("{n:.1}"),
            cell(beyond(n)),
            format!("{:.1}x", i.heap / n),
            own,
        ]);
    }
    if let Some(b) = base {
        t.row([
            "no allocation (the loop alone)".to_string(),
            format!("{b:.1}"),
            "0.0".to_string(),
            format!("{:.1}x", i.heap / b),
            "-".to_string(),
        ]);
    }
    Some(t)
}

/// The lines the book prints under the timing tables: one per machine.
pub fn label(runs: &[Report]) -> String {
    runs.iter()
        .map(|r| {
            format!(
                "{}; each run a fresh process; ratios are medians of per-run ratios.",
                r.machine.measured_on()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Half the width of a ratio's interval over its median, as a fraction:
/// above [`NOISY`], the timed ratio is too loose to quote.
fn looseness(s: &Summary) -> f64 {
    (s.ci_high - s.ci_low) / 2.0 / s.median
}

/// A ratio whose 95% interval reaches further than this either side of its
/// median is reported as noisy, and the prose quotes instruction counts.
pub const NOISY: f64 = 0.10;

/// What the data say, as sentences generated from the runs (the chapter
/// includes them under the tables, so no figure in them is typed by hand).
pub fn findings(runs: &[Report]) -> String {
    let mut out = Vec::new();
    let Some(first) = runs.first() else {
        return String::new();
    };
    // Page faults: do they explain the new arena's time?
    let machines_faults: Vec<String> = runs
        .iter()
        .map(|r| {
            format!(
                "{:.0} for `Box::new`, {:.0} for a new arena and {:.0} for a reset one on {}",
                r.heap.faults_per_round.median,
                r.fresh_arena.faults_per_round.median,
                r.reused_arena.faults_per_round.median,
                r.machine.short()
            )
        })
        .collect();
    let fresh_faults_more = runs.iter().all(|r| {
        r.fresh_arena.faults_per_round.median > r.reused_arena.faults_per_round.median + 1.0
    });
    out.push(format!(
        "- **Page faults** per round (the median of the runs): {}. {}",
        machines_faults.join("; "),
        if fresh_faults_more {
            "A new arena takes more of them than a reused one: part of its extra time is \
             the kernel providing fresh pages."
        } else {
            "A new arena takes no more of them than a reused one: its chunks come back \
             from memory the system allocator already holds, not fresh from the OS, so \
             page faults do not explain a difference between the two arena columns."
        }
    ));
    // Instructions: what allocation itself costs.
    if let Some(i) = &first.instructions
        && let Some(b) = i.no_alloc
    {
        out.push(format!(
            "- **Instructions** per object: `Box::new` executes {:.0}, a reset arena {:.0}, \
             the same loop with no allocation {b:.0} (building the 32-byte object, \
             storing a pointer to it, the loop itself). Beyond the loop, allocation \
             costs {:.0} instructions per object on the heap and {:.0} in the arena: \
             {:.0}x fewer, where the whole loop's ratio is {:.1}x.",
            i.heap,
            i.reused_arena,
            i.heap - b,
            i.reused_arena - b,
            (i.heap - b) / (i.reused_arena - b).max(0.5),
            i.heap / i.reused_arena,
        ));
    }
    // Noise: which timed ratios can be quoted.
    let mut noisy = Vec::new();
    for r in runs {
        let kept = cases(r)
            .into_iter()
            .chain(whole_loop(r))
            .filter(|(_, s)| !s.median.is_nan());
        for (case, s) in kept {
            if looseness(s).is_nan() || looseness(s) > NOISY {
                noisy.push(format!(
                    "{case} on {} ({:.1}x, interval {}x)",
                    r.machine.short(),
                    s.median,
                    s.interval(1)
                ));
            }
        }
    }
    if noisy.is_empty() {
        out.push(format!(
            "- **Repeatability**: every timed ratio's 95% interval lies within {:.0}% of its median.",
            NOISY * 100.0
        ));
    } else {
        out.push(format!(
            "- **Noisy timings**: these ratios' 95% intervals reach more than {:.0}% from \
             their median, so the timing is not a figure to quote: {}. The instruction \
             counts above are the same on every run.",
            NOISY * 100.0,
            noisy.join("; ")
        ));
    }
    if runs.len() > 1 {
        out.push(format!(
            "- **Machines**: {}. A verdict above is stated only where they agree, and \
             \"machine-dependent\" where they do not.",
            Machine::varied(&runs.iter().map(|r| &r.machine).collect::<Vec<_>>())
        ));
    }
    out.join("\n")
}
