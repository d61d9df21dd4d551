//! The three output tables of `ingest_waves` as they are built row by row — `ties_raw`, `roster`
//! and `rejects` — and the per-file [`Tally`] that reconciles them: every input row is kept or
//! rejected, never dropped.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use polars::prelude::*;

use crate::StageError;

/// Why a row went to `rejects`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// Every cell of the row is blank.
    EmptyRow,
    /// The project, respondent or cited organisation (roster: organisation) is blank.
    EmptyName,
    /// The project code is not in the `projects` file.
    UnknownProject,
    /// The respondent cites itself.
    SelfCitation,
    /// The relation label is not mapped by params.relations.
    UnknownRelation,
    /// The intensity label is not mapped by params.intensity.
    MalformedIntensity,
    /// The intensity label means "no tie" (params.intensity maps it to "never").
    Never,
    /// A roster's "responded" cell is not a yes/no answer.
    MalformedResponded,
}

impl Reason {
    /// The code written in `rejects.reason`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::EmptyRow => "empty_row",
            Reason::EmptyName => "empty_name",
            Reason::UnknownProject => "unknown_project",
            Reason::SelfCitation => "self_citation",
            Reason::UnknownRelation => "unknown_relation",
            Reason::MalformedIntensity => "malformed_intensity",
            Reason::Never => "never",
            Reason::MalformedResponded => "malformed_responded",
        }
    }
}

/// Where a row came from.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Wave number (from the slot name).
    pub wave: i32,
    /// The file, as written in `pipeline.toml`.
    pub file: &'a str,
    /// Its line or spreadsheet row.
    pub line: u64,
}

impl Source<'_> {
    fn line_i64(&self) -> i64 {
        i64::try_from(self.line).unwrap_or(i64::MAX)
    }
}

/// One kept tie.
#[derive(Debug)]
pub struct Tie {
    /// Project code (trimmed, upper case).
    pub project: String,
    /// Responding organisation, as written (cleaned).
    pub respondent: String,
    /// Its type label, as written; `None` when blank.
    pub respondent_type: Option<String>,
    /// Cited organisation, as written (cleaned).
    pub alter: String,
    /// Its type label, as written; `None` when blank.
    pub alter_type: Option<String>,
    /// Canonical relation.
    pub relation: &'static str,
    /// 1–3, or `None` when missing (and no `missing_intensity` is set).
    pub intensity: Option<i32>,
    /// Whether the intensity was missing in the file.
    pub intensity_missing: bool,
}

/// `ties_raw`, column by column.
#[derive(Debug, Default)]
pub struct TieTable {
    wave: Vec<i32>,
    project: Vec<String>,
    respondent: Vec<String>,
    respondent_type: Vec<Option<String>>,
    alter: Vec<String>,
    alter_type: Vec<Option<String>>,
    relation: Vec<&'static str>,
    intensity: Vec<Option<i32>>,
    intensity_missing: Vec<bool>,
    source_file: Vec<String>,
    source_line: Vec<i64>,
}

impl TieTable {
    /// Adds every row of `other` after these.
    pub fn append(&mut self, mut other: Self) {
        self.wave.append(&mut other.wave);
        self.project.append(&mut other.project);
        self.respondent.append(&mut other.respondent);
        self.respondent_type.append(&mut other.respondent_type);
        self.alter.append(&mut other.alter);
        self.alter_type.append(&mut other.alter_type);
        self.relation.append(&mut other.relation);
        self.intensity.append(&mut other.intensity);
        self.intensity_missing.append(&mut other.intensity_missing);
        self.source_file.append(&mut other.source_file);
        self.source_line.append(&mut other.source_line);
    }

    /// Adds a tie.
    pub fn push(&mut self, source: Source<'_>, tie: Tie) {
        self.wave.push(source.wave);
        self.project.push(tie.project);
        self.respondent.push(tie.respondent);
        self.respondent_type.push(tie.respondent_type);
        self.alter.push(tie.alter);
        self.alter_type.push(tie.alter_type);
        self.relation.push(tie.relation);
        self.intensity.push(tie.intensity);
        self.intensity_missing.push(tie.intensity_missing);
        self.source_file.push(source.file.to_string());
        self.source_line.push(source.line_i64());
    }

    /// The table, sorted on (wave, source_file, source_line).
    ///
    /// # Errors
    /// Only if polars fails.
    pub fn into_frame(self) -> Result<DataFrame, StageError> {
        sorted(vec![
            Column::new("wave".into(), self.wave),
            Column::new("project".into(), self.project),
            Column::new("respondent".into(), self.respondent),
            Column::new("respondent_type".into(), self.respondent_type),
            Column::new("alter".into(), self.alter),
            Column::new("alter_type".into(), self.alter_type),
            Column::new("relation".into(), self.relation),
            Column::new("intensity".into(), self.intensity),
            Column::new("intensity_missing".into(), self.intensity_missing),
            Column::new("source_file".into(), self.source_file),
            Column::new("source_line".into(), self.source_line),
        ])
    }
}

/// One kept roster row.
#[derive(Debug)]
pub struct Member {
    /// Project code (trimmed, upper case).
    pub project: String,
    /// The organisation, as written (cleaned).
    pub organisation: String,
    /// Its type label, as written; `None` when blank.
    pub organisation_type: Option<String>,
    /// Whether it answered; `None` when the cell is blank.
    pub responded: Option<bool>,
}

/// `roster`, column by column.
#[derive(Debug, Default)]
pub struct RosterTable {
    wave: Vec<i32>,
    project: Vec<String>,
    organisation: Vec<String>,
    organisation_type: Vec<Option<String>>,
    responded: Vec<Option<bool>>,
    source_file: Vec<String>,
    source_line: Vec<i64>,
}

