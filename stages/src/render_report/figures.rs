//! The report's figures, drawn with plotters' SVG backend into strings (no fonts are measured:
//! plotters' naive text metrics place labels, the browser draws them).
//!
//! Colours are Okabe–Ito (safe for the common colour-vision deficiencies); sectors always have
//! the same colour. Points of a category are spread by a fixed offset pattern, never a random
//! jitter, so the bytes are the same on every run.
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
pub use plotters::style::RGBColor;

use super::i18n::Lang;
use super::layout::Placed;

/// Okabe–Ito colours.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Okabe–Ito sky blue.
pub const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// Okabe–Ito bluish green.
pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Okabe–Ito blue.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe–Ito vermillion.
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Okabe–Ito reddish purple.
pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// Grey for ties and guides.
pub const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// The sectors in legend order.
pub const SECTORS: [&str; 4] = ["public", "third_sector", "private", "other"];

/// The colour of a sector.
#[must_use]
pub fn sector_colour(sector: &str) -> RGBColor {
    match sector {
        "public" => BLUE,
        "third_sector" => GREEN,
        "private" => ORANGE,
        _ => PURPLE,
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Res = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Draws into a `width × height` SVG and returns its text.
///
/// # Errors
/// Whatever the drawing closure reports.
pub fn svg(width: u32, height: u32, draw: impl FnOnce(&Area<'_>) -> Res) -> Result<String, String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

fn style(size: u32) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).color(&BLACK)
}

fn text(area: &Area<'_>, s: &str, at: (i32, i32), size: u32, h: HPos) -> Res {
    area.draw(&Text::new(
        s.to_string(),
        at,
        style(size).pos(Pos::new(h, VPos::Center)),
    ))
    .map_err(err)
}

/// A row of colour keys with their names, `step` pixels apart from `x0`.
fn legend(area: &Area<'_>, items: &[(String, RGBColor)], x0: i32, step: i32) -> Res {
    for (i, (name, colour)) in items.iter().enumerate() {
        let x = x0 + i32::try_from(i).unwrap_or(0) * step;
        area.draw(&Rectangle::new([(x, 6), (x + 11, 17)], colour.filled()))
            .map_err(err)?;
        text(area, name, (x + 17, 12), 11, HPos::Left)?;
    }
    Ok(())
}

/// A pixel position of the root converted to `area`'s own coordinates.
fn local(area: &Area<'_>, (x, y): (i32, i32)) -> (i32, i32) {
    let (bx, by) = area.get_base_pixel();
    (x - bx, y - by)
}

/// Offsets spreading `n` points of one category around its centre (fixed pattern).
fn spread(i: usize, n: usize, width: f64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let x = (i as f64 / (n - 1) as f64) - 0.5;
    x * width
}

/// One sociogram: ties as grey lines, organisations as dots (colour = sector, area grows with
/// degree), enti gestori as squares; a legend under the graph.
///
/// # Errors
/// Drawing errors.
pub fn sociogram(lang: Lang, title: &str, placed: &Placed, width: u32) -> Result<String, String> {
    let graph_h = width;
    let legend_h = 58;
    svg(width, graph_h + legend_h, |root| {
        text(root, title, (8, 12), 13, HPos::Left)?;
        let scale = f64::from(width) - 24.0;
        let to_px = |(x, y): (f64, f64)| -> (i32, i32) {
            #[allow(clippy::cast_possible_truncation)]
            (
                (12.0 + x * scale).round() as i32,
                (24.0 + y * (f64::from(graph_h) - 36.0)).round() as i32,
            )
        };
        if placed.nodes.is_empty() {
            text(
                root,
                lang.t("no network"),
                (
                    i32::try_from(width / 2).unwrap_or(0),
                    i32::try_from(graph_h / 2).unwrap_or(0),
                ),
                12,
                HPos::Center,
            )?;
        }
        for &(a, b) in &placed.edges {
            let (pa, pb) = (to_px(placed.nodes[a].pos), to_px(placed.nodes[b].pos));
            root.draw(&PathElement::new(vec![pa, pb], GREY.stroke_width(1)))
                .map_err(err)?;
        }
        for node in &placed.nodes {
            let p = to_px(node.pos);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let r = (2.5 + 1.6 * (node.degree as f64).sqrt()).round() as i32;
            let colour = sector_colour(&node.sector);
            if node.ente_gestore {
                root.draw(&Rectangle::new(
                    [(p.0 - r, p.1 - r), (p.0 + r, p.1 + r)],
                    colour.filled(),
                ))
                .map_err(err)?;
                root.draw(&Rectangle::new(
                    [(p.0 - r, p.1 - r), (p.0 + r, p.1 + r)],
                    BLACK.stroke_width(2),
                ))
                .map_err(err)?;
            } else {
                root.draw(&Circle::new(p, r, colour.filled()))
                    .map_err(err)?;
                root.draw(&Circle::new(p, r, WHITE.stroke_width(1)))
                    .map_err(err)?;
            }
        }
        let top = i32::try_from(graph_h).unwrap_or(0) + 6;
        let col = i32::try_from(width / 2).unwrap_or(100);
        for (i, sector) in SECTORS.iter().enumerate() {
            let i = i32::try_from(i).unwrap_or(0);
            let (x, y) = (10 + (i % 2) * col, top + (i / 2) * 16);
            root.draw(&Circle::new((x + 4, y), 5, sector_colour(sector).filled()))
                .map_err(err)?;
            text(root, &lang.t_owned(sector), (x + 14, y), 11, HPos::Left)?;
        }
        let y = top + 34;
        root.draw(&Rectangle::new(
            [(6, y - 5), (16, y + 5)],
            BLACK.stroke_width(2),
        ))
        .map_err(err)?;
        text(
            root,
            &format!(
                "{}; {}",
                lang.t("square = ente gestore"),
                lang.t("node size = degree")
            ),
            (24, y),
            11,
            HPos::Left,
        )
    })
}

/// Small multiples: one small sociogram per project, titled with its type.
///
/// # Errors
/// Drawing errors.
pub fn small_multiples(
    lang: Lang,
    title: &str,
    panels: &[(String, Placed)],
) -> Result<String, String> {
    let cols = 6u32;
    let cell = 126u32;
    let rows = u32::try_from(panels.len())
        .unwrap_or(0)
        .div_ceil(cols)
        .max(1);
    let head = 26u32;
    let legend_h = 24u32;
    svg(
        cols * cell + 4,
        head + rows * (cell + 14) + legend_h,
        |root| {
            text(root, title, (6, 13), 14, HPos::Left)?;
            for (k, (label, placed)) in panels.iter().enumerate() {
                let k = u32::try_from(k).unwrap_or(0);
                let (cx, cy) = (
                    i32::try_from((k % cols) * cell + 2).unwrap_or(0),
                    i32::try_from(head + (k / cols) * (cell + 14)).unwrap_or(0),
                );
                let size = f64::from(cell) - 16.0;
                root.draw(&Rectangle::new(
                    [
                        (cx, cy),
                        (
                            cx + i32::try_from(cell).unwrap_or(0) - 4,
                            cy + i32::try_from(cell).unwrap_or(0) + 10,
                        ),
                    ],
                    RGBColor(0xdd, 0xdd, 0xdd).stroke_width(1),
                ))
                .map_err(err)?;
                text(root, label, (cx + 4, cy + 8), 10, HPos::Left)?;
                #[allow(clippy::cast_possible_truncation)]
                let to_px = |(x, y): (f64, f64)| -> (i32, i32) {
                    (
                        cx + 6 + (x * size).round() as i32,
                        cy + 18 + (y * size).round() as i32,
                    )
                };
                for &(a, b) in &placed.edges {
                    root.draw(&PathElement::new(
                        vec![to_px(placed.nodes[a].pos), to_px(placed.nodes[b].pos)],
                        GREY.stroke_width(1),
                    ))
                    .map_err(err)?;
                }
                for node in &placed.nodes {
                    let p = to_px(node.pos);
                    let colour = sector_colour(&node.sector);
                    if node.ente_gestore {
                        root.draw(&Rectangle::new(
                            [(p.0 - 3, p.1 - 3), (p.0 + 3, p.1 + 3)],
                            colour.filled(),
                        ))
                        .map_err(err)?;
                        root.draw(&Rectangle::new(
                            [(p.0 - 3, p.1 - 3), (p.0 + 3, p.1 + 3)],
                            BLACK.stroke_width(1),
                        ))
                        .map_err(err)?;
                    } else {
                        root.draw(&Circle::new(p, 2, colour.filled()))
                            .map_err(err)?;
                    }
                }
            }
            let y = i32::try_from(head + rows * (cell + 14) + 10).unwrap_or(0);
            for (i, sector) in SECTORS.iter().enumerate() {
                let x = 8 + i32::try_from(i).unwrap_or(0) * 150;
                root.draw(&Circle::new((x + 4, y), 5, sector_colour(sector).filled()))
                    .map_err(err)?;
                text(root, &lang.t_owned(sector), (x + 14, y), 11, HPos::Left)?;
            }
            text(
                root,
                lang.t("square = ente gestore"),
                (608, y),
                11,
                HPos::Left,
            )
        },
    )
}

/// A dot plot: one column per category, a dot per project, a bar at the mean.
pub struct DotPlot<'a> {
    /// Figure title.
    pub title: &'a str,
    /// The y-axis label (with unit).
    pub y_desc: &'a str,
    /// The x-axis label.
    pub x_desc: &'a str,
    /// Categories, in order, with their values.
    pub columns: Vec<(String, Vec<f64>)>,
    /// y range.
    pub y_range: (f64, f64),
    /// Dot colour per column.
    pub colours: Vec<RGBColor>,
    /// Decimals of the y tick labels.
    pub y_digits: usize,
}

fn mean(values: &[f64]) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Draws a [`DotPlot`] in `area`.
fn dot_plot_in(lang: Lang, area: &Area<'_>, plot: &DotPlot<'_>) -> Res {
    #[allow(clippy::cast_precision_loss)]
    let n = plot.columns.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(plot.title, ("sans-serif", 14))
        .margin(8)
        .x_label_area_size(44)
        .y_label_area_size(52)
        .build_cartesian_2d(-0.5..n - 0.5, plot.y_range.0..plot.y_range.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&|v| lang.num(Some(*v), plot.y_digits))
        .y_desc(plot.y_desc)
        .x_desc(plot.x_desc)
        .label_style(("sans-serif", 11))
        .axis_desc_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    for (i, (label, values)) in plot.columns.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = i as f64;
        let colour = plot.colours.get(i).copied().unwrap_or(BLUE);
        chart
            .draw_series(values.iter().enumerate().map(|(k, v)| {
                Circle::new(
                    (x + spread(k, values.len(), 0.5), *v),
                    3,
                    colour.mix(0.6).filled(),
                )
            }))
            .map_err(err)?;
        if let Some(m) = mean(values) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x - 0.35, m), (x + 0.35, m)],
                    BLACK.stroke_width(3),
                )))
                .map_err(err)?;
        }
        let (px, py) = local(area, chart.backend_coord(&(x, plot.y_range.0)));
        area.draw(&Text::new(
            label.clone(),
            (px, py + 12),
            style(11).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// A dot plot as an SVG, with a note under it on what the bar is.
///
/// # Errors
/// Drawing errors.
pub fn dot_plot(lang: Lang, plot: &DotPlot<'_>, width: u32) -> Result<String, String> {
    svg(width, 330, |root| {
        let (main, foot) = root.split_vertically(312);
        dot_plot_in(lang, &main, plot)?;
        text(
            &foot,
            &format!("● {}   ▬ {}", lang.t("project"), lang.t("mean")),
            (60, 8),
            11,
            HPos::Left,
        )
    })
}

/// Two dot plots side by side.
///
/// # Errors
/// Drawing errors.
pub fn dot_plots_pair(
    lang: Lang,
    left: &DotPlot<'_>,
    right: &DotPlot<'_>,
) -> Result<String, String> {
    svg(760, 330, |root| {
        let (main, foot) = root.split_vertically(312);
        let (a, b) = main.split_horizontally(380);
        dot_plot_in(lang, &a, left)?;
        dot_plot_in(lang, &b, right)?;
        text(
            &foot,
            &format!("● {}   ▬ {}", lang.t("project"), lang.t("mean")),
            (60, 8),
            11,
            HPos::Left,
        )
    })
}

/// Grouped bars: for each group (sector) one bar per series (entrants, exits), panels side by
/// side (one per wave pair).
pub struct Bars<'a> {
    /// Panel titles.
    pub panels: Vec<(String, Vec<Vec<f64>>)>,
    /// Group labels (x axis).
    pub groups: Vec<String>,
    /// Series names and colours.
    pub series: Vec<(String, RGBColor)>,
    /// y-axis label.
    pub y_desc: &'a str,
    /// x-axis label.
    pub x_desc: &'a str,
    /// Figure title.
    pub title: &'a str,
}

/// Grouped bar panels.
///
/// # Errors
/// Drawing errors.
pub fn bars(lang: Lang, spec: &Bars<'_>) -> Result<String, String> {
    let max = spec
        .panels
        .iter()
        .flat_map(|(_, s)| s.iter().flatten())
        .fold(1.0f64, |a, &b| a.max(b));
    svg(760, 350, |root| {
        text(root, spec.title, (8, 12), 14, HPos::Left)?;
        let (_, body) = root.split_vertically(22);
        let (body, foot) = body.split_vertically(304);
        let n_panels = u32::try_from(spec.panels.len().max(1)).unwrap_or(1);
        let panels = body.split_evenly((1, n_panels as usize));
        #[allow(clippy::cast_precision_loss)]
        let n = spec.groups.len() as f64;
        #[allow(clippy::cast_precision_loss)]
        let k = spec.series.len().max(1) as f64;
        for ((title, values), area) in spec.panels.iter().zip(panels.iter()) {
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 13))
                .margin(8)
                .x_label_area_size(40)
                .y_label_area_size(48)
                .build_cartesian_2d(-0.5..n - 0.5, 0.0..max * 1.1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .x_labels(0)
                .y_labels(6)
                .y_label_formatter(&|v| lang.num(Some(*v), 0))
                .y_desc(spec.y_desc)
                .x_desc(spec.x_desc)
                .label_style(("sans-serif", 11))
                .axis_desc_style(("sans-serif", 12))
                .draw()
                .map_err(err)?;
            for (g, label) in spec.groups.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let x = g as f64;
                for (s, (_, colour)) in spec.series.iter().enumerate() {
                    let v = values.get(s).and_then(|v| v.get(g)).copied().unwrap_or(0.0);
                    #[allow(clippy::cast_precision_loss)]
                    let left = x - 0.4 + 0.8 * s as f64 / k;
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(left, 0.0), (left + 0.8 / k - 0.02, v)],
                            colour.filled(),
                        )))
                        .map_err(err)?;
                }
                let (px, py) = local(area, chart.backend_coord(&(x, 0.0)));
                area.draw(&Text::new(
                    label.clone(),
                    (px, py + 12),
                    style(11).pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(err)?;
            }
        }
        legend(&foot, &spec.series, 60, 140)
    })
}

