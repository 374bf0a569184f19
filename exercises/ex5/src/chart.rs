//! Memory over time as an SVG chart, drawn from a saved [`MemoryReport`] so
//! the same data always gives the same picture. The drawing is the kit's
//! ([`kit::chart`]); this file says which lines, labels and colours.

use kit::chart::{Corner, LineChart, RGBColor, Scale, Series};

use crate::memory::MemoryReport;
use crate::meter::{Pipeline, RunStats};

use kit::format::MIB;

/// Colours by run: the two pipelines' runs alternate (arena, std, arena, …),
/// so each pipeline keeps a family of hues.
fn color(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 6] = [
        RGBColor(40, 90, 200),
        RGBColor(200, 60, 40),
        RGBColor(40, 160, 90),
        RGBColor(230, 140, 20),
        RGBColor(120, 60, 170),
        RGBColor(120, 120, 120),
    ];
    PALETTE[i % PALETTE.len()]
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn name(r: &RunStats) -> String {
    let batch = r.batch.map_or("one batch".to_string(), |b| {
        format!("batches of {}", grouped(b))
    });
    let pipeline = match r.pipeline {
        Pipeline::Arena => "arena",
        Pipeline::Std => "std",
    };
    format!("{pipeline}, {} records, {batch}", grouped(r.records))
}

/// RSS in MiB against the share of the input read, one line per run (runs
/// of 10N records beside runs of N). Returns the SVG.
pub fn memory_svg(report: &MemoryReport) -> Result<String, String> {
    let series = report
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| Series {
            label: name(r),
            color: color(i),
            points: r
                .timeline
                .iter()
                .filter_map(|s| {
                    let read = 100.0 * s.records as f64 / r.records.max(1) as f64;
                    Some((read, s.rss? as f64 / MIB))
                })
                .collect(),
            faint: false,
        })
        .collect();
    LineChart {
        title: &format!(
            "{} while the pipeline runs ({})",
            if report.rss_is_anon {
                "Anonymous resident memory (RssAnon)"
            } else {
                "Resident memory"
            },
            report.machine.short()
        ),
        x_desc: "input read (%)",
        y_desc: if report.rss_is_anon {
            "RssAnon (MiB)"
        } else {
            "RSS (MiB)"
        },
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        legend: Corner::UpperLeft,
        series,
    }
    .svg(860, 480)
}
