//! CSV-like text files (`.csv`, `.tsv`, `.txt`): decoding, the separator (given, an Excel
//! `sep=;` first line, or sniffed), and records with the line each starts on.

use crate::{InputFile, StageError};

use super::decoded_text::{decode_owned, DecodeError};
use super::params::Delimiter;
use super::sheet::{check_cell_lengths, input_error, is_blank, ReadOptions, Row, Sheet};

/// The separators `delimiter = "auto"` chooses among, in order of preference on a tie.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Zip (.xlsx, .ods, .docx) and OLE (.xls, encrypted .xlsx) signatures.
pub const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";
pub const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Reads CSV text.
///
/// # Errors
/// When the bytes are a workbook, not text, empty, or a row's field count disagrees with the
/// header.
pub fn load(file: &InputFile, bytes: Vec<u8>, opts: &ReadOptions<'_>) -> Result<Sheet, StageError> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(EMPTY_ZIP_MAGIC) {
        return Err(input_error(
            file,
            None,
            None,
            "the file is a zip archive (an .xlsx workbook?), not CSV text",
            "if it is an Excel workbook, give it the .xlsx extension (and update pipeline.toml); otherwise export the data as CSV",
        ));
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Err(input_error(
            file,
            None,
            None,
            "the file is an old-style Excel (.xls) or encrypted workbook, not CSV text",
            "open it in a spreadsheet program and save it as CSV or as .xlsx without a password",
        ));
    }
    let decoded = decode_owned(bytes, opts.encoding).map_err(|e| decode_error(file, &e))?;
    let encoding = decoded.encoding;
    let text = unify_line_ends(decoded.text);
    let text = text.as_str();
    let (delimiter, how, skip_first) = match (opts.delimiter, excel_sep_line(text)) {
        (Delimiter::Byte(b), _) => (b, "", false),
        (Delimiter::Auto, Some(b)) => (b, " (from the `sep=` line)", true),
        (Delimiter::Auto, None) => match sniff_delimiter(text) {
            Some(b) => (b, " (detected)", false),
            None => (b',', " (none detected)", false),
        },
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut skip = skip_first;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(input_error(
                    file,
                    e.position().map(|p| lines.line_of_record(p.byte())),
                    None,
                    format!("the CSV cannot be parsed: {e}"),
                    "check the quoting: a cell containing the separator or a line break is written in double quotes",
                ))
            }
        }
        if std::mem::take(&mut skip) {
            continue;
        }
        let line = lines.line_of_record(record.position().map_or(0, csv::Position::byte));
        check_cell_lengths(
            file,
            line,
            record.iter(),
            header.as_ref().map(|h| &h.1[..]),
            opts.max_cell_chars,
        )?;
        match &header {
            None => header = Some((line, record.iter().map(str::to_string).collect())),
            Some((_, names)) => {
                let mut width = record.len();
                if width != names.len() && !is_blank(record.iter()) {
                    let extra_blank =
                        width > names.len() && is_blank(record.iter().skip(names.len()));
                    if !extra_blank {
                        let cells: Vec<String> = record.iter().map(str::to_string).collect();
                        return Err(field_count_error(
                            file,
                            line,
                            &cells,
                            names.len(),
                            delimiter,
                        ));
                    }
                    width = names.len();
                }
                rows.push(Row::new(line, record.iter().take(width)));
            }
        }
    }
    let Some((header_line, headers)) = header else {
        return Err(decode_error(file, &DecodeError::Empty));
    };
    Ok(Sheet {
        header_line,
        headers,
        rows,
        format: format!(
            "{}, separator {}{how}",
            encoding,
            Delimiter::show(delimiter)
        ),
        delimiter: Some(delimiter),
        worksheet: None,
    })
}

