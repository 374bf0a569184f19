//! Charts as SVG (plotters), for data where a reader would rather look than
//! read. Charts are drawn from deterministic outputs or from saved reference
//! data, so the same data always gives the same picture and
//! `cargo xtask generate --check` can compare them.
//!
//! Two kinds, and all the drawing code the exercises share:
//!
//! - [`LineChart`]: lines over two axes, each [linear or
//!   logarithmic](Scale) (memory over time, capacity against length).
//! - [`BarChart`]: side-by-side panels of bars, each bar a median with a
//!   whisker for the range of the runs.
//!
//! An exercise only says which data, which labels and which colours.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// Colours are plotters' RGB triples, re-exported so an exercise can name
/// them without depending on plotters itself.
pub use plotters::style::RGBColor;

/// One line: its legend label, colour and points.
#[derive(Debug)]
pub struct Series {
    /// The legend's text.
    pub label: String,
    /// The line's colour.
    pub color: RGBColor,
    /// `(x, y)` in data units, drawn in order.
    pub points: Vec<(f64, f64)>,
    /// Drawn thin and dashed-looking (a reference line such as y = x).
    pub faint: bool,
}

/// How an axis maps values to distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// From 0: equal steps are equal distances (bytes over time).
    Linear,
    /// From 1: equal ratios are equal distances, so sizes that double
    /// (capacities, chunk sizes) come out as even steps. Points below 1 are
    /// not drawn.
    Log,
}

/// Where the legend goes: the corner the lines leave free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    /// Top left of the plot.
    UpperLeft,
    /// Top right of the plot.
    UpperRight,
    /// Bottom left of the plot.
    LowerLeft,
    /// Bottom right of the plot.
    LowerRight,
}

/// A line chart. Each axis starts at 0 ([`Scale::Linear`]) or 1
/// ([`Scale::Log`]) and ends a little above the largest value, leaving room
/// for the legend.
#[derive(Debug)]
pub struct LineChart<'a> {
    /// Above the plot.
    pub title: &'a str,
    /// The x axis: what it counts, with its unit.
    pub x_desc: &'a str,
    /// The y axis: what it counts, with its unit.
    pub y_desc: &'a str,
    /// How the x axis maps values.
    pub x_scale: Scale,
    /// How the y axis maps values.
    pub y_scale: Scale,
    /// Where the legend goes.
    pub legend: Corner,
    /// The lines, drawn in order (the last on top).
    pub series: Vec<Series>,
}

impl LineChart<'_> {
    /// Renders the chart; returns the SVG document.
    pub fn svg(&self, width: u32, height: u32) -> Result<String, String> {
        render(width, height, |root| {
            // Headroom above the data: room for the legend inside the plot.
            // An axis with nothing to show still spans 0 (or 1) to 1.
            let (x, y) = (self.max(|p| p.0), self.max(|p| p.1));
            let linear =
                |max: f64, headroom: f64| 0.0..if max > 0.0 { max * headroom } else { 1.0 };
            let log = |max: f64, headroom: f64| (1.0..max.max(1.0) * headroom).log_scale();
            use Scale::{Linear, Log};
            match (self.x_scale, self.y_scale) {
                (Linear, Linear) => self.draw(root, linear(x, 1.0), linear(y, 1.1)),
                (Linear, Log) => self.draw(root, linear(x, 1.0), log(y, 1.5)),
                (Log, Linear) => self.draw(root, log(x, 1.2), linear(y, 1.1)),
                (Log, Log) => self.draw(root, log(x, 1.2), log(y, 1.5)),
            }
        })
    }

    /// The largest coordinate `f` picks from any point (0 if none).
    fn max(&self, f: fn(&(f64, f64)) -> f64) -> f64 {
        self.series
            .iter()
            .flat_map(|s| s.points.iter().map(f))
            .fold(0.0, f64::max)
    }

    fn draw<DB, X, Y>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x_range: X,
        y_range: Y,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x_range, y_range)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()?;
        // A log axis has no 0: leave out the points it cannot place.
        let drawable = |&(x, y): &(f64, f64)| {
            (self.x_scale == Scale::Linear || x >= 1.0)
                && (self.y_scale == Scale::Linear || y >= 1.0)
        };
        for s in &self.series {
            let style = if s.faint {
                s.color.mix(0.5).stroke_width(1)
            } else {
                s.color.stroke_width(2)
            };
            let points = s.points.iter().copied().filter(drawable);
            chart
                .draw_series(LineSeries::new(points, style))?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(match self.legend {
                Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
                Corner::UpperRight => SeriesLabelPosition::UpperRight,
                Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
                Corner::LowerRight => SeriesLabelPosition::LowerRight,
            })
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    }
}

/// One bar: the median of the runs, and the range of the runs as a whisker.
#[derive(Debug)]
pub struct Bar {
    /// What the bar stands for.
    pub label: String,
    /// Its fill.
    pub color: RGBColor,
    /// The bar's height.
    pub median: f64,
    /// Bottom of the whisker.
    pub min: f64,
    /// Top of the whisker.
    pub max: f64,
}

