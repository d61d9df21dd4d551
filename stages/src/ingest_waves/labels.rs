//! Matching a file's spellings to the canonical schema: headers to canonical columns, and cell
//! labels (relations, intensity words, yes/no answers) to canonical values. Everything is compared
//! after [`fold_label`]: case, accents and punctuation do not matter.
use std::collections::BTreeMap;

use crate::vocab::fold_label;
use crate::{InputFile, StageError};

use super::decoded_text::clean_cell;
use super::params::{Delimiter, HeaderNames};
use super::sheet::{input_error, short, Sheet};

/// Finds the position of every wanted column in `sheet`'s header.
///
/// # Errors
/// When a column is missing, or two headers match it and neither is spelled exactly as asked.
pub fn locate(
    file: &InputFile,
    sheet: &Sheet,
    wanted: &[(&str, &HeaderNames)],
    param: &str,
) -> Result<Vec<usize>, StageError> {
    let headers: Vec<String> = sheet
        .headers
        .iter()
        .map(|h| clean_cell(h, true).0)
        .collect();
    wanted
        .iter()
        .map(|(canonical, names)| {
            let found: Vec<usize> = (0..headers.len())
                .filter(|&i| names.matches(&headers[i]))
                .collect();
            match found.as_slice() {
                [one] => Ok(*one),
                [] => Err(missing(file, sheet, &headers, canonical, names, param)),
                several => {
                    let exact: Vec<usize> = several
                        .iter()
                        .copied()
                        .filter(|&i| names.names().contains(&headers[i]))
                        .collect();
                    match exact.as_slice() {
                        [one] => Ok(*one),
                        _ => Err(input_error(
                            file,
                            Some(sheet.header_line),
                            Some(canonical),
                            format!(
                                "{} headers match canonical column `{canonical}`: {}",
                                several.len(),
                                several
                                    .iter()
                                    .map(|&i| format!("`{}` (field {})", short(&headers[i]), i + 1))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            format!(
                                "headers are compared ignoring case, accents and punctuation; rename or delete one of them in the file, or spell params.{param}.{canonical} exactly as one of them"
                            ),
                        )),
                    }
                }
            }
        })
        .collect()
}

fn missing(
    file: &InputFile,
    sheet: &Sheet,
    headers: &[String],
    canonical: &str,
    names: &HeaderNames,
    param: &str,
) -> StageError {
    const SHOWN: usize = 30;
    let mut listed: Vec<String> = headers.iter().take(SHOWN).map(|h| short(h)).collect();
    if headers.len() > SHOWN {
        listed.push(format!("… ({} more)", headers.len() - SHOWN));
    }
    let in_sheet = sheet
        .worksheet
        .as_deref()
        .map(|w| format!(" in worksheet `{w}`"))
        .unwrap_or_default();
    let mut hint = format!(
        "the header has: {}; map the file's column names with params.{param} in pipeline.toml",
        listed.join(", ")
    );
    if let (Some(used), [only]) = (sheet.delimiter, headers) {
        if let Some(other) = [b',', b';', b'\t', b'|']
            .into_iter()
            .find(|&c| c != used && only.as_bytes().contains(&c))
        {
            hint = format!(
                "the header is one column, `{}`: the separator is probably {}, not {}; set params.delimiter",
                short(only),
                Delimiter::show(other),
                Delimiter::show(used)
            );
        }
    }
    input_error(
        file,
        Some(sheet.header_line),
        names.names().first().map(String::as_str),
        format!(
            "missing required column {} (canonical `{canonical}`){in_sheet}",
            names.describe()
        ),
        hint,
    )
}

/// Labels → values, looked up folded.
#[derive(Debug)]
pub struct LabelMap<T> {
    map: BTreeMap<String, T>,
}

impl<T: Copy> LabelMap<T> {
    /// From a params map (label as written → value).
    #[must_use]
    pub fn new(labels: &BTreeMap<String, T>) -> Self {
        Self {
            map: labels.iter().map(|(k, v)| (fold_label(k), *v)).collect(),
        }
    }

    /// The value of a cell's label.
    #[must_use]
    pub fn get(&self, cell: &str) -> Option<T> {
        self.map.get(&fold_label(cell)).copied()
    }
}

/// A roster's "responded" answer: `Some(Some(b))` for yes/no, `Some(None)` for an empty cell,
/// `None` when the cell is not an answer.
#[must_use]
pub fn responded(cell: &str) -> Option<Option<bool>> {
    match fold_label(cell).as_str() {
        "" => Some(None),
        "si" | "s" | "yes" | "y" | "1" | "true" | "vero" | "x" => Some(Some(true)),
        "no" | "n" | "0" | "false" | "falso" => Some(Some(false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest_waves::params::{IntensityValue, Relation};

    #[test]
    fn labels_are_folded() {
        assert_eq!(
            fold_label("Scambio di informazioni "),
            "scambio di informazioni"
        );
        assert_eq!(fold_label("intensità"), fold_label("INTENSITA"));
        assert_eq!(
            fold_label("Collaborazione precedente al progetto"),
            "collaborazione precedente al progetto"
        );
        let relations = LabelMap::new(&BTreeMap::from([
            ("Condivisione di risorse".to_string(), Relation::Resources),
            ("collaboration".to_string(), Relation::Collaboration),
        ]));
        assert_eq!(
            relations.get("condivisione  di RISORSE"),
            Some(Relation::Resources)
        );
        assert_eq!(
            relations.get("Collaboration."),
            Some(Relation::Collaboration)
        );
        assert_eq!(relations.get("collaborazione"), None);
        let intensity = LabelMap::new(&BTreeMap::from([
            (String::new(), IntensityValue::Missing),
            ("Non so".to_string(), IntensityValue::Missing),
            ("mai".to_string(), IntensityValue::Never),
            ("qualche volta".to_string(), IntensityValue::Level(1)),
        ]));
        assert_eq!(intensity.get("  "), Some(IntensityValue::Missing));
        assert_eq!(intensity.get("non so"), Some(IntensityValue::Missing));
        assert_eq!(intensity.get("MAI"), Some(IntensityValue::Never));
        assert_eq!(
            intensity.get("Qualche-volta"),
            Some(IntensityValue::Level(1))
        );
        assert_eq!(intensity.get("0"), None);
    }

    #[test]
    fn responded_answers() {
        assert_eq!(responded("Sì"), Some(Some(true)));
        assert_eq!(responded("si"), Some(Some(true)));
        assert_eq!(responded("TRUE"), Some(Some(true)));
        assert_eq!(responded("1"), Some(Some(true)));
        assert_eq!(responded("no"), Some(Some(false)));
        assert_eq!(responded("0"), Some(Some(false)));
        assert_eq!(responded(" "), Some(None));
        assert_eq!(responded("forse"), None);
    }
}
