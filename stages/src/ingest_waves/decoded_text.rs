//! Bytes of a CSV export → text: the encoding (byte-order mark, UTF-8 or Windows-1252), the
//! refusal of files that are not text, and the per-cell clean-up (mojibake repair, whitespace).
//!
//! Survey exports from Italian offices come as UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8") or
//! Windows-1252 (Excel's plain "CSV"), and cells copied between them carry mojibake: "Unità"
//! encoded as UTF-8 and read back as Windows-1252 becomes "UnitÃ ".
use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::params::TextEncoding;

/// A file's bytes decoded to text.
#[derive(Debug)]
pub struct DecodedText {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The encoding used, for the stage summary (`utf-8`, `utf-8 with BOM`, `windows-1252`, …).
    pub encoding: String,
}

/// Why a file cannot be decoded as text.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Zero bytes, or only whitespace and a byte-order mark.
    Empty,
    /// Every other byte is NUL: UTF-16 text, which is only read with a byte-order mark.
    Utf16,
    /// A NUL byte, or many control characters: not a text file.
    NotText {
        /// 1-based line of the first offending byte.
        line: u64,
        /// The byte (or the character's code point, when below 256).
        byte: u32,
    },
    /// `encoding = "utf-8"` was asked for and the bytes are not UTF-8.
    InvalidUtf8 {
        /// 1-based line of the first invalid byte.
        line: u64,
    },
}

/// Decodes `bytes` as asked.
///
/// # Errors
/// When the file is empty, is not text, or is not valid in the encoding asked for.
pub fn decode(bytes: &[u8], asked: TextEncoding) -> Result<DecodedText, DecodeError> {
    let bom = Encoding::for_bom(bytes);
    let (text, encoding) = match (asked, bom) {
        (TextEncoding::Auto, Some((enc, len))) if enc != UTF_8 => {
            // UTF-16 with a byte-order mark: Excel's "Unicode text".
            let (text, _) = enc.decode_without_bom_handling(&bytes[len..]);
            (
                text.into_owned(),
                format!("{} with BOM", enc.name().to_lowercase()),
            )
        }
        (TextEncoding::Auto | TextEncoding::Utf8, Some((enc, len))) if enc == UTF_8 => {
            check_nul(&bytes[len..])?;
            let text = utf8(&bytes[len..], asked)?;
            let name = if std::str::from_utf8(&bytes[len..]).is_ok() {
                "utf-8 with BOM"
            } else {
                "windows-1252 (after a UTF-8 BOM)"
            };
            (text, name.to_string())
        }
        (TextEncoding::Auto | TextEncoding::Utf8, _) => {
            check_nul(bytes)?;
            let text = utf8(bytes, asked)?;
            let name = if std::str::from_utf8(bytes).is_ok() {
                "utf-8"
            } else {
                "windows-1252"
            };
            (text, name.to_string())
        }
        (TextEncoding::Windows1252, _) => {
            check_nul(bytes)?;
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), "windows-1252".to_string())
        }
    };
    finish(text, encoding)
}

/// [`decode`] taking the bytes: valid UTF-8 (the usual export) becomes the text in place, without
/// a copy of the file; anything else is decoded as [`decode`] does.
///
/// # Errors
/// As [`decode`].
pub fn decode_owned(mut bytes: Vec<u8>, asked: TextEncoding) -> Result<DecodedText, DecodeError> {
    if matches!(asked, TextEncoding::Auto | TextEncoding::Utf8) {
        let bom = match Encoding::for_bom(&bytes) {
            None => Some(0),
            Some((enc, len)) if enc == UTF_8 => Some(len),
            Some(_) => None,
        };
        if let Some(len) = bom {
            if std::str::from_utf8(&bytes[len..]).is_ok() {
                check_nul(&bytes[len..])?;
                bytes.drain(..len);
                let name = if len > 0 { "utf-8 with BOM" } else { "utf-8" };
                return match String::from_utf8(bytes) {
                    Ok(text) => finish(text, name.to_string()),
                    Err(e) => decode(e.as_bytes(), asked),
                };
            }
        }
    }
    decode(&bytes, asked)
}

/// The checks every decoded text passes: not blank, no control characters.
fn finish(text: String, encoding: String) -> Result<DecodedText, DecodeError> {
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(DecodeError::Empty);
    }
    check_controls(&text)?;
    Ok(DecodedText { text, encoding })
}

/// UTF-8 when valid; otherwise Windows-1252 (auto) or an error (forced UTF-8).
fn utf8(bytes: &[u8], asked: TextEncoding) -> Result<String, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(err) if asked == TextEncoding::Utf8 => Err(DecodeError::InvalidUtf8 {
            line: line_of(bytes, err.valid_up_to()),
        }),
        Err(_) => Ok(WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()),
    }
}

fn check_nul(bytes: &[u8]) -> Result<(), DecodeError> {
    let Some(at) = bytes.iter().position(|&b| b == 0) else {
        return Ok(());
    };
    let sample = &bytes[..bytes.len().min(4096)];
    let half = sample.len() / 2;
    let nul_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    if half >= 4 && (nul_at(0) * 10 >= half * 9 || nul_at(1) * 10 >= half * 9) {
        return Err(DecodeError::Utf16);
    }
    Err(DecodeError::NotText {
        line: line_of(bytes, at),
        byte: 0,
    })
}

