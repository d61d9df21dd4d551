//! `ingest_waves`: reads the survey waves and rosters in the canonical long CSV format
//! (DESIGN.md §4) into `ties_raw` and `roster`, keeping the source file and line of every row.
//!
//! Slots `wave<N>` (one file per wave, N = wave number) and `roster<N>`. A file that cannot be
//! used, or a row that breaks the format, fails the stage with the file, line and column.
use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{KindSpec, Slot, StageError, StageInput, StageOutput};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "ingest_waves",
    summary: "read survey waves and rosters (canonical long CSV) into ties_raw and roster",
    slots: &[
        Slot {
            name: "wave",
            numbered: true,
            required: true,
            table: false,
            doc: "one survey wave, N = wave number",
        },
        Slot {
            name: "roster",
            numbered: true,
            required: false,
            table: false,
            doc: "who was surveyed in wave N and who answered",
        },
    ],
    outputs: &["roster", "ties_raw"],
};

/// The relations of the canonical format.
pub const RELATIONS: &[&str] = &[
    "after",
    "collaboration",
    "information",
    "prior",
    "resources",
];

/// Params of `ingest_waves`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Field separator of the CSV files.
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    /// Intensity given to a tie whose intensity cell is empty.
    #[serde(default = "default_missing_intensity")]
    pub missing_intensity: i64,
    /// Header of the file for each canonical column of a wave file.
    #[serde(default)]
    pub columns: Columns,
    /// Header of the file for each canonical column of a roster file.
    #[serde(default)]
    pub roster_columns: RosterColumns,
}

fn default_delimiter() -> String {
    ",".to_string()
}
fn default_missing_intensity() -> i64 {
    1
}

/// Canonical wave column → header in the file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    pub project: String,
    pub respondent: String,
    pub respondent_type: String,
    pub alter: String,
    pub alter_type: String,
    pub relation: String,
    pub intensity: String,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            project: "project".into(),
            respondent: "respondent".into(),
            respondent_type: "respondent_type".into(),
            alter: "alter".into(),
            alter_type: "alter_type".into(),
            relation: "relation".into(),
            intensity: "intensity".into(),
        }
    }
}

/// Canonical roster column → header in the file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RosterColumns {
    pub project: String,
    pub organisation: String,
    pub organisation_type: String,
    pub responded: String,
}

impl Default for RosterColumns {
    fn default() -> Self {
        Self {
            project: "project".into(),
            organisation: "organisation".into(),
            organisation_type: "organisation_type".into(),
            responded: "responded".into(),
        }
    }
}

/// Runs the stage.
///
/// # Errors
/// A [`StageError::Input`] naming the file, line and column of the first problem.
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    let delimiter = delimiter_byte(&params.delimiter)?;
    let mut ties = TieColumns::default();
    let mut summary = Vec::new();
    for (wave, file) in input.numbered_files("wave") {
        let before = ties.len();
        read_wave(wave, file, delimiter, &params, &mut ties)?;
        summary.push(format!(
            "wave {wave}: {} rows from {}",
            ties.len() - before,
            file.display
        ));
    }
    let mut roster = RosterRows::default();
    for (wave, file) in input.numbered_files("roster") {
        let before = roster.len();
        read_roster(wave, file, delimiter, &params.roster_columns, &mut roster)?;
        summary.push(format!(
            "roster {wave}: {} rows from {}",
            roster.len() - before,
            file.display
        ));
    }
    let mut tables = BTreeMap::new();
    tables.insert("ties_raw".to_string(), ties.into_frame()?);
    tables.insert("roster".to_string(), roster.into_frame()?);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary,
    })
}

fn delimiter_byte(delimiter: &str) -> Result<u8, StageError> {
    match delimiter {
        "\\t" | "\t" | "tab" => Ok(b'\t'),
        d if d.len() == 1 && d.is_ascii() => Ok(d.as_bytes()[0]),
        d => Err(StageError::Compute(format!(
            "param `delimiter` must be one ASCII character or \"tab\", not {d:?}"
        ))),
    }
}

/// A CSV file opened with its header located.
struct CsvFile<'a> {
    file: &'a crate::InputFile,
    reader: csv::Reader<std::fs::File>,
    headers: csv::StringRecord,
}

