//! The report as a document: cells of narrative, tables and figures, written out twice — as one
//! self-contained HTML page and as a Jupyter notebook (nbformat 4.5) — from the same cells, so the
//! two never disagree.
//!
//! Narrative is a small Markdown subset that both targets understand: paragraphs, `- ` bullet
//! lists, `### ` subheadings, `` `code` `` and `**bold**`. The HTML side converts it here; the
//! notebook keeps it as Markdown.
use std::fmt::Write as _;

use serde_json::{json, Value};

use super::i18n::Lang;

/// A table ready to print: every value already formatted for the language.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// One line above the table.
    pub caption: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows of formatted cells.
    pub rows: Vec<Vec<String>>,
    /// Columns to right-align (numbers).
    pub numeric: Vec<bool>,
}

impl Table {
    /// A table with `header`; columns are numeric where `numeric` says so.
    pub fn new(caption: impl Into<String>, header: &[&str], numeric: &[bool]) -> Self {
        Table {
            caption: caption.into(),
            header: header.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
            numeric: numeric.to_vec(),
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A figure: an SVG document, also written as its own file.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name under the stage's output directory (`figures/….svg`).
    pub file: String,
    /// What the figure shows.
    pub caption: String,
    /// The SVG text.
    pub svg: String,
}

/// One part of a cell.
#[derive(Debug, Clone)]
pub enum Block {
    /// Narrative (the Markdown subset).
    Md(String),
    /// A table.
    Table(Table),
    /// Figures shown side by side (one or more).
    Figures(Vec<Figure>),
}

/// A section of the report: a heading and its blocks.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The HTML anchor.
    pub anchor: String,
    /// The heading.
    pub title: String,
    /// Whether the cell is shown as a highlighted box (the synthetic-data notice).
    pub boxed: bool,
    /// Its content.
    pub blocks: Vec<Block>,
}

impl Cell {
    /// An empty cell.
    pub fn new(anchor: &str, title: impl Into<String>) -> Self {
        Cell {
            anchor: anchor.to_string(),
            title: title.into(),
            boxed: false,
            blocks: Vec::new(),
        }
    }

    /// Adds narrative.
    pub fn md(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Md(text.into()));
    }

    /// Adds a table.
    pub fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }

    /// Adds a figure.
    pub fn figure(&mut self, figure: Figure) {
        self.blocks.push(Block::Figures(vec![figure]));
    }
}

/// The whole report in one language.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its language.
    pub lang: Lang,
    /// The page title.
    pub title: String,
    /// The sections, in order.
    pub cells: Vec<Cell>,
}