fn is_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffd}'
}

/// More than one character in a hundred a control character (or an undecodable byte): binary.
fn check_controls(text: &str) -> Result<(), DecodeError> {
    let mut total = 0usize;
    let mut controls = 0usize;
    let mut first = None;
    for (i, c) in text.char_indices() {
        total += 1;
        if is_control(c) {
            controls += 1;
            first.get_or_insert((i, c));
        }
    }
    match first {
        Some((at, c)) if controls * 100 > total => Err(DecodeError::NotText {
            line: line_of(text.as_bytes(), at),
            byte: u32::from(c),
        }),
        _ => Ok(()),
    }
}

/// 1-based line of byte `offset`.
pub fn line_of(bytes: &[u8], offset: usize) -> u64 {
    let newlines = bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u64::try_from(newlines).unwrap_or(u64::MAX - 1) + 1
}

/// Repairs a cell garbled by reading UTF-8 bytes as Windows-1252: the cell is encoded back to
/// Windows-1252, and where those bytes hold valid multi-byte UTF-8 sequences, these are the
/// original characters ("UnitÃ " → "Unità"); the other bytes stay as they were, so a cell that
/// mixes garbled and correct text ("UnitÃ  Pastorale di Cuorgnè") is repaired too. Double
/// garbling is undone as well. Returns `None` when there is nothing to repair.
///
/// A repair must give letters of the Latin-1 and Latin Extended-A blocks or typographic
/// punctuation; anything else (`"PERCHÉ»"` would become `"PERCHɻ"`) means the text was right.
/// The only byte of an Italian accented letter that a round trip can lose is the no-break space
/// of "à" (`C3 A0` → "Ã" + U+00A0), which exports often turn into a space or trim: an "Ã" before
/// a space or at the end of the cell is read as "Ã" + U+00A0.
#[must_use]
pub fn repair_mojibake(cell: &str) -> Option<String> {
    let mut current: Cow<'_, str> = Cow::Borrowed(cell);
    let mut repaired = false;
    for _ in 0..3 {
        match round_trip(&current) {
            Some(fixed) => {
                current = Cow::Owned(fixed);
                repaired = true;
            }
            None => break,
        }
    }
    repaired.then(|| current.into_owned())
}

fn round_trip(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let candidate = restore_nbsp_after_a_grave(text);
    let (bytes, _, unmappable) = WINDOWS_1252.encode(&candidate);
    if unmappable {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut repaired = false;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars().filter(|c| !c.is_ascii()) {
            if !plausible(c) {
                return None;
            }
            repaired = true;
        }
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push_str(&WINDOWS_1252.decode_without_bom_handling(chunk.invalid()).0);
        }
    }
    (repaired && out != text).then_some(out)
}

/// Characters a garbled Italian (or any Western European) export can have held.
fn plausible(c: char) -> bool {
    matches!(c, '\u{a0}'..='\u{17f}' | '\u{2010}'..='\u{2027}' | '\u{20ac}' | '\u{2122}')
}

/// "Ã" followed by a space or the end → "Ã" + U+00A0 (+ the space): see [`repair_mojibake`].
fn restore_nbsp_after_a_grave(text: &str) -> Cow<'_, str> {
    let needs = text.char_indices().any(|(i, c)| {
        c == 'Ã'
            && text[i + c.len_utf8()..]
                .chars()
                .next()
                .is_none_or(|n| n == ' ')
    });
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 2);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == 'Ã' && chars.peek().is_none_or(|&n| n == ' ') {
            out.push('\u{a0}');
        }
    }
    Cow::Owned(out)
}

