//! `ingest_waves`: reads survey waves, rosters and the project list as they come out of real
//! survey tools — CSV in UTF-8 or Windows-1252 with any common separator, or .xlsx — and maps
//! them onto the canonical schema (DESIGN.md §4) with the column names and label spellings
//! declared in `pipeline.toml`.
//!
//! Outputs: `ties_raw` (one row per kept survey row, with its source file and line), `roster`,
//! and `rejects` (file, line, column, raw value and reason of every row that cannot be used).
//! Nothing is dropped silently: for every file, rows read = rows kept + rows rejected, and the
//! stage summary says so. A file that cannot be used at all (unreadable, not text, empty, only a
//! header, a required column missing, a malformed row) fails the stage with its file, line,
//! column and a hint.
//!
//! Names are kept as written (trimmed, whitespace collapsed, mojibake repaired): resolving them
//! to organisations is a later stage's job, and so is classifying the type labels.
use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::vocab::fold_label;
use crate::{InputFile, KindSpec, Slot, StageError, StageInput, StageOutput};

mod decoded_text;
mod delimited;
mod graph_wave;
mod labels;
mod params;
mod sheet;
mod tables;
mod workbook;

pub use decoded_text::{clean_cell, repair_mojibake};
pub use delimited::sniff_delimiter;
pub use params::{
    Columns, Delimiter, HeaderNames, IntensityValue, Params, Relation, RosterColumns, TextEncoding,
    WaveFormat,
};

use labels::{locate, responded, LabelMap};
use sheet::{FileRole, ReadOptions, Row, Sheet};
use tables::{Member, Reason, RejectTable, RosterTable, Source, Tally, Tie, TieTable};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "ingest_waves",
    summary: "read survey waves, rosters and the project list (CSV or xlsx) into ties_raw, roster and rejects",
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
        Slot {
            name: "projects",
            numbered: false,
            required: false,
            table: false,
            doc: "the project list (a `project` column): rows of other projects are rejected",
        },
    ],
    outputs: &["rejects", "roster", "ties_raw"],
    normalize: |t| crate::params::normalize_checked::<Params>(t, check_params),
    run,
};

/// The relations of the canonical format, sorted.
pub const RELATIONS: &[&str] = &[
    "after",
    "collaboration",
    "information",
    "prior",
    "resources",
];

/// Everything a file's rows are checked against.
struct Context<'a> {
    params: &'a Params,
    relations: LabelMap<Relation>,
    intensity: LabelMap<IntensityValue>,
    /// Known project codes (upper case), when a `projects` file is given.
    projects: Option<BTreeSet<String>>,
}

/// Runs the stage.
///
/// # Errors
/// A [`StageError::Input`] naming the file, line and column when a file cannot be used.
fn check_params(p: &Params) -> Result<(), crate::ParamError> {
    match p.missing_intensity {
        Some(v) if !(1..=3).contains(&v) => Err(crate::ParamError::out_of_range(
            "missing_intensity",
            v,
            "it must be 1, 2 or 3 (or be left out: missing intensities stay null)",
        )),
        _ => Ok(()),
    }
}

/// What one input file gave.
#[derive(Default)]
struct FileRead {
    line: String,
    tally: Tally,
    ties: TieTable,
    roster: RosterTable,
    rejects: RejectTable,
}

pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    if let Some(v) = params.missing_intensity {
        if !(1..=3).contains(&v) {
            return Err(StageError::Compute(format!(
                "param `missing_intensity` is {v}; it must be 1, 2 or 3 (or be left out: missing intensities stay null)"
            )));
        }
    }
    let opts = ReadOptions {
        encoding: params.encoding,
        delimiter: params.delimiter,
        sheet: params.sheet.as_deref(),
        max_cell_chars: params.max_cell_chars,
    };
    let mut summary = Vec::new();
    let projects = match input.files.get("projects") {
        Some(file) => {
            let codes = read_projects(file, &params, &opts)?;
            summary.push(format!(
                "projects ({}): {} project code{}",
                file.display,
                codes.len(),
                if codes.len() == 1 { "" } else { "s" }
            ));
            Some(codes)
        }
        None => None,
    };
    let ctx = Context {
        params: &params,
        relations: LabelMap::new(&params.relations),
        intensity: LabelMap::new(&params.intensity),
        projects,
    };
    let mut ties = TieTable::default();
    let mut roster = RosterTable::default();
    let mut rejects = RejectTable::default();
    let mut total = Tally::default();
    let waves = input.numbered_files("wave");
    if waves.is_empty() {
        return Err(StageError::Compute(
            "no `wave<N>` input: give at least one wave file".into(),
        ));
    }
    // Every file is read on its own (in parallel) into its own tables, appended in file order:
    // the tables are sorted on (wave, file, line) when written, the summary keeps file order.
    let read_wave_file = |&(n, file): &(u32, &InputFile)| -> Result<FileRead, StageError> {
        let wave = wave_number(n)?;
        let mut part = FileRead::default();
        if params.format != WaveFormat::Table {
            let (tally, described) = graph_wave::read_graph_wave(
                wave,
                file,
                params.format,
                &ctx,
                &mut part.ties,
                &mut part.rejects,
            )?;
            part.line = format!(
                "wave {n} ({}): {}; {described}",
                file.display,
                tally.reconciliation()
            );
            part.tally = tally;
            return Ok(part);
        }
        let sheet = sheet::load(file, FileRole::Wave, &opts)?;
        part.tally = read_wave(wave, file, &sheet, &ctx, &mut part.ties, &mut part.rejects)?;
        part.line = file_line("wave", n, file, &sheet, &part.tally);
        Ok(part)
    };
    let read_roster_file = |&(n, file): &(u32, &InputFile)| -> Result<FileRead, StageError> {
        let wave = wave_number(n)?;
        let mut part = FileRead::default();
        let sheet = sheet::load(file, FileRole::Roster, &opts)?;
        part.tally = read_roster(
            wave,
            file,
            &sheet,
            &ctx,
            &mut part.roster,
            &mut part.rejects,
        )?;
        part.line = file_line("roster", n, file, &sheet, &part.tally);
        Ok(part)
    };
    let rosters = input.numbered_files("roster");
    let (wave_parts, roster_parts) = rayon::join(
        || waves.par_iter().map(read_wave_file).collect::<Vec<_>>(),
        || rosters.par_iter().map(read_roster_file).collect::<Vec<_>>(),
    );
    for part in wave_parts.into_iter().chain(roster_parts) {
        let part = part?;
        summary.push(part.line);
        total.add(&part.tally);
        ties.append(part.ties);
        roster.append(part.roster);
        rejects.append(part.rejects);
    }
    summary.push(format!("total: {}", total.reconciliation()));
    let mut tables = BTreeMap::new();
    tables.insert("ties_raw".to_string(), ties.into_frame()?);
    tables.insert("roster".to_string(), roster.into_frame()?);
    tables.insert("rejects".to_string(), rejects.into_frame()?);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary,
    })
}

fn wave_number(n: u32) -> Result<i32, StageError> {
    i32::try_from(n).map_err(|_| StageError::Compute(format!("wave number {n} is too large")))
}

/// `wave 1 (data/raw/wave1.csv): 120 rows = 100 kept + 20 rejected (…); utf-8, separator `,``.
fn file_line(what: &str, n: u32, file: &InputFile, sheet: &Sheet, tally: &Tally) -> String {
    let mut line = format!(
        "{what} {n} ({}): {}; {}",
        file.display,
        tally.reconciliation(),
        sheet.format
    );
    if tally.repaired > 0 {
        line.push_str(&format!(
            "; {} cell{} repaired (mojibake)",
            tally.repaired,
            if tally.repaired == 1 { "" } else { "s" }
        ));
    }
    if tally.missing_intensity > 0 {
        line.push_str(&format!(
            "; {} kept with missing intensity",
            tally.missing_intensity
        ));
    }
    line
}

/// A project code as compared and written: cleaned, upper case.
fn project_code(cell: &str, repair: bool) -> String {
    clean_cell(cell, repair).0.to_uppercase()
}

fn read_projects(
    file: &InputFile,
    params: &Params,
    opts: &ReadOptions<'_>,
) -> Result<BTreeSet<String>, StageError> {
    let sheet = sheet::load(file, FileRole::Projects, opts)?;
    let col = locate(
        file,
        &sheet,
        &[("project", &params.projects_column)],
        "projects_column",
    )?[0];
    Ok(sheet
        .rows
        .iter()
        .map(|r| project_code(r.cell(col), params.repair_mojibake))
        .filter(|code| !code.is_empty())
        .collect())
}

/// A row's cell in a located column: raw (as in the file) and cleaned.
struct Cell<'a> {
    header: &'a str,
    raw: &'a str,
    clean: String,
}

/// Reads one row's located cells, counting mojibake repairs.
fn cells<'a>(
    sheet: &'a Sheet,
    row: &'a Row,
    idx: &[usize],
    repair: bool,
    tally: &mut Tally,
) -> Vec<Cell<'a>> {
    idx.iter()
        .map(|&i| {
            let raw = row.cell(i);
            let (clean, repaired) = clean_cell(raw, repair);
            tally.repaired += usize::from(repaired);
            Cell {
                header: sheet.headers[i].trim(),
                raw,
                clean,
            }
        })
        .collect()
}

