//! The fragmentation time series as an SVG chart (plotters), drawn from a
//! saved report so the same data always gives the same picture.

use plotters::prelude::*;

use crate::Allocator;
use crate::frag::Report;

const MIB: f64 = 1024.0 * 1024.0;

/// Renders live bytes, each allocator's RSS and jemalloc's `resident` over the
/// cycles. Returns the SVG document.
pub fn frag_svg(r: &Report) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 440)).into_drawing_area();
        draw(&root, r).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

type Series = (String, RGBColor, Vec<(f64, f64)>);

fn series(r: &Report) -> Vec<Series> {
    let mut out = Vec::new();
    if let Some(run) = r.runs.first() {
        out.push((
            "live bytes (program, both allocators)".to_string(),
            RGBColor(90, 90, 90),
            run.series
                .iter()
                .map(|p| (p.cycle as f64, p.live as f64 / MIB))
                .collect(),
        ));
    }
    for run in &r.runs {
        let color = match run.allocator {
            Allocator::System => RGBColor(200, 60, 40),
            Allocator::Jemalloc => RGBColor(40, 90, 200),
        };
        out.push((
            format!("RSS, {}", run.allocator),
            color,
            run.series
                .iter()
                .filter_map(|p| Some((p.cycle as f64, p.rss? as f64 / MIB)))
                .collect(),
        ));
        if run.allocator == Allocator::Jemalloc {
            out.push((
                "jemalloc stats.resident".to_string(),
                RGBColor(120, 170, 240),
                run.series
                    .iter()
                    .filter_map(|p| Some((p.cycle as f64, p.jemalloc?.resident as f64 / MIB)))
                    .collect(),
            ));
        }
    }
    out
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    r: &Report,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let all = series(r);
    let x_max = all
        .iter()
        .flat_map(|s| s.2.iter().map(|p| p.0))
        .fold(1.0, f64::max);
    let y_max = all
        .iter()
        .flat_map(|s| s.2.iter().map(|p| p.1))
        .fold(1.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Fragmentation stress: memory over the cycles",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("cycle")
        .y_desc("MiB")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    for (name, color, points) in all {
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