/// One panel of a [`BarChart`]: its own title (with the unit) and y axis.
#[derive(Debug)]
pub struct Panel {
    /// Above the panel: what it measures, with the unit.
    pub title: String,
    /// One bar per contender, left to right.
    pub bars: Vec<Bar>,
}

/// Panels side by side under one title, each a bar per contender on a linear
/// axis from 0: several measures of the same contenders at a glance.
#[derive(Debug)]
pub struct BarChart<'a> {
    /// Above all the panels.
    pub title: &'a str,
    /// The panels, left to right.
    pub panels: Vec<Panel>,
}

impl BarChart<'_> {
    /// Renders the chart; returns the SVG document.
    pub fn svg(&self, width: u32, height: u32) -> Result<String, String> {
        render(width, height, |root| {
            root.fill(&WHITE)?;
            let root = root.titled(self.title, ("sans-serif", 18))?;
            let areas = root.split_evenly((1, self.panels.len().max(1)));
            for (area, panel) in areas.iter().zip(&self.panels) {
                draw_panel(area, panel)?;
            }
            Ok(())
        })
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    // A segmented axis over 0..=n-1 has one segment per bar. It needs two
    // at least (plotters cannot place a range of one value): a lone bar
    // gets an empty slot beside it.
    let n = panel.bars.len().max(2) as i32;
    let top = panel
        .bars
        .iter()
        .map(|b| b.max)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.15;
    let names: Vec<&str> = panel.bars.iter().map(|b| b.label.as_str()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 15))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        // No x grid; no light y lines either. (`max_light_lines(0)` would
        // ask plotters for zero integer x points, which overflows.)
        .disable_x_mesh()
        .y_max_light_lines(0)
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
    for (i, b) in panel.bars.iter().enumerate() {
        let i = i as i32;
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), b.median),
            ],
            b.color.filled(),
        );
        bar.set_margin(0, 0, 12, 12);
        chart.draw_series(std::iter::once(bar))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (SegmentValue::CenterOf(i), b.min),
                (SegmentValue::CenterOf(i), b.max),
            ],
            BLACK.stroke_width(2),
        )))?;
    }
    Ok(())
}

/// Draws on a fresh SVG canvas of `width` x `height` and returns the document.
fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(
        &DrawingArea<SVGBackend, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// An axis label: at most two decimals, and none that are zeros
/// (`0`, `2.5`, `0.25`, `1000`).
fn tick(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_drop_zero_decimals_only() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(1000.0), "1000");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(999.999_999), "1000");
    }

    fn line(scale: Scale) -> LineChart<'static> {
        LineChart {
            title: "t",
            x_desc: "x (units)",
            y_desc: "y (units)",
            x_scale: scale,
            y_scale: scale,
            legend: Corner::UpperLeft,
            series: vec![Series {
                label: "the only line".to_string(),
                color: RGBColor(1, 2, 3),
                points: vec![(0.0, 0.0), (10.0, 5.0), (20.0, 40.0)],
                faint: false,
            }],
        }
    }

    #[test]
    fn line_charts_carry_their_labels_and_legend() {
        for scale in [Scale::Linear, Scale::Log] {
            let svg = line(scale).svg(400, 300).unwrap();
            assert!(svg.starts_with("<svg"), "{scale:?}");
            for text in ["x (units)", "y (units)", "the only line"] {
                assert!(svg.contains(text), "{scale:?}: no {text:?}");
            }
            // The line itself is drawn in its colour.
            assert!(svg.contains("#010203"), "{scale:?}");
        }
        // A linear axis labels 0; a log one cannot.
        assert!(
            line(Scale::Linear)
                .svg(400, 300)
                .unwrap()
                .contains(">\n0\n<")
        );
        assert!(!line(Scale::Log).svg(400, 300).unwrap().contains(">\n0\n<"));
    }

    #[test]
    fn bar_charts_draw_every_panel_and_bar() {
        let bar = |label: &str, color| Bar {
            label: label.to_string(),
            color,
            median: 2.0,
            min: 1.0,
            max: 3.0,
        };
        let chart = BarChart {
            title: "two panels",
            panels: vec![
                Panel {
                    title: "Time (s)".to_string(),
                    bars: vec![
                        bar("a", RGBColor(10, 20, 30)),
                        bar("b", RGBColor(40, 50, 60)),
                    ],
                },
                // One bar, or none, is a panel too.
                Panel {
                    title: "Memory (MiB)".to_string(),
                    bars: vec![bar("a", RGBColor(10, 20, 30))],
                },
                Panel {
                    title: "Nothing measured".to_string(),
                    bars: Vec::new(),
                },
            ],
        };
        let svg = chart.svg(600, 300).unwrap();
        for text in [
            "two panels",
            "Time (s)",
            "Memory (MiB)",
            "Nothing",
            ">\na\n<",
            ">\nb\n<",
        ] {
            assert!(svg.contains(text), "no {text:?}");
        }
        assert!(svg.contains("#0A141E") && svg.contains("#28323C"), "{svg}");
    }
}