/// The Q1 scatter: exposure against outcome per project, with the rank correlation printed.
///
/// # Errors
/// Drawing errors.
pub fn scatter(
    lang: Lang,
    title: &str,
    points: &[(f64, f64)],
    x_desc: &str,
    y_desc: &str,
    note: &str,
) -> Result<String, String> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if points.is_empty() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    let (dx, dy) = (((x1 - x0) * 0.08).max(0.05), ((y1 - y0) * 0.1).max(0.5));
    svg(760, 400, |root| {
        let (main, foot) = root.split_vertically(378);
        let mut chart = ChartBuilder::on(&main)
            .caption(title, ("sans-serif", 14))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(x0 - dx..x1 + dx, y0 - dy..y1 + dy)
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|v| lang.num(Some(*v), 2))
            .y_label_formatter(&|v| lang.num(Some(*v), 1))
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style(("sans-serif", 11))
            .axis_desc_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 5, BLUE.mix(0.55).filled())),
            )
            .map_err(err)?;
        text(&foot, note, (60, 10), 12, HPos::Left)
    })
}

/// One row of the forest plot.
pub struct ForestRow {
    /// Row label.
    pub label: String,
    /// Estimate and interval (odds ratios).
    pub estimate: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Marker colour (outcome).
    pub colour: RGBColor,
}

