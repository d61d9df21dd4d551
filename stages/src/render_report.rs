//! `render_report`: the evaluation report that the region, the evaluators and the auditors read —
//! one self-contained HTML page (inline SVG and CSS; no script, font or image from anywhere) and a
//! Jupyter notebook (nbformat 4.5), in English and in Italian, with every figure also as its own
//! SVG file.
//!
//! It reads like an executed notebook, in the order of the DAG: a first box saying whether the data
//! are synthetic (from the `synthetic` flag of the dataset file, never a guess) and how to run on
//! real data; the pipeline as a figure; one cell per upstream stage (inputs and their content
//! hashes, params, outputs, and that stage's key tables and figures); the findings F1–F8 on both
//! branches; the questions Q1–Q3 in plain language with the numbers behind each sentence and what
//! N projects cannot show; method notes; and a provenance appendix (tool version, every
//! fingerprint and output hash, the commands that reproduce and verify it).
//!
//! The pipeline itself comes from the engine's read-only provenance record
//! ([`crate::provenance::Provenance`]); this stage never reads `pipeline.lock`. The report cannot
//! hold its own output hashes (they depend on it): `pipeline.lock` has them.
//!
//! Determinism: every table is sorted, layouts are seeded and iterate a fixed number of times,
//! nothing reads a clock, and all rendering is sequential.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::provenance::Provenance;
use crate::{KindSpec, Slot, StageError, StageInput, StageOutput};

mod content;
mod doc;
mod figures;
pub mod i18n;
mod layout;

pub use doc::Document;
use i18n::Lang;

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "render_report",
    summary: "the evaluation report: index.html and report.ipynb (+ Italian index.it.html, report.it.ipynb) and every figure as SVG",
    slots: &[
        Slot { name: "dataset", numbered: false, required: false, table: false, doc: "dataset.toml: `synthetic = true|false` (the first box of the report)" },
        Slot { name: "projects", numbered: false, required: false, table: false, doc: "projects.csv with the case-study coding (Q1 outcomes)" },
        Slot { name: "rejects", numbered: false, required: false, table: true, doc: "ingest_waves.rejects" },
        Slot { name: "wave_summary", numbered: false, required: false, table: true, doc: "describe_waves.wave_summary" },
        Slot { name: "actors", numbered: false, required: false, table: true, doc: "clean_actors.actors" },
        Slot { name: "ties", numbered: false, required: false, table: true, doc: "clean_actors.ties (sociograms)" },
        Slot { name: "actor_matches", numbered: false, required: false, table: true, doc: "clean_actors.actor_matches (resolution methods)" },
        Slot { name: "review", numbered: false, required: false, table: true, doc: "clean_actors.review" },
        Slot { name: "network_metrics", numbered: false, required: false, table: true, doc: "compute_metrics.network_metrics" },
        Slot { name: "network_types", numbered: false, required: false, table: true, doc: "compute_metrics.network_types" },
        Slot { name: "network_types_confirmed", numbered: false, required: false, table: true, doc: "network_types of the branch on confirmed ties" },
        Slot { name: "wave_comparison", numbered: false, required: false, table: true, doc: "compare_waves.wave_comparison" },
        Slot { name: "actor_turnover", numbered: false, required: false, table: true, doc: "compare_waves.actor_turnover" },
        Slot { name: "tie_survival", numbered: false, required: false, table: true, doc: "compare_waves.tie_survival" },
        Slot { name: "project_dynamics", numbered: false, required: false, table: true, doc: "compare_waves.project_dynamics" },
        Slot { name: "findings", numbered: false, required: false, table: true, doc: "findings.findings" },
        Slot { name: "answers", numbered: false, required: false, table: true, doc: "answer_questions.answers" },
        Slot { name: "tests", numbered: false, required: false, table: true, doc: "answer_questions.tests" },
        Slot { name: "mechanisms", numbered: false, required: false, table: true, doc: "answer_questions.mechanisms" },
        Slot { name: "evidence", numbered: false, required: false, table: true, doc: "answer_questions.evidence" },
    ],
    outputs: &[],
    normalize: crate::params::normalize::<Params>,
    run,
};

/// The files the kind writes (besides no tables).
pub const FILES: &[&str] = &[
    "index.html",
    "index.it.html",
    "report.ipynb",
    "report.it.ipynb",
    "figures/*.svg",
];

/// Params of `render_report`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The tie layer drawn in sociograms and summarised by wave.
    #[serde(default = "default_layer")]
    pub layer: String,
    /// Draw a sociogram for every project and wave.
    #[serde(default = "default_true")]
    pub sociograms: bool,
    /// At most this many projects get sociograms and a panel in the small multiples (the first
    /// by project id); a regional or national programme's networks are all in
    /// `export_networks`' files instead, and the report says so.
    #[serde(default = "default_sociogram_projects")]
    pub sociogram_projects: usize,
}

fn default_sociogram_projects() -> usize {
    60
}

fn default_layer() -> String {
    "collaboration".into()
}

fn default_true() -> bool {
    true
}

