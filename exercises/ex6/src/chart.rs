//! The comparison as an SVG chart (plotters), drawn from a saved report so
//! the same data always gives the same picture: three panels, one bar per
//! strategy, each bar the median and its whisker the range of the runs.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{Report, Strategy};

const MIB: f64 = 1024.0 * 1024.0;

fn color(s: Strategy) -> RGBColor {
    match s {
        Strategy::System => RGBColor(200, 60, 40),
        Strategy::Jemalloc => RGBColor(40, 90, 200),
        Strategy::Mimalloc => RGBColor(60, 150, 70),
        Strategy::Arena => RGBColor(150, 90, 180),
    }
}

/// One panel: a title, a unit, and per strategy (median, min, max).
struct Panel {
    title: &'static str,
    unit: &'static str,
    bars: Vec<(Strategy, f64, f64, f64)>,
}

fn panels(r: &Report) -> Vec<Panel> {
    let bars = |f: &dyn Fn(&crate::Row) -> Option<kit::Summary>, scale: f64| {
        r.rows
            .iter()
            .filter_map(|row| {
                let s = f(row)?;
                Some((row.strategy, s.median / scale, s.min / scale, s.max / scale))
            })
            .collect()
    };
    vec![
        Panel {
            title: "Wall time",
            unit: "s",
            bars: bars(&|row| Some(row.wall_secs), 1.0),
        },
        Panel {
            title: "Batch latency, p99",
            unit: "µs",
            bars: bars(&|row| Some(row.batch_p99_us), 1.0),
        },
        Panel {
            title: "Peak RSS",
            unit: "MiB",
            bars: bars(&|row| row.peak_rss, MIB),
        },
    ]
}

/// Renders the chart; returns the SVG document.
pub fn svg(r: &Report) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 380)).into_drawing_area();
        draw(&root, r).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Report,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let p = &r.plan;
    let root = root.titled(
        &format!(
            "{} records in batches of {}: median and range of {} runs",
            p.records, p.batch, p.runs
        ),
        ("sans-serif", 18),
    )?;
    let all = panels(r);
    let areas = root.split_evenly((1, all.len()));
    for (area, panel) in areas.iter().zip(&all) {
        draw_panel(area, panel)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    // A segmented axis over 0..=n-1 has one segment per bar.
    let n = panel.bars.len().max(1) as i32;
    let top = panel.bars.iter().map(|b| b.3).fold(0.0, f64::max).max(1e-9) * 1.15;
    let names: Vec<&'static str> = panel.bars.iter().map(|b| b.0.name()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{} ({})", panel.title, panel.unit),
            ("sans-serif", 15),
        )
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .x_labels(n as usize)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i as usize).copied().unwrap_or("").to_string(),
            _ => String::new(),
        })
        .y_label_formatter(&|y| {
            if top >= 10.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.2}")
            }
        })
        .draw()?;
    for (i, &(strategy, median, min, max)) in panel.bars.iter().enumerate() {
        let i = i as i32;
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), median),
            ],
            color(strategy).filled(),
        );
        bar.set_margin(0, 0, 12, 12);
        chart.draw_series(std::iter::once(bar))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (SegmentValue::CenterOf(i), min),
                (SegmentValue::CenterOf(i), max),
            ],
            BLACK.stroke_width(2),
        )))?;
    }
    Ok(())
}