/// A forest plot of odds ratios on a log axis with the line of no effect at 1.
///
/// # Errors
/// Drawing errors.
pub fn forest(
    lang: Lang,
    title: &str,
    rows: &[ForestRow],
    legend_items: &[(String, RGBColor)],
) -> Result<String, String> {
    let finite = |v: f64| v.is_finite() && v > 0.0;
    let lo = rows
        .iter()
        .flat_map(|r| [r.low, r.estimate])
        .filter(|v| finite(*v))
        .fold(1.0f64, f64::min)
        .max(1e-3)
        * 0.8;
    let hi = rows
        .iter()
        .flat_map(|r| [r.high, r.estimate])
        .filter(|v| finite(*v))
        .fold(1.0f64, f64::max)
        .min(1e3)
        * 1.25;
    let n = rows.len().max(1);
    let height = 90 + 26 * u32::try_from(n).unwrap_or(1);
    svg(760, height, |root| {
        let (main, foot) = root.split_vertically(i32::try_from(height).unwrap_or(0) - 22);
        let (labels, plot) = main.split_horizontally(300);
        #[allow(clippy::cast_precision_loss)]
        let nf = n as f64;
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 14))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(4)
            .build_cartesian_2d((lo..hi).log_scale(), -0.5..nf - 0.5)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .y_labels(0)
            .x_labels(0)
            .x_desc(lang.t("odds ratio (log scale), 95% interval"))
            .label_style(("sans-serif", 11))
            .axis_desc_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        // Ticks at powers of two: the log axis reads as halving and doubling.
        for e in -8..=8 {
            let v = 2f64.powi(e);
            if v < lo || v > hi {
                continue;
            }
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(v, -0.5), (v, nf - 0.5)],
                    RGBColor(0xe4, 0xe4, 0xe4).stroke_width(1),
                )))
                .map_err(err)?;
            let (px, py) = local(&plot, chart.backend_coord(&(v, -0.5)));
            let digits = if v < 1.0 { 2 } else { 0 };
            plot.draw(&Text::new(
                lang.num(Some(v), digits),
                (px, py + 10),
                style(11).pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(err)?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(1.0, -0.5), (1.0, nf - 0.5)],
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        for (i, row) in rows.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let y = nf - 1.0 - i as f64;
            if finite(row.low) && finite(row.high) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(row.low.clamp(lo, hi), y), (row.high.clamp(lo, hi), y)],
                        row.colour.stroke_width(2),
                    )))
                    .map_err(err)?;
            }
            if finite(row.estimate) {
                let (px, py) = local(&plot, chart.backend_coord(&(row.estimate.clamp(lo, hi), y)));
                plot.draw(&Rectangle::new(
                    [(px - 4, py - 4), (px + 4, py + 4)],
                    row.colour.filled(),
                ))
                .map_err(err)?;
            }
            let (_, py) = local(&labels, chart.backend_coord(&(1.0, y)));
            labels
                .draw(&Text::new(
                    row.label.clone(),
                    (294, py),
                    style(11).pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(err)?;
        }
        legend(&foot, legend_items, 20, 260)
    })
}