fn blank_to_none(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn read_wave(
    wave: i32,
    file: &InputFile,
    sheet: &Sheet,
    ctx: &Context<'_>,
    ties: &mut TieTable,
    rejects: &mut RejectTable,
) -> Result<Tally, StageError> {
    let c = &ctx.params.columns;
    let idx = locate(
        file,
        sheet,
        &[
            ("project", &c.project),
            ("respondent", &c.respondent),
            ("respondent_type", &c.respondent_type),
            ("alter", &c.alter),
            ("alter_type", &c.alter_type),
            ("relation", &c.relation),
            ("intensity", &c.intensity),
        ],
        "columns",
    )?;
    let mut tally = Tally::default();
    for row in &sheet.rows {
        let source = Source {
            wave,
            file: &file.display,
            line: row.line,
        };
        let mut reject = |cell: Option<&Cell<'_>>, reason: Reason, tally: &mut Tally| {
            rejects.push(source, cell.map(|c| c.header), cell.map(|c| c.raw), reason);
            tally.reject(reason);
        };
        if row.is_blank() {
            reject(None, Reason::EmptyRow, &mut tally);
            continue;
        }
        let mut cells = cells(sheet, row, &idx, ctx.params.repair_mojibake, &mut tally);
        let [project, respondent, respondent_type, alter, alter_type, relation, intensity] =
            &mut cells[..]
        else {
            unreachable!("seven columns located");
        };
        project.clean = project.clean.to_uppercase();
        if let Some(empty) = [&*project, &*respondent, &*alter]
            .into_iter()
            .find(|c| c.clean.is_empty())
        {
            reject(Some(empty), Reason::EmptyName, &mut tally);
            continue;
        }
        if ctx
            .projects
            .as_ref()
            .is_some_and(|known| !known.contains(&project.clean))
        {
            reject(Some(project), Reason::UnknownProject, &mut tally);
            continue;
        }
        if fold_label(&respondent.clean) == fold_label(&alter.clean) {
            reject(Some(alter), Reason::SelfCitation, &mut tally);
            continue;
        }
        let Some(rel) = ctx.relations.get(&relation.clean) else {
            reject(Some(relation), Reason::UnknownRelation, &mut tally);
            continue;
        };
        let (level, missing) = match ctx.intensity.get(&intensity.clean) {
            Some(IntensityValue::Level(n)) => (Some(i32::from(n)), false),
            Some(IntensityValue::Missing) => (
                ctx.params
                    .missing_intensity
                    .and_then(|v| i32::try_from(v).ok()),
                true,
            ),
            Some(IntensityValue::Never) => {
                reject(Some(intensity), Reason::Never, &mut tally);
                continue;
            }
            None => {
                reject(Some(intensity), Reason::MalformedIntensity, &mut tally);
                continue;
            }
        };
        tally.keep();
        tally.missing_intensity += usize::from(missing);
        ties.push(
            source,
            Tie {
                project: std::mem::take(&mut project.clean),
                respondent: std::mem::take(&mut respondent.clean),
                respondent_type: blank_to_none(std::mem::take(&mut respondent_type.clean)),
                alter: std::mem::take(&mut alter.clean),
                alter_type: blank_to_none(std::mem::take(&mut alter_type.clean)),
                relation: rel.as_str(),
                intensity: level,
                intensity_missing: missing,
            },
        );
    }
    Ok(tally)
}

fn read_roster(
    wave: i32,
    file: &InputFile,
    sheet: &Sheet,
    ctx: &Context<'_>,
    roster: &mut RosterTable,
    rejects: &mut RejectTable,
) -> Result<Tally, StageError> {
    let c = &ctx.params.roster_columns;
    let idx = locate(
        file,
        sheet,
        &[
            ("project", &c.project),
            ("organisation", &c.organisation),
            ("organisation_type", &c.organisation_type),
            ("responded", &c.responded),
        ],
        "roster_columns",
    )?;
    let mut tally = Tally::default();
    for row in &sheet.rows {
        let source = Source {
            wave,
            file: &file.display,
            line: row.line,
        };
        let mut reject = |cell: Option<&Cell<'_>>, reason: Reason, tally: &mut Tally| {
            rejects.push(source, cell.map(|c| c.header), cell.map(|c| c.raw), reason);
            tally.reject(reason);
        };
        if row.is_blank() {
            reject(None, Reason::EmptyRow, &mut tally);
            continue;
        }
        let mut cells = cells(sheet, row, &idx, ctx.params.repair_mojibake, &mut tally);
        let [project, organisation, organisation_type, answered] = &mut cells[..] else {
            unreachable!("four columns located");
        };
        project.clean = project.clean.to_uppercase();
        if let Some(empty) = [&*project, &*organisation]
            .into_iter()
            .find(|c| c.clean.is_empty())
        {
            reject(Some(empty), Reason::EmptyName, &mut tally);
            continue;
        }
        if ctx
            .projects
            .as_ref()
            .is_some_and(|known| !known.contains(&project.clean))
        {
            reject(Some(project), Reason::UnknownProject, &mut tally);
            continue;
        }
        let Some(answer) = responded(&answered.clean) else {
            reject(Some(answered), Reason::MalformedResponded, &mut tally);
            continue;
        };
        tally.keep();
        roster.push(
            source,
            Member {
                project: std::mem::take(&mut project.clean),
                organisation: std::mem::take(&mut organisation.clean),
                organisation_type: blank_to_none(std::mem::take(&mut organisation_type.clean)),
                responded: answer,
            },
        );
    }
    Ok(tally)
}
