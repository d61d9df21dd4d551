//! The types every stage shares: what it receives ([`StageInput`]), what it returns
//! ([`StageOutput`]), how it fails ([`StageError`]) and how a kind declares its input slots
//! ([`Slot`]).
use std::collections::BTreeMap;
use std::path::PathBuf;

use polars::prelude::{DataFrame, PolarsError};
use serde::de::DeserializeOwned;

/// An input slot a kind accepts.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// The slot name, or its prefix when `numbered` (`wave` accepts `wave1`, `wave2`, …).
    pub name: &'static str,
    /// Whether the slot is a family `name1`, `name2`, … rather than one name.
    pub numbered: bool,
    /// Whether a stage of this kind must fill the slot (for a family: at least one member).
    pub required: bool,
    /// `true` when the slot takes an upstream table (`stage.table`), `false` for a file.
    pub table: bool,
    /// One line on what the slot is for.
    pub doc: &'static str,
}

impl Slot {
    /// Whether `slot` (as written in `pipeline.toml`) belongs to this slot.
    #[must_use]
    pub fn matches(&self, slot: &str) -> bool {
        if self.numbered {
            slot.strip_prefix(self.name).is_some_and(|n| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
            })
        } else {
            slot == self.name
        }
    }

    /// How the slot is written in messages: `wave<N>` or `ties`.
    #[must_use]
    pub fn display(&self) -> String {
        if self.numbered {
            format!("{}<N>", self.name)
        } else {
            self.name.to_string()
        }
    }
}

/// A file input, as the engine hands it over.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Where to open it.
    pub path: PathBuf,
    /// The path as written in `pipeline.toml`, relative to the project: use it in messages and
    /// in any output column, never `path`.
    pub display: String,
}

/// Everything a stage may read.
#[derive(Debug, Default)]
pub struct StageInput {
    /// The stage's name in `pipeline.toml`.
    pub stage: String,
    /// Upstream tables by slot.
    pub tables: BTreeMap<String, DataFrame>,
    /// Input files by slot.
    pub files: BTreeMap<String, InputFile>,
    /// The canonical params (validated by [`crate::normalize_params`]).
    pub params: toml::Table,
    /// Seed derived from the pipeline seed and the stage name.
    pub seed: u64,
    /// Slot → the content hash (blake3, hex) of what fills it: for an upstream table the hash of
    /// its Parquet bytes, for a file the hash of the file — the same hashes the engine puts into
    /// the stage's fingerprint and `pipeline.lock`. Read-only lineage for stages that cite their
    /// inputs (`answer_questions`' evidence table); empty when a stage is called directly.
    pub input_hashes: BTreeMap<String, String>,
    /// The pipeline upstream of this stage, for the kinds that ask for it
    /// ([`crate::reads_provenance`]); `None` otherwise.
    pub provenance: Option<crate::provenance::Provenance>,
}

impl StageInput {
    /// The params, deserialised into the kind's struct.
    ///
    /// # Errors
    /// Only if the engine passed params that were not normalised for this kind.
    pub fn params<P: DeserializeOwned>(&self) -> Result<P, StageError> {
        toml::Value::Table(self.params.clone())
            .try_into()
            .map_err(|e| StageError::Compute(format!("invalid params: {e}")))
    }

    /// The upstream table in `slot`.
    ///
    /// # Errors
    /// When the slot is empty.
    pub fn table(&self, slot: &str) -> Result<&DataFrame, StageError> {
        self.tables
            .get(slot)
            .ok_or_else(|| StageError::Compute(format!("input slot `{slot}` holds no table")))
    }

    /// The files of a numbered slot family, as (number, file), sorted by number.
    #[must_use]
    pub fn numbered_files(&self, prefix: &str) -> Vec<(u32, &InputFile)> {
        let mut out: Vec<(u32, &InputFile)> = self
            .files
            .iter()
            .filter_map(|(slot, file)| {
                slot.strip_prefix(prefix)
                    .and_then(|n| n.parse::<u32>().ok())
                    .map(|n| (n, file))
            })
            .collect();
        out.sort_by_key(|(n, _)| *n);
        out
    }
}

/// What a stage returns. The engine writes tables as Parquet and files as they are.
#[derive(Debug, Default)]
pub struct StageOutput {
    /// Tables by name; each must be sorted on its key already.
    pub tables: BTreeMap<String, DataFrame>,
    /// Other files (SVG, HTML, …) by file name.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Human-readable lines on what the stage did (row counts, reconciliations).
    pub summary: Vec<String>,
}

/// Why a stage failed.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// An input file cannot be used.
    #[error("{}: {message}", location(file, *line, column.as_deref()))]
    Input {
        /// The file, relative to the project.
        file: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// The column name, when known.
        column: Option<String>,
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A computation could not be carried out.
    #[error("{0}")]
    Compute(String),
    /// polars reported an error.
    #[error("polars: {0}")]
    Polars(#[from] PolarsError),
}

impl StageError {
    /// The hint to print under the error, if any.
    #[must_use]
    pub fn hint(&self) -> Option<&str> {
        match self {
            StageError::Input { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }
}

fn location(file: &str, line: Option<u64>, column: Option<&str>) -> String {
    let mut s = file.to_string();
    if let Some(line) = line {
        s.push_str(&format!(":{line}"));
    }
    if let Some(column) = column {
        s.push_str(&format!(" (column `{column}`)"));
    }
    s
}
