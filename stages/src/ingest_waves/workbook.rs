//! `.xlsx` workbooks, read with calamine: one worksheet (named, or the first), header in its
//! first non-empty row, row numbers as Excel shows them.
use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx, XlsxError};

use crate::{InputFile, StageError};

use super::decoded_text::decode;
use super::delimited::{OLE_MAGIC, ZIP_MAGIC};
use super::params::TextEncoding;
use super::sheet::{input_error, short, ReadOptions, Row, Sheet};

/// The most cells (rows × columns of the used area) a worksheet may span. A stray cell far away
/// (`XFD1048576`) would otherwise make the reader allocate the whole rectangle: 17 billion cells.
pub const MAX_CELLS: u64 = 10_000_000;

const REPAIR_HINT: &str = "the file may be truncated or damaged: open it in a spreadsheet program and save it again as .xlsx, or export the sheet as CSV";

/// Reads one worksheet of an .xlsx workbook.
///
/// # Errors
/// When the bytes are not a readable workbook, the worksheet does not exist, or it is empty.
pub fn load(file: &InputFile, bytes: &[u8], opts: &ReadOptions<'_>) -> Result<Sheet, StageError> {
    if bytes.is_empty() {
        return Err(input_error(
            file,
            None,
            None,
            "the file is empty (0 bytes)",
            "export the survey data into it, or remove it from pipeline.toml",
        ));
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Err(input_error(
            file,
            None,
            None,
            "the file is an old-style Excel (.xls) or a password-protected workbook, not an .xlsx",
            "open it in a spreadsheet program and save it as .xlsx (Excel 2007 or later) without a password, or as CSV",
        ));
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        let hint = if decode(bytes, TextEncoding::Auto).is_ok() {
            "it looks like text: if it is a CSV export, give it the .csv extension (and update pipeline.toml)"
        } else {
            REPAIR_HINT
        };
        return Err(input_error(
            file,
            None,
            None,
            "the file is not an .xlsx workbook: it does not start with the zip signature `PK`",
            hint,
        ));
    }
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| workbook_error(file, &e))?;
    let names = workbook.sheet_names();
    if names.is_empty() {
        return Err(input_error(
            file,
            None,
            None,
            "the workbook has no worksheets",
            REPAIR_HINT,
        ));
    }
    let name = match opts.sheet {
        None => names[0].clone(),
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().to_lowercase() == wanted.trim().to_lowercase())
            })
            .cloned()
            .ok_or_else(|| {
                input_error(
                    file,
                    None,
                    None,
                    format!("the workbook has no worksheet `{wanted}`"),
                    format!(
                        "its worksheets are: {}; set params.sheet to one of them",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?,
    };
    check_extent(file, &mut workbook, &name)?;
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| workbook_error(file, &e))?;
    let Some((first_row, _)) = range.start() else {
        return Err(input_error(
            file,
            None,
            None,
            format!("worksheet `{}` is empty", short(&name)),
            if names.len() > 1 {
                "set params.sheet to the worksheet that holds the data"
            } else {
                "export the survey data into it, or remove the file from pipeline.toml"
            },
        ));
    };
    let mut rows = range
        .rows()
        .zip(u64::from(first_row) + 1..)
        .map(|(cells, line)| Row::new(line, cells.iter().map(cell_text)));
    let header = rows
        .next()
        .unwrap_or_else(|| Row::new(u64::from(first_row) + 1, Vec::<String>::new()));
    let of = if names.len() > 1 && opts.sheet.is_none() {
        format!(" (the first of {})", names.len())
    } else {
        String::new()
    };
    Ok(Sheet {
        header_line: header.line,
        headers: header.cells().map(str::to_string).collect(),
        rows: rows.collect(),
        format: format!("xlsx, worksheet `{name}`{of}"),
        delimiter: None,
        worksheet: Some(name),
    })
}

/// Streams the worksheet's cells once (bounded memory) and refuses a used area larger than
/// [`MAX_CELLS`] before anything allocates it.
fn check_extent(
    file: &InputFile,
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<(), StageError> {
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| workbook_error(file, &e))?;
    let mut extent: Option<(u32, u32, u32, u32)> = None;
    let mut far = (0u32, 0u32);
    while let Some(cell) = reader.next_cell().map_err(|e| workbook_error(file, &e))? {
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let e = extent.get_or_insert((r, r, c, c));
        *e = (e.0.min(r), e.1.max(r), e.2.min(c), e.3.max(c));
        if (u64::from(r) + 1) * (u64::from(c) + 1) > (u64::from(far.0) + 1) * (u64::from(far.1) + 1)
        {
            far = (r, c);
        }
    }
    let Some((r0, r1, c0, c1)) = extent else {
        return Ok(());
    };
    let cells = (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1);
    if cells > MAX_CELLS {
        return Err(input_error(
            file,
            Some(u64::from(far.0) + 1),
            Some(&column_name(far.1)),
            format!(
                "worksheet `{}` spans {}{}:{}{} ({cells} cells), more than the {MAX_CELLS} accepted",
                short(name),
                column_name(c0),
                r0 + 1,
                column_name(c1),
                r1 + 1
            ),
            format!(
                "delete the stray cell at {}{} (and anything far from the data), or export the sheet as CSV",
                column_name(far.1),
                far.0 + 1
            ),
        ));
    }
    Ok(())
}

/// Excel's column letters: 0 → A, 25 → Z, 26 → AA.
fn column_name(mut c: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + u8::try_from(c % 26).unwrap_or(0));
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A cell as text: numbers as Excel shows them without a format (2, 2.5), booleans as
/// `true`/`false`, errors as `#N/A` and the like.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn workbook_error(file: &InputFile, err: &XlsxError) -> StageError {
    let message = match err {
        XlsxError::Password => "the workbook is password-protected".to_string(),
        XlsxError::Zip(e) => {
            format!("the workbook cannot be read: its zip container is damaged ({e})")
        }
        XlsxError::FileNotFound(part) => {
            format!("the zip archive is not an Excel workbook: it has no `{part}`")
        }
        other => format!("the workbook cannot be read ({other})"),
    };
    input_error(file, None, None, message, REPAIR_HINT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest_waves::params::Delimiter;

    fn workbook() -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let notes = wb.add_worksheet();
        notes.set_name("Note").unwrap();
        notes.write_string(0, 0, "seconda ondata").unwrap();
        let ws = wb.add_worksheet();
        ws.set_name("Rilevazione 2").unwrap();
        for (c, h) in ["codice_progetto", "relazione", "intensita"]
            .iter()
            .enumerate()
        {
            ws.write_string(2, u16::try_from(c).unwrap() + 1, *h)
                .unwrap();
        }
        for r in 0..40u32 {
            ws.write_string(3 + r, 1, format!("P{:02}", r % 5)).unwrap();
            ws.write_string(3 + r, 2, "collaborazione").unwrap();
            ws.write_number(3 + r, 3, f64::from(r % 3 + 1)).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    fn opts(sheet: Option<&str>) -> ReadOptions<'_> {
        ReadOptions {
            encoding: TextEncoding::Auto,
            delimiter: Delimiter::Auto,
            sheet,
            max_cell_chars: 1000,
        }
    }

    fn file() -> InputFile {
        InputFile {
            path: "wave2.xlsx".into(),
            display: "data/raw/wave2.xlsx".into(),
        }
    }

    #[test]
    fn reads_the_named_worksheet_with_excel_row_numbers() {
        let bytes = workbook();
        let sheet = load(&file(), &bytes, &opts(Some("rilevazione 2"))).unwrap();
        assert_eq!(sheet.headers, ["codice_progetto", "relazione", "intensita"]);
        assert_eq!(
            sheet.header_line, 3,
            "the header is in row 3, from column B"
        );
        assert_eq!(sheet.rows.len(), 40);
        assert_eq!(sheet.rows[0].line, 4);
        assert_eq!(
            sheet.rows[0].cells().collect::<Vec<_>>(),
            ["P00", "collaborazione", "1"]
        );
        assert_eq!(sheet.rows[1].cell(2), "2", "numbers as Excel shows them");
        assert_eq!(sheet.format, "xlsx, worksheet `Rilevazione 2`");
        let first = load(&file(), &bytes, &opts(None)).unwrap();
        assert_eq!(first.headers, ["seconda ondata"]);
        assert_eq!(first.format, "xlsx, worksheet `Note` (the first of 2)");
    }

    #[test]
    fn damaged_workbooks_are_errors_never_panics() {
        let bytes = workbook();
        for cut in (0..bytes.len()).step_by(97) {
            let err = load(&file(), &bytes[..cut], &opts(None)).unwrap_err();
            let StageError::Input { file, hint, .. } = err else {
                panic!("cut at {cut}: not an input error");
            };
            assert_eq!(file, "data/raw/wave2.xlsx");
            assert!(hint.is_some());
        }
        // Flipped bytes anywhere: read or refused, but no panic.
        for at in (0..bytes.len()).step_by(61) {
            let mut broken = bytes.clone();
            broken[at] ^= 0x5a;
            let _ = load(&file(), &broken, &opts(Some("Rilevazione 2")));
        }
    }
}