/// Every line ending as `\n` (CRLF from Windows, a lone `\r` from old Mac exports), so lines are
/// counted on `\n` alone; in place: the file is not copied.
fn unify_line_ends(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut bytes = text.into_bytes();
    let (mut write, mut read) = (0, 0);
    while read < bytes.len() {
        let b = bytes[read];
        read += 1;
        if b == b'\r' {
            bytes[write] = b'\n';
            if bytes.get(read) == Some(&b'\n') {
                read += 1;
            }
        } else {
            bytes[write] = b;
        }
        write += 1;
    }
    bytes.truncate(write);
    // Only ASCII bytes were replaced or dropped: still UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// The line a record starts on, from its byte offset. (The csv crate's own line numbers skip
/// blank lines and count CRLF records one line early.) Records come in increasing order, so
/// newlines are counted once.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_of_record(&mut self, byte: u64) -> u64 {
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // The offset may point at the blank lines the reader skipped before the record.
        while self.text.get(at) == Some(&b'\n') {
            at += 1;
        }
        if at >= self.offset {
            let newlines = self.text[self.offset..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += u64::try_from(newlines).unwrap_or(0);
            self.offset = at;
        }
        self.line
    }
}

fn field_count_error(
    file: &InputFile,
    line: u64,
    cells: &[String],
    expected: usize,
    delimiter: u8,
) -> StageError {
    if let Some(open) = cells.iter().find(|c| c.contains('\n')) {
        let spans = open.matches('\n').count() + 1;
        return input_error(
            file,
            Some(line),
            None,
            format!(
                "the row starting here has {} fields, the header {expected}; one of its quoted cells runs over {spans} lines",
                cells.len()
            ),
            "a double quote `\"` opened on this line is probably never closed; close it, or remove it",
        );
    }
    input_error(
        file,
        Some(line),
        None,
        format!("the row has {} fields, the header {expected}", cells.len()),
        format!(
            "check the separator ({} here; set params.delimiter to force another) and the quoting: a cell containing the separator is written in double quotes",
            Delimiter::show(delimiter)
        ),
    )
}

/// The error for a file that cannot be decoded.
pub fn decode_error(file: &InputFile, err: &DecodeError) -> StageError {
    let (line, message, hint) = match err {
        DecodeError::Empty => (
            None,
            "the file is empty".to_string(),
            "export the survey data into it, or remove it from pipeline.toml".to_string(),
        ),
        DecodeError::Utf16 => (
            None,
            "the file looks like UTF-16 text without a byte-order mark (every other byte is 0)".to_string(),
            "save it as \"CSV UTF-8\" (or as UTF-16 with a byte-order mark)".to_string(),
        ),
        DecodeError::NotText { line, byte } => (
            Some(*line),
            format!("the file is not text: it holds control characters (the first is U+{byte:04X})"),
            "waves, rosters and the projects file are CSV text (UTF-8 or Windows-1252) or .xlsx workbooks: is this the right file?".to_string(),
        ),
        DecodeError::InvalidUtf8 { line } => (
            Some(*line),
            "the file is not valid UTF-8".to_string(),
            "set params.encoding = \"windows-1252\" (Excel's plain CSV) or \"auto\"".to_string(),
        ),
    };
    input_error(file, line, None, message, hint)
}

/// The separator named by an Excel `sep=;` first line.
fn excel_sep_line(text: &str) -> Option<u8> {
    let first = text.lines().next()?.trim_end_matches('\r');
    let rest = first
        .strip_prefix("sep=")
        .or_else(|| first.strip_prefix("SEP="))?;
    match rest.as_bytes() {
        [b] if !b.is_ascii_alphanumeric() => Some(*b),
        _ => None,
    }
}