impl<'a> CsvFile<'a> {
    fn open(file: &'a crate::InputFile, delimiter: u8) -> Result<Self, StageError> {
        let handle = std::fs::File::open(&file.path).map_err(|e| StageError::Input {
            file: file.display.clone(),
            line: None,
            column: None,
            message: format!("cannot open the file: {e}"),
            hint: Some("check the path in pipeline.toml".into()),
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(handle);
        let headers = reader.headers().map_err(|e| csv_error(file, &e))?.clone();
        if headers.is_empty() || headers.iter().all(str::is_empty) {
            return Err(StageError::Input {
                file: file.display.clone(),
                line: Some(1),
                column: None,
                message: "the file is empty: no header line".into(),
                hint: Some("a wave file starts with a header line naming its columns".into()),
            });
        }
        Ok(Self {
            file,
            reader,
            headers,
        })
    }

    fn column(&self, canonical: &str, header: &str) -> Result<usize, StageError> {
        let headers: Vec<&str> = self
            .headers
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim())
            .collect();
        headers.iter().position(|h| *h == header).ok_or_else(|| StageError::Input {
            file: self.file.display.clone(),
            line: Some(1),
            column: Some(header.to_string()),
            message: format!("missing required column `{header}` (canonical `{canonical}`)"),
            hint: Some(format!(
                "the header has: {}; map the file's column names with params.columns in pipeline.toml",
                headers.join(", ")
            )),
        })
    }
}

fn csv_error(file: &crate::InputFile, err: &csv::Error) -> StageError {
    let line = err.position().map(csv::Position::line);
    let message = match err.kind() {
        csv::ErrorKind::Utf8 { .. } => "the file is not valid UTF-8".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("the row has {len} fields, the header {expected_len}")
        }
        _ => err.to_string(),
    };
    let hint = match err.kind() {
        csv::ErrorKind::Utf8 { .. } => Some("save the file as UTF-8".to_string()),
        csv::ErrorKind::UnequalLengths { .. } => {
            Some("check the separator (params.delimiter) and quoting".to_string())
        }
        _ => None,
    };
    StageError::Input {
        file: file.display.clone(),
        line,
        column: None,
        message,
        hint,
    }
}

#[derive(Default)]
struct TieColumns {
    wave: Vec<i32>,
    project: Vec<String>,
    respondent: Vec<String>,
    respondent_type: Vec<String>,
    alter: Vec<String>,
    alter_type: Vec<String>,
    relation: Vec<String>,
    intensity: Vec<i32>,
    intensity_missing: Vec<bool>,
    source_file: Vec<String>,
    source_line: Vec<i64>,
}

impl TieColumns {
    fn len(&self) -> usize {
        self.wave.len()
    }

    fn into_frame(self) -> Result<DataFrame, StageError> {
        let df = DataFrame::new_infer_height(vec![
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
        ])?;
        Ok(df.sort(
            ["wave", "source_file", "source_line"],
            SortMultipleOptions::default().with_maintain_order(true),
        )?)
    }
}