/// A cell as kept in the tables: mojibake repaired (when `repair`), control characters and
/// byte-order marks dropped, whitespace trimmed and collapsed. Returns the text and whether a
/// mojibake repair was made.
#[must_use]
pub fn clean_cell(raw: &str, repair: bool) -> (String, bool) {
    let repaired = if repair { repair_mojibake(raw) } else { None };
    let text = repaired.as_deref().unwrap_or(raw);
    let cleaned = if text.bytes().all(|b| b.is_ascii_graphic()) {
        text.to_string()
    } else {
        let mut words = text
            .split(|c: char| c.is_whitespace() || is_control(c) || c == '\u{feff}')
            .filter(|w| !w.is_empty());
        let mut out = String::with_capacity(text.len());
        if let Some(first) = words.next() {
            out.push_str(first);
            for w in words {
                out.push(' ');
                out.push_str(w);
            }
        }
        out
    };
    (cleaned, repaired.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_utf8_bom_and_windows_1252() {
        let d = decode("a,b\nUnità,Cuorgnè\n".as_bytes(), TextEncoding::Auto).unwrap();
        assert_eq!(
            (d.encoding.as_str(), d.text.as_str()),
            ("utf-8", "a,b\nUnità,Cuorgnè\n")
        );
        let d = decode(b"\xEF\xBB\xBFa;b\nMondov\xC3\xAC;x\n", TextEncoding::Auto).unwrap();
        assert_eq!(d.encoding, "utf-8 with BOM");
        assert_eq!(d.text, "a;b\nMondovì;x\n", "the BOM is dropped");
        let d = decode(b"a;b\r\nMondov\xEC;Cuorgn\xE8\r\n", TextEncoding::Auto).unwrap();
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.text, "a;b\r\nMondovì;Cuorgnè\r\n");
        let d = decode(b"\xFF\xFEa\x00;\x00b\x00\n\x00", TextEncoding::Auto).unwrap();
        assert_eq!(
            (d.encoding.as_str(), d.text.as_str()),
            ("utf-16le with BOM", "a;b\n")
        );
        let forced = decode(b"caf\xE9\n", TextEncoding::Windows1252).unwrap();
        assert_eq!(forced.text, "café\n");
    }

    #[test]
    fn refuses_what_is_not_text() {
        assert_eq!(
            decode(b"", TextEncoding::Auto).unwrap_err(),
            DecodeError::Empty
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBF \r\n\n", TextEncoding::Auto).unwrap_err(),
            DecodeError::Empty
        );
        assert_eq!(
            decode(b"a,b\n1,2\n\x00\x01", TextEncoding::Auto).unwrap_err(),
            DecodeError::NotText { line: 3, byte: 0 }
        );
        assert_eq!(
            decode(b"a\x00,\x00b\x00\n\x001\x00,\x002\x00", TextEncoding::Auto).unwrap_err(),
            DecodeError::Utf16
        );
        let garbage: Vec<u8> = (0u32..600)
            .map(|i| u8::try_from((i * 37 + 11) % 255 + 1).unwrap())
            .collect();
        assert!(matches!(
            decode(&garbage, TextEncoding::Auto).unwrap_err(),
            DecodeError::NotText { line: 1, .. }
        ));
        assert_eq!(
            decode(b"a,b\nx,y\ncaf\xE9,z\n", TextEncoding::Utf8).unwrap_err(),
            DecodeError::InvalidUtf8 { line: 3 }
        );
        // One stray control character in a long file is tolerated (cleaned from its cell).
        let mut text = "a,b\n".repeat(40).into_bytes();
        text.push(0x1a);
        assert!(decode(&text, TextEncoding::Auto).is_ok());
    }

    #[test]
    fn repairs_mojibake_and_leaves_correct_text_alone() {
        assert_eq!(repair_mojibake("UnitÃ\u{a0}").as_deref(), Some("Unità"));
        assert_eq!(repair_mojibake("UnitÃ ").as_deref(), Some("Unità "));
        assert_eq!(repair_mojibake("UnitÃ").as_deref(), Some("Unità"));
        assert_eq!(repair_mojibake("CuorgnÃ¨").as_deref(), Some("Cuorgnè"));
        assert_eq!(repair_mojibake("MondovÃ¬").as_deref(), Some("Mondovì"));
        assert_eq!(
            repair_mojibake("Comune di CuorgnÃ¨ - UnitÃ  Pastorale").as_deref(),
            Some("Comune di Cuorgnè - Unità  Pastorale")
        );
        assert_eq!(
            repair_mojibake("CuorgnÃƒÂ¨").as_deref(),
            Some("Cuorgnè"),
            "double"
        );
        assert_eq!(
            repair_mojibake("UnitÃ\u{a0} Pastorale di Cuorgnè").as_deref(),
            Some("Unità Pastorale di Cuorgnè"),
            "garbled and correct text in one cell"
        );
        assert_eq!(
            repair_mojibake("Coop. â€œIl Ponteâ€\u{9d}").as_deref(),
            Some("Coop. “Il Ponte”")
        );
        for fine in [
            "Unità",
            "Cuorgnè",
            "Mondovì",
            "ASL TO4",
            "Città di Ivrea",
            "SÃO PAULO",
            "€ 5",
            "«PERCHÉ»",
            "Società Cooperativa – Ente",
        ] {
            assert_eq!(repair_mojibake(fine), None, "{fine}");
        }
    }

    #[test]
    fn cleans_cells() {
        assert_eq!(
            clean_cell("  UnitÃ   Pastorale ", true),
            ("Unità Pastorale".into(), true)
        );
        assert_eq!(clean_cell("UnitÃ ", false), ("UnitÃ".into(), false));
        assert_eq!(
            clean_cell("\u{feff}Coop.\u{a0}Alice\t s.c.s.\x0b", true),
            ("Coop. Alice s.c.s.".into(), false)
        );
        assert_eq!(clean_cell("   ", true), (String::new(), false));
        assert_eq!(clean_cell("P01", true), ("P01".into(), false));
    }

    #[test]
    fn line_numbers_count_newlines() {
        assert_eq!(line_of(b"a\nb\nc", 0), 1);
        assert_eq!(line_of(b"a\nb\nc", 2), 2);
        assert_eq!(line_of(b"a\r\nb\r\nc", 6), 3);
    }
}