/// The separator of a CSV text: among `,` `;` tab `|`, the one that occurs in the header and
/// splits the most of the following records (up to 50, quotes respected) into as many fields as
/// the header; ties go to the one with more header fields, then to the order above. `None` when
/// the header holds none of them.
#[must_use]
pub fn sniff_delimiter(text: &str) -> Option<u8> {
    const MAX_RECORDS: usize = 51;
    let mut records: Vec<[usize; CANDIDATES.len()]> = Vec::new();
    let mut counts = [0usize; CANDIDATES.len()];
    let mut in_quotes = false;
    let mut blank = true;
    for b in text.bytes().take(1 << 16) {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            b'\n' | b'\r' if !in_quotes => {
                if !blank {
                    records.push(std::mem::take(&mut counts));
                    if records.len() == MAX_RECORDS {
                        break;
                    }
                }
                blank = true;
            }
            _ if in_quotes => {}
            _ => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
                blank = false;
            }
        }
    }
    if !blank && records.len() < MAX_RECORDS {
        records.push(counts);
    }
    let (head, rest) = records.split_first()?;
    (0..CANDIDATES.len())
        .filter(|&i| head[i] > 0)
        .max_by_key(|&i| {
            let agreeing = rest.iter().filter(|r| r[i] == head[i]).count();
            (agreeing, head[i], std::cmp::Reverse(i))
        })
        .map(|i| CANDIDATES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_separator() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), Some(b','));
        assert_eq!(sniff_delimiter("a;b;c\r\n1;2,5;3\r\n4;5;6\r\n"), Some(b';'));
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n"), Some(b'\t'));
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), Some(b'|'));
        // Commas inside quotes and decimal commas do not fool it.
        assert_eq!(
            sniff_delimiter("nome;tipo;budget\n\"Coop, Alice\";A;1.234,56\nB;\"x;y\";7\n"),
            Some(b';')
        );
        // A header comma in a `;` file: the data rows decide.
        assert_eq!(
            sniff_delimiter("ente;tipo (pubblico, privato);n\nA;B;1\nC;D;2\n"),
            Some(b';')
        );
        assert_eq!(sniff_delimiter("one column\nvalue\n"), None);
        assert_eq!(sniff_delimiter(""), None);
    }

    fn read(bytes: &[u8]) -> Result<Sheet, StageError> {
        let file = InputFile {
            path: "w.csv".into(),
            display: "data/w.csv".into(),
        };
        let opts = ReadOptions {
            encoding: super::super::params::TextEncoding::Auto,
            delimiter: Delimiter::Auto,
            sheet: None,
            max_cell_chars: 1000,
        };
        load(&file, bytes.to_vec(), &opts)
    }

    #[test]
    fn line_ends_are_unified_in_place() {
        for text in [
            "a\r\nb",
            "a\rb\r\r\nc\n",
            "\r",
            "\r\n\r",
            "è\r\nà\rù",
            "plain",
        ] {
            assert_eq!(
                unify_line_ends(text.to_string()),
                text.replace("\r\n", "\n").replace('\r', "\n"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn records_keep_their_line_whatever_the_line_ending() {
        for text in [
            &b"a;b\r\n1;2\r\n\r\n3;4\r\n"[..],
            b"a;b\n1;2\n\n3;4",
            b"sep=;\na;b\n1;2\n\n3;4\n",
        ] {
            let sheet = read(text).unwrap();
            let offset = u64::from(text.starts_with(b"sep="));
            assert_eq!(sheet.header_line, 1 + offset);
            assert_eq!(sheet.headers, ["a", "b"]);
            let lines: Vec<u64> = sheet.rows.iter().map(|r| r.line).collect();
            assert_eq!(
                lines,
                [2 + offset, 4 + offset],
                "{}",
                String::from_utf8_lossy(text)
            );
            assert_eq!(sheet.rows[1].cells().collect::<Vec<_>>(), ["3", "4"]);
        }
    }

    #[test]
    fn field_counts_must_match_the_header() {
        let sheet = read(b"a,b,c\n1,2,3,,\n , \n4,5,6\n").unwrap();
        assert_eq!(
            sheet.rows[0].cells().collect::<Vec<_>>(),
            ["1", "2", "3"],
            "trailing empty fields are dropped"
        );
        assert_eq!(
            sheet.rows[1].cells().collect::<Vec<_>>(),
            [" ", " "],
            "a blank row is kept (it becomes a reject)"
        );
        let Err(StageError::Input { line, message, .. }) = read(b"a,b,c\n1,2,3\n4,5\n") else {
            panic!("a short row is an error");
        };
        assert_eq!(
            (line, message.as_str()),
            (Some(3), "the row has 2 fields, the header 3")
        );
        let Err(StageError::Input { line, .. }) = read(b"a,b,c\n1,2,3,4\n") else {
            panic!("a long row is an error");
        };
        assert_eq!(line, Some(2));
    }

    #[test]
    fn reads_an_excel_sep_line() {
        assert_eq!(excel_sep_line("sep=;\r\na;b\r\n"), Some(b';'));
        assert_eq!(excel_sep_line("sep=\t\na\tb\n"), Some(b'\t'));
        assert_eq!(excel_sep_line("separator;x\n"), None);
    }
}