fn read_wave(
    wave: u32,
    file: &crate::InputFile,
    delimiter: u8,
    params: &Params,
    out: &mut TieColumns,
) -> Result<(), StageError> {
    let mut csv = CsvFile::open(file, delimiter)?;
    let c = &params.columns;
    let idx = [
        csv.column("project", &c.project)?,
        csv.column("respondent", &c.respondent)?,
        csv.column("respondent_type", &c.respondent_type)?,
        csv.column("alter", &c.alter)?,
        csv.column("alter_type", &c.alter_type)?,
        csv.column("relation", &c.relation)?,
        csv.column("intensity", &c.intensity)?,
    ];
    let wave_i32 = i32::try_from(wave)
        .map_err(|_| StageError::Compute(format!("wave number {wave} too large")))?;
    let mut record = csv::StringRecord::new();
    loop {
        match csv.reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e)),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(idx[i]).unwrap_or("").trim().to_string();
        let bad = |column: &str, message: String, hint: &str| StageError::Input {
            file: file.display.clone(),
            line: Some(line),
            column: Some(column.to_string()),
            message,
            hint: Some(hint.to_string()),
        };
        let relation = field(5);
        if !RELATIONS.contains(&relation.as_str()) {
            return Err(bad(
                &c.relation,
                format!("unknown relation `{relation}`"),
                &format!("the canonical relations are: {}", RELATIONS.join(", ")),
            ));
        }
        let raw_intensity = field(6);
        let (intensity, missing) = if raw_intensity.is_empty() {
            (params.missing_intensity, true)
        } else {
            match raw_intensity.parse::<i64>() {
                Ok(v @ 1..=3) => (v, false),
                _ => {
                    return Err(bad(
                        &c.intensity,
                        format!("intensity `{raw_intensity}` is not 1, 2 or 3"),
                        "intensity is 1 (sometimes), 2 (often) or 3 (always); leave the cell empty when unknown",
                    ))
                }
            }
        };
        for (i, name) in [(0, &c.project), (1, &c.respondent), (3, &c.alter)] {
            if field(i).is_empty() {
                return Err(bad(
                    name,
                    format!("empty `{name}`"),
                    "every row names its project, respondent and cited organisation",
                ));
            }
        }
        out.wave.push(wave_i32);
        out.project.push(field(0));
        out.respondent.push(field(1));
        out.respondent_type.push(field(2));
        out.alter.push(field(3));
        out.alter_type.push(field(4));
        out.relation.push(relation);
        out.intensity.push(i32::try_from(intensity).unwrap_or(1));
        out.intensity_missing.push(missing);
        out.source_file.push(file.display.clone());
        out.source_line
            .push(i64::try_from(line).unwrap_or(i64::MAX));
    }
    Ok(())
}

#[derive(Default)]
struct RosterRows {
    wave: Vec<i32>,
    project: Vec<String>,
    organisation: Vec<String>,
    organisation_type: Vec<String>,
    responded: Vec<bool>,
    source_file: Vec<String>,
    source_line: Vec<i64>,
}

impl RosterRows {
    fn len(&self) -> usize {
        self.wave.len()
    }

    fn into_frame(self) -> Result<DataFrame, StageError> {
        let df = DataFrame::new_infer_height(vec![
            Column::new("wave".into(), self.wave),
            Column::new("project".into(), self.project),
            Column::new("organisation".into(), self.organisation),
            Column::new("organisation_type".into(), self.organisation_type),
            Column::new("responded".into(), self.responded),
            Column::new("source_file".into(), self.source_file),
            Column::new("source_line".into(), self.source_line),
        ])?;
        Ok(df.sort(
            ["wave", "source_file", "source_line"],
            SortMultipleOptions::default().with_maintain_order(true),
        )?)
    }
}

fn read_roster(
    wave: u32,
    file: &crate::InputFile,
    delimiter: u8,
    columns: &RosterColumns,
    out: &mut RosterRows,
) -> Result<(), StageError> {
    let mut csv = CsvFile::open(file, delimiter)?;
    let idx = [
        csv.column("project", &columns.project)?,
        csv.column("organisation", &columns.organisation)?,
        csv.column("organisation_type", &columns.organisation_type)?,
        csv.column("responded", &columns.responded)?,
    ];
    let wave_i32 = i32::try_from(wave)
        .map_err(|_| StageError::Compute(format!("wave number {wave} too large")))?;
    let mut record = csv::StringRecord::new();
    loop {
        match csv.reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e)),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(idx[i]).unwrap_or("").trim().to_string();
        let raw = field(3);
        let responded = match raw.to_lowercase().as_str() {
            "1" | "true" | "yes" | "si" | "sì" | "y" => true,
            "0" | "false" | "no" | "n" => false,
            _ => {
                return Err(StageError::Input {
                    file: file.display.clone(),
                    line: Some(line),
                    column: Some(columns.responded.clone()),
                    message: format!("`{raw}` is not a yes/no answer"),
                    hint: Some("write 1 or 0 (also accepted: true/false, yes/no, sì/no)".into()),
                })
            }
        };
        out.wave.push(wave_i32);
        out.project.push(field(0));
        out.organisation.push(field(1));
        out.organisation_type.push(field(2));
        out.responded.push(responded);
        out.source_file.push(file.display.clone());
        out.source_line
            .push(i64::try_from(line).unwrap_or(i64::MAX));
    }
    Ok(())
}
