//! The comparison as SVG charts (kit::chart): throughput against threads,
//! and anonymous RSS over time.

use kit::chart::{Corner, LineChart, RGBColor, Scale, Series};

use crate::Allocator;
use crate::compare::Report;
use crate::workload::Workload;

fn color(a: Allocator) -> RGBColor {
    match a {
        Allocator::System => RGBColor(90, 90, 90),
        Allocator::Jemalloc => RGBColor(200, 80, 40),
        Allocator::Mimalloc => RGBColor(40, 110, 190),
    }
}

/// A faint vertical line at the core count: to its right, oversubscribed.
fn cores_line(cores: usize, top: f64) -> Series {
    Series {
        label: format!("{cores} cores: more threads are oversubscribed"),
        color: RGBColor(150, 150, 150),
        points: vec![(cores as f64, 0.0), (cores as f64, top)],
        faint: true,
    }
}

/// Throughput of `w` against threads, a line per allocator (and machine,
/// when the data hold several).
pub fn scaling(runs: &[Report], w: Workload) -> Result<String, String> {
    let several = runs.len() > 1;
    let mut series = Vec::new();
    let mut top: f64 = 0.0;
    for r in runs {
        for &a in &r.plan.allocators {
            let points: Vec<(f64, f64)> = r
                .rows
                .iter()
                .filter(|x| x.workload == w && x.allocator == a)
                .map(|x| (x.threads as f64, x.mops.median))
                .collect();
            top = points.iter().map(|p| p.1).fold(top, f64::max);
            series.push(Series {
                label: if several {
                    format!("{a} ({})", r.machine.short())
                } else {
                    a.to_string()
                },
                color: color(a),
                points,
                faint: false,
            });
        }
    }
    let machines: Vec<String> = runs.iter().map(|r| r.machine.short()).collect();
    if let Some(r) = runs.first() {
        series.push(cores_line(r.machine.cores, top));
    }
    let title = format!("{w}: throughput against threads ({})", machines.join("; "));
    LineChart {
        title: &title,
        x_desc: "threads",
        y_desc: "million operations per second",
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        legend: Corner::LowerRight,
        series,
    }
    .svg(720, 420)
}

/// Anonymous RSS over time of the server simulation, a line per allocator,
/// from the first machine's run.
pub fn rss(runs: &[Report]) -> Result<String, String> {
    let Some(r) = runs.first() else {
        return Err("no run in the data".to_string());
    };
    let series = r
        .rss_over_time
        .iter()
        .map(|s| Series {
            label: s.allocator.to_string(),
            color: color(s.allocator),
            points: s
                .points
                .iter()
                .map(|&(ms, b)| (ms as f64, b as f64 / kit::format::MIB))
                .collect(),
            faint: false,
        })
        .collect();
    let threads = r.rss_over_time.first().map_or(0, |s| s.threads);
    let title = format!(
        "server, {threads} threads: anonymous RSS over time ({})",
        r.machine.short()
    );
    LineChart {
        title: &title,
        x_desc: "milliseconds since the start",
        y_desc: "RssAnon (MiB)",
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        legend: Corner::LowerRight,
        series,
    }
    .svg(720, 420)
}
