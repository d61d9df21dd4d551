//! [`Sheet`]: one input file read as a header and rows of text cells, whatever its format (CSV
//! text or an .xlsx worksheet), with the line of every row. Everything that makes a file unusable
//! as a whole is found here and reported as a [`StageError::Input`] with file, line, column and a
//! hint; row-level problems are left to the caller, which sends them to `rejects`.
use crate::{InputFile, StageError};

use super::params::{Delimiter, TextEncoding};
use super::{delimited, workbook};

/// How to read files (from the params).
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// Encoding of CSV files.
    pub encoding: TextEncoding,
    /// Separator of CSV files.
    pub delimiter: Delimiter,
    /// Worksheet of .xlsx files.
    pub sheet: Option<&'a str>,
    /// Longest accepted cell, in characters.
    pub max_cell_chars: u64,
}

/// What a file is for, in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// A `wave<N>` file.
    Wave,
    /// A `roster<N>` file.
    Roster,
    /// The `projects` file.
    Projects,
}

impl FileRole {
    fn rows_are(self) -> &'static str {
        match self {
            FileRole::Wave => {
                "a wave file has one row per respondent, cited organisation and relation"
            }
            FileRole::Roster => "a roster has one row per surveyed organisation",
            FileRole::Projects => "the projects file has one row per project",
        }
    }
}

/// A file as a grid of raw text cells.
#[derive(Debug)]
pub struct Sheet {
    /// Line (CSV) or row number (xlsx) of the header.
    pub header_line: u64,
    /// The header cells, as in the file.
    pub headers: Vec<String>,
    /// The data rows, in file order.
    pub rows: Vec<Row>,
    /// How the file was read, for the stage summary: "utf-8, separator `,`".
    pub format: String,
    /// The separator used, for CSV files.
    pub delimiter: Option<u8>,
    /// The worksheet read, for .xlsx files.
    pub worksheet: Option<String>,
}

/// One data row: its cells end to end in one string (a survey file has millions of cells; one
/// allocation a row instead of one a cell halves the memory a large file takes).
#[derive(Debug)]
pub struct Row {
    /// 1-based line (CSV: where the record starts) or spreadsheet row number.
    pub line: u64,
    /// The cells, as decoded (not yet cleaned), end to end.
    text: Box<str>,
    /// Where each cell ends in `text`.
    ends: Box<[usize]>,
}

impl Row {
    /// A row of these cells.
    pub fn new<S: AsRef<str>>(line: u64, cells: impl IntoIterator<Item = S>) -> Self {
        let mut text = String::new();
        let mut ends = Vec::new();
        for cell in cells {
            text.push_str(cell.as_ref());
            ends.push(text.len());
        }
        Self {
            line,
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// Cell `i`, or "" past the end of the row.
    #[must_use]
    pub fn cell(&self, i: usize) -> &str {
        match self.ends.get(i) {
            Some(&end) => &self.text[if i == 0 { 0 } else { self.ends[i - 1] }..end],
            None => "",
        }
    }

    /// The cells in order.
    pub fn cells(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| self.cell(i))
    }

    /// Whether every cell is blank.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        is_blank(self.cells())
    }
}

/// Whether every cell is blank (whitespace only).
pub fn is_blank<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    cells.into_iter().all(|c| c.trim().is_empty())
}