impl RosterTable {
    /// Adds every row of `other` after these.
    pub fn append(&mut self, mut other: Self) {
        self.wave.append(&mut other.wave);
        self.project.append(&mut other.project);
        self.organisation.append(&mut other.organisation);
        self.organisation_type.append(&mut other.organisation_type);
        self.responded.append(&mut other.responded);
        self.source_file.append(&mut other.source_file);
        self.source_line.append(&mut other.source_line);
    }

    /// Adds a roster row.
    pub fn push(&mut self, source: Source<'_>, member: Member) {
        self.wave.push(source.wave);
        self.project.push(member.project);
        self.organisation.push(member.organisation);
        self.organisation_type.push(member.organisation_type);
        self.responded.push(member.responded);
        self.source_file.push(source.file.to_string());
        self.source_line.push(source.line_i64());
    }

    /// The table, sorted on (wave, source_file, source_line).
    ///
    /// # Errors
    /// Only if polars fails.
    pub fn into_frame(self) -> Result<DataFrame, StageError> {
        sorted(vec![
            Column::new("wave".into(), self.wave),
            Column::new("project".into(), self.project),
            Column::new("organisation".into(), self.organisation),
            Column::new("organisation_type".into(), self.organisation_type),
            Column::new("responded".into(), self.responded),
            Column::new("source_file".into(), self.source_file),
            Column::new("source_line".into(), self.source_line),
        ])
    }
}

/// `rejects`, column by column.
#[derive(Debug, Default)]
pub struct RejectTable {
    wave: Vec<i32>,
    source_file: Vec<String>,
    source_line: Vec<i64>,
    column: Vec<Option<String>>,
    raw_value: Vec<Option<String>>,
    reason: Vec<&'static str>,
}

impl RejectTable {
    /// Adds every row of `other` after these.
    pub fn append(&mut self, mut other: Self) {
        self.wave.append(&mut other.wave);
        self.source_file.append(&mut other.source_file);
        self.source_line.append(&mut other.source_line);
        self.column.append(&mut other.column);
        self.raw_value.append(&mut other.raw_value);
        self.reason.append(&mut other.reason);
    }

    /// Adds a rejected row: the column at fault (its header in the file) and its raw cell.
    pub fn push(
        &mut self,
        source: Source<'_>,
        column: Option<&str>,
        raw: Option<&str>,
        reason: Reason,
    ) {
        self.wave.push(source.wave);
        self.source_file.push(source.file.to_string());
        self.source_line.push(source.line_i64());
        self.column.push(column.map(str::to_string));
        self.raw_value.push(raw.map(str::to_string));
        self.reason.push(reason.as_str());
    }

    /// The table, sorted on (wave, source_file, source_line).
    ///
    /// # Errors
    /// Only if polars fails.
    pub fn into_frame(self) -> Result<DataFrame, StageError> {
        sorted(vec![
            Column::new("wave".into(), self.wave),
            Column::new("source_file".into(), self.source_file),
            Column::new("source_line".into(), self.source_line),
            Column::new("column".into(), self.column),
            Column::new("raw_value".into(), self.raw_value),
            Column::new("reason".into(), self.reason),
        ])
    }
}

fn sorted(columns: Vec<Column>) -> Result<DataFrame, StageError> {
    let df = DataFrame::new_infer_height(columns)?;
    // (wave, source_file, source_line) is unique: one output row per input row and table.
    Ok(df.sort(
        ["wave", "source_file", "source_line"],
        SortMultipleOptions::default().with_maintain_order(true),
    )?)
}

/// What happened to the rows of one file.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Data rows read.
    pub rows: usize,
    /// Rows kept.
    pub kept: usize,
    /// Rows rejected, by reason.
    pub rejected: BTreeMap<Reason, usize>,
    /// Cells whose mojibake was repaired.
    pub repaired: usize,
    /// Kept ties whose intensity was missing.
    pub missing_intensity: usize,
}

impl Tally {
    /// Counts a kept row.
    pub fn keep(&mut self) {
        self.rows += 1;
        self.kept += 1;
    }

    /// Counts a rejected row.
    pub fn reject(&mut self, reason: Reason) {
        self.rows += 1;
        *self.rejected.entry(reason).or_default() += 1;
    }

    /// Rows rejected, all reasons.
    #[must_use]
    pub fn rejected_total(&self) -> usize {
        self.rejected.values().sum()
    }

    /// Adds another file's counts.
    pub fn add(&mut self, other: &Tally) {
        self.rows += other.rows;
        self.kept += other.kept;
        for (reason, n) in &other.rejected {
            *self.rejected.entry(*reason).or_default() += n;
        }
        self.repaired += other.repaired;
        self.missing_intensity += other.missing_intensity;
    }

    /// `120 rows = 100 kept + 20 rejected (12 never, 8 self_citation)`.
    #[must_use]
    pub fn reconciliation(&self) -> String {
        let mut s = format!(
            "{} rows = {} kept + {} rejected",
            self.rows,
            self.kept,
            self.rejected_total()
        );
        if !self.rejected.is_empty() {
            let parts: Vec<String> = self
                .rejected
                .iter()
                .map(|(r, n)| format!("{n} {}", r.as_str()))
                .collect();
            let _ = write!(s, " ({})", parts.join(", "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_reconciles() {
        let mut t = Tally::default();
        t.keep();
        t.keep();
        t.reject(Reason::Never);
        t.reject(Reason::SelfCitation);
        t.reject(Reason::Never);
        assert_eq!(t.rows, t.kept + t.rejected_total());
        assert_eq!(
            t.reconciliation(),
            "5 rows = 2 kept + 3 rejected (1 self_citation, 2 never)"
        );
    }
}
