//! `describe_waves`: counts of the raw survey rows by wave, project and relation — the first
//! table an evaluator looks at to see how much each wave holds before any cleaning.
use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{KindSpec, Slot, StageError, StageInput, StageOutput};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "describe_waves",
    summary: "counts of raw survey rows by wave, project and relation",
    slots: &[Slot {
        name: "ties",
        numbered: false,
        required: true,
        table: true,
        doc: "ingest_waves.ties_raw",
    }],
    outputs: &["wave_summary"],
    normalize: crate::params::normalize::<Params>,
    run,
};

/// Columns `by` may name.
pub const GROUPABLE: &[&str] = &[
    "alter_type",
    "project",
    "relation",
    "respondent_type",
    "wave",
];

/// Params of `describe_waves`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Grouping columns, in order.
    #[serde(default = "default_by")]
    pub by: Vec<String>,
}

fn default_by() -> Vec<String> {
    vec!["wave".into(), "project".into(), "relation".into()]
}

/// Runs the stage.
///
/// # Errors
/// When `by` names a column that cannot be grouped on, or polars fails.
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    if params.by.is_empty() {
        return Err(StageError::Compute(
            "param `by` must name at least one column".into(),
        ));
    }
    if let Some(bad) = params.by.iter().find(|c| !GROUPABLE.contains(&c.as_str())) {
        return Err(StageError::Compute(format!(
            "param `by` names `{bad}`, which cannot be grouped on; use any of: {}",
            GROUPABLE.join(", ")
        )));
    }
    let ties = input.table("ties")?;
    let keys: Vec<Expr> = params.by.iter().map(|c| col(c.as_str())).collect();
    let summary = ties
        .clone()
        .lazy()
        .group_by(keys)
        .agg([
            len().cast(DataType::Int64).alias("n_rows"),
            col("respondent")
                .n_unique()
                .cast(DataType::Int64)
                .alias("n_respondents"),
            col("alter")
                .n_unique()
                .cast(DataType::Int64)
                .alias("n_alters"),
            col("intensity_missing")
                .cast(DataType::Int64)
                .sum()
                .alias("n_intensity_missing"),
            col("intensity")
                .cast(DataType::Int64)
                .sum()
                .alias("intensity_sum"),
        ])
        .sort(params.by.clone(), SortMultipleOptions::default())
        .collect()?;
    let lines = vec![format!(
        "{} groups by {}",
        summary.height(),
        params.by.join(", ")
    )];
    let mut tables = BTreeMap::new();
    tables.insert("wave_summary".to_string(), summary);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary: lines,
    })
}
