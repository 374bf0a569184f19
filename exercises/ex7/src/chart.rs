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

/// Throughput of `w` against threads, a line per allocator.
pub fn scaling(r: &Report, w: Workload) -> Result<String, String> {
    let mut series: Vec<Series> = r
        .plan
        .allocators
        .iter()
        .map(|&a| Series {
            label: a.to_string(),
            color: color(a),
            points: r
                .rows
                .iter()
                .filter(|x| x.workload == w && x.allocator == a)
                .map(|x| (x.threads as f64, x.mops.median))
                .collect(),
            faint: false,
        })
        .collect();
    let top = r
        .rows
        .iter()
        .filter(|x| x.workload == w)
        .map(|x| x.mops.median)
        .fold(0.0, f64::max);
    series.push(cores_line(r.machine.cores, top));
    let title = format!(
        "{w}: throughput against threads ({} cores)",
        r.machine.cores
    );
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

/// Anonymous RSS over time of the server simulation, a line per allocator.
pub fn rss(r: &Report) -> Result<String, String> {
    let series = r
        .series
        .iter()
        .map(|s| Series {
            label: s.allocator.to_string(),
            color: color(s.allocator),
            points: s
                .points
                .iter()
                .map(|&(ms, b)| (ms as f64, b as f64 / 1048576.0))
                .collect(),
            faint: false,
        })
        .collect();
    let threads = r.series.first().map_or(0, |s| s.threads);
    let title = format!(
        "server, {threads} threads: anonymous RSS over time ({} cores)",
        r.machine.cores
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
