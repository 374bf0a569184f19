//! The comparison as an SVG chart, drawn from a saved report so the same
//! data always gives the same picture: three panels, one bar per strategy,
//! each bar the median and its whisker the range of the runs. The drawing is
//! the kit's ([`kit::chart`]); this file says which numbers, labels and
//! colours.

use kit::chart::{Bar, BarChart, Panel, RGBColor};

use crate::{Report, Row, Strategy};

use kit::format::MIB;

fn color(s: Strategy) -> RGBColor {
    match s {
        Strategy::System => RGBColor(200, 60, 40),
        Strategy::Jemalloc => RGBColor(40, 90, 200),
        Strategy::Mimalloc => RGBColor(60, 150, 70),
        Strategy::Borrowed => RGBColor(220, 150, 30),
        Strategy::Arena => RGBColor(150, 90, 180),
        Strategy::ArenaJemalloc => RGBColor(100, 60, 170),
        Strategy::ArenaMimalloc => RGBColor(190, 120, 210),
    }
}

/// A panel titled `title (unit)`: per strategy, the summary `f` picks from
/// its row (rows without one are left out), divided by `scale`.
fn panel(
    r: &Report,
    title: &str,
    unit: &str,
    scale: f64,
    f: impl Fn(&Row) -> Option<kit::Summary>,
) -> Panel {
    Panel {
        title: format!("{title} ({unit})"),
        bars: r
            .rows
            .iter()
            .filter_map(|row| {
                let s = f(row)?;
                Some(Bar {
                    label: row.strategy.name().to_string(),
                    color: color(row.strategy),
                    median: s.median / scale,
                    min: s.min / scale,
                    max: s.max / scale,
                })
            })
            .collect(),
    }
}

/// Renders the chart; returns the SVG document.
pub fn svg(r: &Report) -> Result<String, String> {
    let p = &r.plan;
    BarChart {
        title: &format!(
            "{}: {} records in batches of {}, median and range of {} runs (peak RssAnon: one tracked run)",
            r.machine.short(),
            p.records,
            p.batch,
            p.runs
        ),
        panels: vec![
            panel(r, "Wall time", "s", 1.0, |row| Some(row.wall_secs)),
            panel(r, "Batch latency, p99", "µs", 1.0, |row| {
                Some(row.batch_p99_us)
            }),
            panel(r, "Peak RssAnon", "MiB", MIB, |row| {
                row.peak_anon.map(|b| kit::Summary::of_or_nan(&[b as f64]))
            }),
        ],
    }
    .svg(900, 380)
}