/// The pipeline DAG: stages in layers by depth, arrows from upstream to downstream.
///
/// # Errors
/// Drawing errors.
pub fn dag(
    title: &str,
    layers: &[Vec<(String, String)>],
    edges: &[(String, String)],
) -> Result<String, String> {
    let rows = u32::try_from(layers.len()).unwrap_or(1).max(1);
    let height = 40 + rows * 70;
    let width = 760i32;
    let mut at: std::collections::BTreeMap<String, (i32, i32)> = std::collections::BTreeMap::new();
    for (d, layer) in layers.iter().enumerate() {
        let n = i32::try_from(layer.len()).unwrap_or(1).max(1);
        for (i, (name, _)) in layer.iter().enumerate() {
            let i = i32::try_from(i).unwrap_or(0);
            at.insert(
                name.clone(),
                (
                    width * (2 * i + 1) / (2 * n),
                    50 + i32::try_from(d).unwrap_or(0) * 70,
                ),
            );
        }
    }
    svg(760, height, |root| {
        text(root, title, (8, 14), 14, HPos::Left)?;
        for (from, to) in edges {
            if let (Some(&a), Some(&b)) = (at.get(from), at.get(to)) {
                let (a, b) = ((a.0, a.1 + 16), (b.0, b.1 - 16));
                root.draw(&PathElement::new(vec![a, b], GREY.stroke_width(1)))
                    .map_err(err)?;
                root.draw(&Polygon::new(
                    vec![b, (b.0 - 4, b.1 - 7), (b.0 + 4, b.1 - 7)],
                    GREY.filled(),
                ))
                .map_err(err)?;
            }
        }
        for layer in layers {
            for (name, kind) in layer {
                let (x, y) = at[name];
                let half = 84;
                root.draw(&Rectangle::new(
                    [(x - half, y - 16), (x + half, y + 16)],
                    SKY.mix(0.25).filled(),
                ))
                .map_err(err)?;
                root.draw(&Rectangle::new(
                    [(x - half, y - 16), (x + half, y + 16)],
                    BLUE.stroke_width(1),
                ))
                .map_err(err)?;
                text(root, name, (x, y - 5), 11, HPos::Center)?;
                root.draw(&Text::new(
                    kind.clone(),
                    (x, y + 8),
                    TextStyle::from(("sans-serif", 9).into_font())
                        .color(&RGBColor(0x44, 0x44, 0x44))
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(err)?;
            }
        }
        Ok(())
    })
}
