//! The fragmentation time series as an SVG chart, drawn from a saved report
//! so the same data always gives the same picture. The drawing is the kit's
//! ([`kit::chart`]); this file says which lines, labels and colours.

use kit::chart::{Corner, LineChart, RGBColor, Scale, Series};

use crate::Allocator;
use crate::frag::{Point, Report};

use kit::format::MIB;

/// Renders live bytes, each allocator's RSS and jemalloc's `resident` over the
/// cycles. Returns the SVG document.
pub fn frag_svg(r: &Report) -> Result<String, String> {
    LineChart {
        title: &format!(
            "Fragmentation stress: memory over the cycles ({})",
            r.machine.short()
        ),
        x_desc: "cycles of the server pattern",
        y_desc: "memory (MiB)",
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        // The lines rise early and stay high: the lower right is free.
        legend: Corner::LowerRight,
        series: series(r),
    }
    .svg(800, 440)
}

/// One line: the bytes `value` reads from every point that has them, in
/// MiB, against the cycle.
fn line(
    label: String,
    color: RGBColor,
    points: &[Point],
    value: fn(&Point) -> Option<f64>,
) -> Series {
    Series {
        label,
        color,
        points: points
            .iter()
            .filter_map(|p| Some((p.cycle as f64, value(p)? / MIB)))
            .collect(),
        faint: false,
    }
}

fn series(r: &Report) -> Vec<Series> {
    let mut out = Vec::new();
    // Live bytes are the same under both allocators (the seeded pattern asks
    // for the same blocks): one line for both.
    if let Some(run) = r.runs.first() {
        out.push(line(
            "live bytes (program, both allocators)".to_string(),
            RGBColor(90, 90, 90),
            &run.series,
            |p| Some(p.live as f64),
        ));
    }
    for run in &r.runs {
        let color = match run.allocator {
            Allocator::System => RGBColor(200, 60, 40),
            Allocator::Jemalloc => RGBColor(40, 90, 200),
        };
        out.push(line(
            format!("RSS, {}", run.allocator),
            color,
            &run.series,
            |p| Some(p.rss? as f64),
        ));
        if run.allocator == Allocator::Jemalloc {
            out.push(line(
                "jemalloc stats.resident".to_string(),
                RGBColor(120, 170, 240),
                &run.series,
                |p| Some(p.jemalloc?.resident as f64),
            ));
        }
    }
    out
}
