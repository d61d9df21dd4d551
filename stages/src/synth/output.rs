//! Writing the dataset: survey exports in the formats they really arrive in (UTF-8 CSV, XLSX,
//! Windows-1252 `;` CSV), the programme files, and the ground truth. Files are streamed project
//! by project, so memory stays bounded whatever the number of projects.
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, Worksheet};

use super::model::{Cast, ProjectCast, TrueProject};
use super::survey::{ProjectSurvey, Row};
use super::SynthError;
use crate::vocab;

/// Header of the wave exports (wave 3 spells the last column `intensità`).
pub const WAVE_HEADER: [&str; 7] = [
    "codice_progetto",
    "organizzazione_rispondente",
    "tipo_rispondente",
    "organizzazione_citata",
    "tipo_citata",
    "relazione",
    "intensita",
];
/// Header of the rosters.
pub const ROSTER_HEADER: [&str; 4] = [
    "codice_progetto",
    "organizzazione",
    "tipo_organizzazione",
    "ha_risposto",
];
/// Sheet name of the wave-2 workbook.
pub const WAVE2_SHEET: &str = "Rilevazione 2";

fn io(path: &Path, e: &std::io::Error) -> SynthError {
    SynthError::Io(format!("{}: {e}", path.display()))
}

fn csv_line(fields: &[&str], delimiter: u8, crlf: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    w.write_record(fields).expect("in-memory write");
    w.into_inner().expect("in-memory flush")
}

/// A CSV file written line by line, in UTF-8 or Windows-1252.
struct CsvOut {
    path: PathBuf,
    file: BufWriter<File>,
    delimiter: u8,
    crlf: bool,
    windows_1252: bool,
}

impl CsvOut {
    fn create(
        path: PathBuf,
        delimiter: u8,
        crlf: bool,
        windows_1252: bool,
        header: &[&str],
    ) -> Result<Self, SynthError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
        }
        let file = BufWriter::new(File::create(&path).map_err(|e| io(&path, &e))?);
        let mut out = Self {
            path,
            file,
            delimiter,
            crlf,
            windows_1252,
        };
        out.line(header)?;
        Ok(out)
    }

    fn line(&mut self, fields: &[&str]) -> Result<(), SynthError> {
        let bytes = csv_line(fields, self.delimiter, self.crlf);
        let bytes = if self.windows_1252 {
            let text = String::from_utf8(bytes).expect("csv of strings is UTF-8");
            let (encoded, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
            if unmappable {
                return Err(SynthError::Io(format!(
                    "{}: a cell cannot be written in Windows-1252: {text}",
                    self.path.display()
                )));
            }
            encoded.into_owned()
        } else {
            bytes
        };
        self.file.write_all(&bytes).map_err(|e| io(&self.path, &e))
    }

    fn finish(mut self) -> Result<(), SynthError> {
        self.file.flush().map_err(|e| io(&self.path, &e))
    }
}

/// Every output file, open for streaming.
pub struct Outputs {
    dir: PathBuf,
    wave1: CsvOut,
    wave3: CsvOut,
    rosters: Vec<CsvOut>,
    workbook: Workbook,
    sheet: Worksheet,
    sheet_row: u32,
    names: CsvOut,
    ties: CsvOut,
}

fn row_fields(r: &Row) -> [&str; 7] {
    [
        &r.project,
        &r.respondent,
        &r.respondent_type,
        &r.alter,
        &r.alter_type,
        r.relation,
        &r.intensity,
    ]
}