/// Runs the stage.
///
/// # Errors
/// When an input table lacks a column the report reads, or a figure cannot be drawn.
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let docs = documents(input)?;
    let mut out = StageOutput::default();
    for doc in &docs {
        let sfx = doc.lang.suffix();
        let html = doc.html();
        out.summary.push(format!(
            "index{sfx}.html: {} bytes, {} figures",
            html.len(),
            doc.figures().count()
        ));
        out.files
            .insert(format!("index{sfx}.html"), html.into_bytes());
        out.files
            .insert(format!("report{sfx}.ipynb"), doc.notebook().into_bytes());
        for fig in doc.figures() {
            out.files
                .insert(fig.file.clone(), fig.svg.clone().into_bytes());
        }
    }
    Ok(out)
}

/// The report in both languages (English first).
///
/// # Errors
/// As [`run`].
pub fn documents(input: &StageInput) -> Result<Vec<Document>, StageError> {
    let params: Params = input.params()?;
    let data = content::Data::load(input, &params)?;
    Lang::ALL
        .iter()
        .map(|&lang| content::build(lang, &data, input.provenance.as_ref(), &params))
        .collect()
}

/// Reads the `synthetic` flag of a dataset file: `Some(true)`, `Some(false)`, or `None` when
/// the file does not say.
///
/// # Errors
/// When the file cannot be read or is not TOML.
pub fn synthetic_flag(text: &str, file: &str) -> Result<Option<bool>, StageError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| StageError::Input {
            file: file.to_string(),
            line: None,
            column: None,
            message: format!("not valid TOML: {}", e.message()),
            hint: Some("write `synthetic = true` or `synthetic = false`".into()),
        })?;
    Ok(table.get("synthetic").and_then(toml::Value::as_bool))
}

/// Column helpers: tolerant of dtype (cast), strict about presence.
fn column<'a>(df: &'a DataFrame, name: &str, table: &str) -> Result<&'a Column, StageError> {
    df.column(name)
        .map_err(|_| StageError::Compute(format!("input table `{table}` lacks column `{name}`")))
}

fn strs(df: &DataFrame, name: &str, table: &str) -> Result<Vec<String>, StageError> {
    let col = column(df, name, table)?.cast(&DataType::String)?;
    Ok(col
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

fn f64s(df: &DataFrame, name: &str, table: &str) -> Result<Vec<Option<f64>>, StageError> {
    let col = column(df, name, table)?.cast(&DataType::Float64)?;
    Ok(col.f64()?.iter().collect())
}

fn i64s(df: &DataFrame, name: &str, table: &str) -> Result<Vec<i64>, StageError> {
    let col = column(df, name, table)?.cast(&DataType::Int64)?;
    Ok(col.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

fn bools(df: &DataFrame, name: &str, table: &str) -> Result<Vec<bool>, StageError> {
    let col = column(df, name, table)?.cast(&DataType::Boolean)?;
    Ok(col.bool()?.iter().map(|v| v.unwrap_or(false)).collect())
}

/// Optional column (the lead may add columns; older tables may lack newer ones).
fn opt_f64s(
    df: &DataFrame,
    name: &str,
    table: &str,
) -> Result<Option<Vec<Option<f64>>>, StageError> {
    if df.column(name).is_ok() {
        f64s(df, name, table).map(Some)
    } else {
        Ok(None)
    }
}

fn opt_strs(df: &DataFrame, name: &str, table: &str) -> Result<Option<Vec<String>>, StageError> {
    if df.column(name).is_ok() {
        strs(df, name, table).map(Some)
    } else {
        Ok(None)
    }
}

/// Flattens params into `key = value` lines (dotted keys), sorted.
fn flat_params(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) if !t.is_empty() => flat_params(&key, t, out),
            other => {
                let mut text = other.to_string();
                if text.len() > 160 {
                    let cut = (0..=157)
                        .rev()
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(0);
                    text.truncate(cut);
                    text.push('…');
                }
                out.push((key, text));
            }
        }
    }
}

/// A unique set of strings, sorted.
fn sorted_set<'a>(items: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    items
        .into_iter()
        .cloned()
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// Counts by key, sorted by key.
fn count_by<K: Ord + Clone>(keys: impl IntoIterator<Item = K>) -> BTreeMap<K, usize> {
    let mut out = BTreeMap::new();
    for k in keys {
        *out.entry(k).or_insert(0) += 1;
    }
    out
}

/// Writes `s` shortened to its first `n` characters (hashes in tables).
fn short(s: &str, n: usize) -> String {
    let mut out = String::new();
    let _ = write!(out, "{}", &s[..s.len().min(n)]);
    out
}

/// The provenance of a stage that was called directly (tests, `wecare new` before any run).
fn empty_provenance() -> Provenance {
    Provenance::default()
}

#[cfg(test)]
mod tests {
    use crate::{is_declared_file, reads_provenance};

    #[test]
    fn declared_file_outputs_match_names_and_one_level_patterns() {
        assert!(is_declared_file("render_report", "index.html"));
        assert!(is_declared_file("render_report", "figures/pipeline.it.svg"));
        assert!(!is_declared_file("render_report", "figures/sub/x.svg"));
        assert!(!is_declared_file("render_report", "figures/.svg"));
        assert!(!is_declared_file("render_report", "index.htm"));
        assert!(!is_declared_file("findings", "index.html"));
        assert!(reads_provenance("render_report") && !reads_provenance("findings"));
    }
}