impl Document {
    /// Every figure, in document order.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.cells.iter().flat_map(|c| {
            c.blocks.iter().flat_map(|b| match b {
                Block::Figures(f) => f.as_slice(),
                _ => &[],
            })
        })
    }

    /// The narrative only (headings, Markdown and tables as text; no SVG): what the snapshot
    /// tests read.
    #[must_use]
    pub fn narrative(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for cell in &self.cells {
            let _ = write!(out, "\n## {}\n", cell.title);
            for block in &cell.blocks {
                match block {
                    Block::Md(text) => {
                        let _ = write!(out, "\n{}\n", text.trim_end());
                    }
                    Block::Table(t) => {
                        let _ = write!(out, "\n{}\n", markdown_table(t));
                    }
                    Block::Figures(figs) => {
                        for f in figs {
                            let _ = write!(out, "\n[figure {}: {}]\n", f.file, f.caption);
                        }
                    }
                }
            }
        }
        out
    }

    /// The self-contained HTML page.
    #[must_use]
    pub fn html(&self) -> String {
        let mut out = String::with_capacity(1 << 20);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
            self.lang.code(),
            escape(&self.title),
            CSS,
            escape(&self.title)
        );
        out.push_str("<nav>\n<ol>\n");
        for cell in &self.cells {
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\">{}</a></li>",
                cell.anchor,
                escape(&cell.title)
            );
        }
        out.push_str("</ol>\n</nav>\n");
        for cell in &self.cells {
            let _ = writeln!(
                out,
                "<section id=\"{}\" class=\"{}\">\n<h2>{}</h2>",
                cell.anchor,
                if cell.boxed { "cell notice" } else { "cell" },
                escape(&cell.title)
            );
            for block in &cell.blocks {
                match block {
                    Block::Md(text) => out.push_str(&md_to_html(text)),
                    Block::Table(t) => out.push_str(&table_html(t)),
                    Block::Figures(figs) => {
                        out.push_str("<div class=\"figures\">\n");
                        for f in figs {
                            let _ = writeln!(
                                out,
                                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                                inline_svg(&f.svg, &f.caption),
                                escape(&f.caption)
                            );
                        }
                        out.push_str("</div>\n");
                    }
                }
            }
            out.push_str("</section>\n");
        }
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }

    /// The notebook (nbformat 4.5): Markdown cells for the narrative, code cells whose outputs
    /// are the tables (`text/html`) and figures (`image/svg+xml`). Cell ids are `cell-NNN` in order.
    #[must_use]
    pub fn notebook(&self) -> String {
        let mut cells: Vec<Value> = Vec::new();
        let mut pending = format!("# {}\n", self.title);
        let flush = |pending: &mut String, cells: &mut Vec<Value>| {
            if !pending.trim().is_empty() {
                let id = format!("cell-{:03}", cells.len() + 1);
                cells.push(json!({
                    "cell_type": "markdown",
                    "id": id,
                    "metadata": {},
                    "source": lines(pending.trim_end()),
                }));
            }
            pending.clear();
        };
        for cell in &self.cells {
            flush(&mut pending, &mut cells);
            let _ = writeln!(pending, "## {}", cell.title);
            for block in &cell.blocks {
                match block {
                    Block::Md(text) => {
                        let _ = write!(pending, "\n{}\n", text.trim_end());
                    }
                    Block::Table(t) => {
                        flush(&mut pending, &mut cells);
                        let id = format!("cell-{:03}", cells.len() + 1);
                        cells.push(output_cell(
                            &id,
                            &t.caption,
                            json!({
                                "text/html": lines(&table_html(t)),
                                "text/plain": lines(&markdown_table(t)),
                            }),
                        ));
                    }
                    Block::Figures(figs) => {
                        flush(&mut pending, &mut cells);
                        for f in figs {
                            let id = format!("cell-{:03}", cells.len() + 1);
                            cells.push(output_cell(
                                &id,
                                &format!("{} ({})", f.caption, f.file),
                                json!({
                                    "image/svg+xml": lines(&f.svg),
                                    "text/plain": [f.caption.clone()],
                                }),
                            ));
                        }
                    }
                }
            }
        }
        flush(&mut pending, &mut cells);
        let nb = json!({
            "cells": cells,
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
                "wecare": {"lang": self.lang.code(), "note": "rendered by wecare render_report; the code cells hold no code, their outputs are the tables and figures"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        });
        let mut text = serde_json::to_string_pretty(&nb).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn output_cell(id: &str, caption: &str, data: Value) -> Value {
    json!({
        "cell_type": "code",
        "execution_count": null,
        "id": id,
        "metadata": {"tags": ["wecare-output"]},
        "outputs": [{"output_type": "display_data", "data": data, "metadata": {}}],
        "source": [format!("# {caption}")],
    })
}

/// Text as nbformat's list of lines (each but the last ending in `\n`).
fn lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// Escapes text for HTML.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Inline Markdown (`code`, **bold**) to HTML, escaping everything else.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    let mut bold = false;
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('`') {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
            rest = r;
        } else if let (false, Some(r)) = (code, rest.strip_prefix("**")) {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = r;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push_str(&escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    if code {
        out.push_str("</code>");
    }
    if bold {
        out.push_str("</strong>");
    }
    out
}

/// The Markdown subset to HTML.
fn md_to_html(text: &str) -> String {
    let mut out = String::new();
    for para in text.split("\n\n") {
        let para = para.trim();
        if para.is_empty() {
            continue;
        }
        if let Some(h) = para.strip_prefix("### ") {
            let _ = writeln!(out, "<h3>{}</h3>", inline(h));
        } else if para.starts_with("- ") {
            out.push_str("<ul>\n");
            for item in para.split("\n- ") {
                let item = item.trim_start_matches("- ").replace('\n', " ");
                let _ = writeln!(out, "<li>{}</li>", inline(&item));
            }
            out.push_str("</ul>\n");
        } else if let Some(cmd) = para.strip_prefix("    ") {
            let body: Vec<&str> = std::iter::once(cmd)
                .chain(para.lines().skip(1).map(|l| l.trim_start()))
                .collect();
            let _ = writeln!(out, "<pre><code>{}</code></pre>", escape(&body.join("\n")));
        } else {
            let _ = writeln!(out, "<p>{}</p>", inline(&para.replace('\n', " ")));
        }
    }
    out
}

fn table_html(t: &Table) -> String {
    let mut out = String::from("<div class=\"table\"><table>\n");
    let _ = writeln!(out, "<caption>{}</caption>", escape(&t.caption));
    out.push_str("<thead><tr>");
    for h in &t.header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if t.numeric.get(i).copied().unwrap_or(false) {
                let _ = write!(out, "<td class=\"num\">{}</td>", escape(cell));
            } else {
                let _ = write!(out, "<td>{}</td>", inline(cell));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

/// A table as Markdown (for the notebook's `text/plain` and the narrative snapshots).
fn markdown_table(t: &Table) -> String {
    let mut out = format!("{}\n\n| {} |\n|", t.caption, t.header.join(" | "));
    for i in 0..t.header.len() {
        out.push_str(if t.numeric.get(i).copied().unwrap_or(false) {
            "---:|"
        } else {
            "---|"
        });
    }
    out.push('\n');
    for row in &t.rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.trim_end().to_string()
}

/// The SVG for inline use in HTML: the XML prolog dropped, an accessible name added.
fn inline_svg(svg: &str, caption: &str) -> String {
    let body = svg.trim();
    let body = body
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .unwrap_or(body)
        .trim_start();
    body.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(caption)),
        1,
    )
}

const CSS: &str = "\
:root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --box: #fff4d6; --boxrule: #e69f00; }
body { margin: 0; color: var(--ink); background: #fff; font: 16px/1.5 system-ui, -apple-system, \"Segoe UI\", sans-serif; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem 1.25rem 4rem; }
h1 { font-size: 1.8rem; margin: 1rem 0; }
h2 { font-size: 1.35rem; margin: 0 0 .6rem; }
h3 { font-size: 1.1rem; margin: 1rem 0 .4rem; }
nav ol { columns: 2; font-size: .9rem; }
.cell { border-top: 1px solid var(--rule); padding: 1rem 0; }
.notice { background: var(--box); border: 2px solid var(--boxrule); border-radius: 6px; padding: 1rem 1.25rem; }
code { font-family: ui-monospace, \"SFMono-Regular\", Menlo, Consolas, monospace; font-size: .88em; background: #f3f3f3; padding: 0 .2em; border-radius: 3px; word-break: break-all; }
pre { background: #f3f3f3; padding: .6rem .8rem; overflow-x: auto; }
pre code { background: none; padding: 0; }
.table { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; font-size: .85rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0 .4rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.figures { display: flex; flex-wrap: wrap; gap: .75rem; }
figure { margin: .5rem 0 1rem; max-width: 100%; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: var(--muted); max-width: 48rem; }
";

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Document {
        let mut cell = Cell::new("a", "A <title>");
        cell.md("Text with `code` and **bold** & <tags>.\n\n- one\n- two `x`\n\n### Sub");
        let mut t = Table::new("cap", &["k", "n"], &[false, true]);
        t.row(vec!["`a|b`".into(), "1,5".into()]);
        cell.table(t);
        cell.figure(Figure {
            file: "figures/f.svg".into(),
            caption: "fig \"q\"".into(),
            svg: "<svg width=\"10\" height=\"10\"></svg>".into(),
        });
        Document {
            lang: Lang::It,
            title: "T".into(),
            cells: vec![cell],
        }
    }

    #[test]
    fn markdown_subset_becomes_escaped_html() {
        let html = sample().html();
        assert!(html.contains("<html lang=\"it\">"));
        assert!(html.contains(
            "<p>Text with <code>code</code> and <strong>bold</strong> &amp; &lt;tags&gt;.</p>"
        ));
        assert!(html.contains("<li>one</li>\n<li>two <code>x</code></li>"));
        assert!(html.contains("<h3>Sub</h3>"));
        assert!(html.contains("<h2>A &lt;title&gt;</h2>"));
        assert!(html.contains("<td class=\"num\">1,5</td>"));
        assert!(html.contains("<svg role=\"img\" aria-label=\"fig &quot;q&quot;\" width=\"10\""));
    }

    #[test]
    fn notebook_cells_have_fixed_sequential_ids_and_typed_outputs() {
        let nb: Value = serde_json::from_str(&sample().notebook()).unwrap();
        assert_eq!(nb["nbformat"], 4);
        assert_eq!(nb["nbformat_minor"], 5);
        let cells = nb["cells"].as_array().unwrap();
        let ids: Vec<&str> = cells.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["cell-001", "cell-002", "cell-003", "cell-004"]);
        assert_eq!(cells[1]["cell_type"], "markdown");
        assert!(cells[2]["outputs"][0]["data"]["text/html"].is_array());
        assert!(cells[3]["outputs"][0]["data"]["image/svg+xml"].is_array());
        assert_eq!(sample().notebook(), sample().notebook());
        assert!(sample().narrative().contains("| `a\\|b` | 1,5 |"));
    }
}