impl Outputs {
    /// Creates the files under `dir` (the data directory).
    ///
    /// # Errors
    /// When a file cannot be created.
    pub fn create(dir: &Path) -> Result<Self, SynthError> {
        let raw = dir.join("raw");
        let truth = dir.join("truth");
        let wave1 = CsvOut::create(raw.join("wave1.csv"), b',', false, false, &WAVE_HEADER)?;
        let mut header3 = WAVE_HEADER;
        header3[6] = "intensità";
        let wave3 = CsvOut::create(raw.join("wave3.csv"), b';', true, true, &header3)?;
        let rosters = (1..=3)
            .map(|w| {
                CsvOut::create(
                    raw.join(format!("roster{w}.csv")),
                    b',',
                    false,
                    false,
                    &ROSTER_HEADER,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut workbook = Workbook::new();
        let date =
            ExcelDateTime::from_ymd(2020, 11, 30).map_err(|e| SynthError::Io(e.to_string()))?;
        workbook.set_properties(
            &DocProperties::new()
                .set_creation_datetime(&date)
                .set_author("wecare synth"),
        );
        let mut sheet = workbook.new_worksheet_with_constant_memory();
        sheet
            .set_name(WAVE2_SHEET)
            .map_err(|e| SynthError::Io(e.to_string()))?;
        for (c, h) in WAVE_HEADER.iter().enumerate() {
            sheet
                .write_string(0, u16::try_from(c).unwrap_or(0), *h)
                .map_err(|e| SynthError::Io(e.to_string()))?;
        }
        let names = CsvOut::create(
            truth.join("names.csv"),
            b',',
            false,
            false,
            &["project", "raw_name", "actor_id", "source"],
        )?;
        let ties = CsvOut::create(
            truth.join("ties.csv"),
            b',',
            false,
            false,
            &[
                "project",
                "wave",
                "layer",
                "source",
                "target",
                "intensity",
                "project_born",
            ],
        )?;
        Ok(Self {
            dir: dir.to_path_buf(),
            wave1,
            wave3,
            rosters,
            workbook,
            sheet,
            sheet_row: 1,
            names,
            ties,
        })
    }

    /// Appends one project's survey and true ties.
    ///
    /// # Errors
    /// When a write fails.
    pub fn project(
        &mut self,
        cast: &Cast,
        pc: &ProjectCast,
        truth: &TrueProject,
        survey: &ProjectSurvey,
    ) -> Result<(), SynthError> {
        for r in &survey.waves[0] {
            self.wave1.line(&row_fields(r))?;
        }
        for r in &survey.waves[1] {
            for (c, v) in row_fields(r).iter().enumerate() {
                self.sheet
                    .write_string(self.sheet_row, u16::try_from(c).unwrap_or(0), *v)
                    .map_err(|e| SynthError::Io(e.to_string()))?;
            }
            self.sheet_row += 1;
        }
        for r in &survey.waves[2] {
            self.wave3.line(&row_fields(r))?;
        }
        for (w, roster) in survey.rosters.iter().enumerate() {
            for r in roster {
                let answered = if r.responded { "sì" } else { "no" };
                self.rosters[w].line(&[
                    &r.project,
                    &r.organisation,
                    &r.organisation_type,
                    answered,
                ])?;
            }
        }
        for (raw, id, source) in &survey.names {
            self.names.line(&[&pc.code, raw, id, source])?;
        }
        for ((wave, layer), ties) in &truth.ties {
            for (&(a, b), &i) in ties {
                let (sa, sb) = (&cast.orgs[a].id, &cast.orgs[b].id);
                let (s, t) = if sa < sb { (sa, sb) } else { (sb, sa) };
                let born = if truth.born.contains(&(a, b)) {
                    "1"
                } else {
                    "0"
                };
                self.ties.line(&[
                    &pc.code,
                    &wave.to_string(),
                    layer,
                    s,
                    t,
                    &i.to_string(),
                    born,
                ])?;
            }
        }
        Ok(())
    }

    /// Closes every file.
    ///
    /// # Errors
    /// When a write fails.
    pub fn finish(mut self) -> Result<(), SynthError> {
        self.wave1.finish()?;
        self.wave3.finish()?;
        for r in self.rosters {
            r.finish()?;
        }
        self.names.finish()?;
        self.ties.finish()?;
        self.workbook.push_worksheet(self.sheet);
        let path = self.dir.join("raw").join("wave2.xlsx");
        self.workbook
            .save(&path)
            .map_err(|e| SynthError::Io(format!("{}: {e}", path.display())))
    }
}

/// Writes a small CSV file at once.
///
/// # Errors
/// When the file cannot be written.
pub fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<(), SynthError> {
    let mut out = CsvOut::create(path.to_path_buf(), b',', false, false, header)?;
    for row in rows {
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        out.line(&fields)?;
    }
    out.finish()
}

/// The sector code of a type code.
#[must_use]
pub fn sector(type_code: &str) -> &'static str {
    vocab::by_code(type_code).map_or("other", |t| t.sector.as_str())
}