/// A [`StageError::Input`] about `file`.
pub fn input_error(
    file: &InputFile,
    line: Option<u64>,
    column: Option<&str>,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> StageError {
    StageError::Input {
        file: file.display.clone(),
        line,
        column: column.map(short),
        message: message.into(),
        hint: Some(hint.into()),
    }
}

/// A name shortened for messages: at most 40 characters.
#[must_use]
pub fn short(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// The largest input file read: real survey exports are kilobytes to megabytes, and a file is
/// held in memory while it is parsed.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

/// Reads `file`: an .xlsx workbook by its extension, CSV text otherwise.
///
/// # Errors
/// When the file cannot be opened, is not a readable CSV or workbook, is empty, has only a
/// header, or holds a cell longer than `max_cell_chars`.
pub fn load(file: &InputFile, role: FileRole, opts: &ReadOptions<'_>) -> Result<Sheet, StageError> {
    // Refuse a file far larger than any survey export before reading it: memory stays bounded.
    if let Ok(meta) = std::fs::metadata(&file.path) {
        if meta.len() > MAX_FILE_BYTES {
            return Err(input_error(
                file,
                None,
                None,
                format!(
                    "the file is {} MiB, more than the {} MiB a survey file may be",
                    meta.len() >> 20,
                    MAX_FILE_BYTES >> 20
                ),
                "split it (one file per wave, or per group of projects) and list the parts as wave inputs; check that it is the right file",
            ));
        }
    }
    let bytes = std::fs::read(&file.path).map_err(|e| {
        input_error(
            file,
            None,
            None,
            format!("cannot open the file: {e}"),
            "check the path in pipeline.toml and that the file can be read",
        )
    })?;
    let extension = std::path::Path::new(&file.display)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let sheet = match extension.as_str() {
        "xlsx" | "xlsm" => workbook::load(file, &bytes, opts)?,
        "xls" | "xlsb" | "ods" | "numbers" => {
            return Err(input_error(
                file,
                None,
                None,
                format!("`.{extension}` files are not read, only .xlsx workbooks and CSV text"),
                "open the file in a spreadsheet program and save it as .xlsx (Excel 2007 or later) or as CSV",
            ))
        }
        _ => delimited::load(file, bytes, opts)?,
    };
    check(file, role, opts, sheet)
}

fn check(
    file: &InputFile,
    role: FileRole,
    opts: &ReadOptions<'_>,
    sheet: Sheet,
) -> Result<Sheet, StageError> {
    let what = sheet.worksheet.as_deref().map_or_else(
        || "the file".to_string(),
        |w| format!("worksheet `{}`", short(w)),
    );
    if is_blank(sheet.headers.iter().map(String::as_str)) {
        return Err(input_error(
            file,
            Some(sheet.header_line),
            None,
            format!("the first row of {what} is empty: there is no header naming the columns"),
            format!(
                "{}; its first row names the columns (delete empty rows above the header)",
                role.rows_are()
            ),
        ));
    }
    check_cell_lengths(
        file,
        sheet.header_line,
        sheet.headers.iter().map(String::as_str),
        None,
        opts.max_cell_chars,
    )?;
    for row in &sheet.rows {
        check_cell_lengths(
            file,
            row.line,
            row.cells(),
            Some(&sheet.headers),
            opts.max_cell_chars,
        )?;
    }
    if sheet.rows.iter().all(Row::is_blank) {
        return Err(input_error(
            file,
            Some(sheet.header_line),
            None,
            format!("{what} has a header but no data rows"),
            format!(
                "{}; export the data rows too, or remove the file from pipeline.toml",
                role.rows_are()
            ),
        ));
    }
    Ok(sheet)
}

/// Fails on the first cell longer than `max_chars` characters. `headers` is `None` for the
/// header row itself (its cells are then named by position).
///
/// # Errors
/// The line and column of the long cell.
pub fn check_cell_lengths<'a>(
    file: &InputFile,
    line: u64,
    cells: impl IntoIterator<Item = &'a str>,
    headers: Option<&[String]>,
    max_chars: u64,
) -> Result<(), StageError> {
    let max = usize::try_from(max_chars).unwrap_or(usize::MAX);
    // Bytes bound characters from above: count characters only for long cells.
    let Some((i, cell)) = cells
        .into_iter()
        .enumerate()
        .find(|(_, c)| c.len() > max && c.chars().count() > max)
    else {
        return Ok(());
    };
    let column = headers
        .and_then(|h| h.get(i))
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
        .map_or_else(|| format!("field {}", i + 1), str::to_string);
    Err(input_error(
        file,
        Some(line),
        Some(&column),
        format!(
            "a cell of {} characters: longer than params.max_cell_chars = {max_chars}",
            cell.chars().count()
        ),
        "a quote that is never closed, or a file that is not a survey export, makes such cells; check the file, or raise params.max_cell_chars",
    ))
}
