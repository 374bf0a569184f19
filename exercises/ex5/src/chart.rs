//! Memory over time as an SVG chart (plotters), drawn from a saved
//! [`MemoryReport`] so the same data always gives the same picture.

use plotters::prelude::*;

use crate::memory::MemoryReport;
use crate::meter::{Pipeline, RunStats};

const MIB: f64 = 1024.0 * 1024.0;

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

fn name(r: &RunStats) -> String {
    let batch = r
        .batch
        .map_or("one batch".to_string(), |b| format!("batches of {b}"));
    let pipeline = match r.pipeline {
        Pipeline::Arena => "arena",
        Pipeline::Std => "std",
    };
    format!("{pipeline}, {} records, {batch}", r.records)
}

/// RSS in MiB against records read, one line per run. Returns the SVG.
pub fn memory_svg(report: &MemoryReport) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 480)).into_drawing_area();
        draw(&root, report).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    report: &MemoryReport,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let series: Vec<(String, Vec<(f64, f64)>)> = report
        .runs
        .iter()
        .map(|r| {
            let points = r
                .timeline
                .iter()
                .filter_map(|s| Some((s.records as f64 / 1e6, s.rss? as f64 / MIB)))
                .collect();
            (name(r), points)
        })
        .collect();
    let x_max = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .fold(0.001, f64::max);
    let y_max = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.1))
        .fold(1.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Resident memory while the pipeline runs",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("records read (millions)")
        .y_desc("RSS (MiB)")
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    for (i, (label, points)) in series.into_iter().enumerate() {
        let c = color(i);
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
