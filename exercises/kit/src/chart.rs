//! Line charts as SVG (plotters), for data where a reader would rather look
//! than read. Charts are drawn from deterministic outputs or from saved
//! reference data, so the same data always gives the same picture and
//! `ci/generate-outputs --check` can compare them.

use plotters::coord::Shift;
use plotters::prelude::*;

/// One line: its legend label, colour and points.
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// Drawn thin and dashed-looking (a reference line such as y = x).
    pub faint: bool,
}

/// A chart with logarithmic axes in both directions: sizes that double
/// (capacities, chunk sizes) come out as even steps.
pub struct LogLogChart<'a> {
    pub title: &'a str,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub series: Vec<Series>,
}

impl LogLogChart<'_> {
    /// Renders the chart; returns the SVG document.
    pub fn svg(&self, width: u32, height: u32) -> Result<String, String> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
            self.draw(&root).map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(svg)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let max = |f: fn(&(f64, f64)) -> f64| {
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(f))
                .fold(1.0, f64::max)
        };
        let (x_max, y_max) = (max(|p| p.0) * 1.2, max(|p| p.1) * 1.5);
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((1.0..x_max).log_scale(), (1.0..y_max).log_scale())?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        for s in &self.series {
            let style = if s.faint {
                s.color.mix(0.5).stroke_width(1)
            } else {
                s.color.stroke_width(2)
            };
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), style))?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    }
}
