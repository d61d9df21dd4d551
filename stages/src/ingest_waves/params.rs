//! The params of `ingest_waves` and their value types: how a survey export's column names,
//! relation labels and intensity words map onto the canonical schema, and how its files are read.
//!
//! Every type here deserialises with a message that says what is accepted (the engine prints it
//! under the `pipeline.toml` line) and serialises back to one canonical form, because the params
//! end up in `pipeline.lock`.
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::vocab::fold_label;

/// Params of `ingest_waves`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// What the wave files are: "table" (a survey export, CSV or xlsx: the default), or a
    /// network collected elsewhere — "graphml", "gexf", "pajek" (`.net`) or "ucinet" (DL
    /// `fullmatrix` or `edgelist1`). A network file gives one row per edge: the project is the graph's `project`
    /// attribute or id (GraphML), the `*Network` name (Pajek) or the file name up to `_w<N>`
    /// (UCINET); names are node labels, types the `type_code` node attribute, the intensity the
    /// edge weight, the relation the graph's `layer` attribute or `graph_relation`.
    #[serde(default)]
    pub format: WaveFormat,
    /// The relation of the edges of a network wave file that does not say (see `format`).
    #[serde(default = "default_graph_relation")]
    pub graph_relation: String,
    /// Text encoding of CSV files: "auto" (a byte-order mark, else UTF-8 when the bytes are valid
    /// UTF-8, else Windows-1252), "utf-8" or "windows-1252".
    #[serde(default)]
    pub encoding: TextEncoding,
    /// Field separator of CSV files: "auto" (sniffed among `,`, `;` and tab), "tab" or one
    /// character.
    #[serde(default)]
    pub delimiter: Delimiter,
    /// The worksheet to read in .xlsx files (default: the first one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The header of a wave file for each canonical column: a name, or a list of accepted names.
    /// Headers are compared ignoring case, accents and punctuation.
    #[serde(default)]
    pub columns: Columns,
    /// The header of a roster file for each canonical roster column.
    #[serde(default)]
    pub roster_columns: RosterColumns,
    /// The header of the project-code column in the `projects` file.
    #[serde(default = "default_projects_column")]
    pub projects_column: HeaderNames,
    /// Relation label in the file → canonical relation. The five canonical names are always
    /// accepted; labels are compared folded (case, accents and punctuation ignored).
    #[serde(
        default = "default_relations",
        deserialize_with = "deserialize_relations"
    )]
    pub relations: BTreeMap<String, Relation>,
    /// Intensity label in the file → 1, 2, 3, "missing" (no answer: a tie of unknown intensity)
    /// or "never" (the respondent says there is no tie: the row goes to `rejects`). "1", "2",
    /// "3" and the empty cell ("" = "missing") are always accepted.
    #[serde(
        default = "default_intensity",
        deserialize_with = "deserialize_intensity"
    )]
    pub intensity: BTreeMap<String, IntensityValue>,
    /// When set (1–3), the intensity given to ties whose intensity is missing; `intensity_missing`
    /// still says which they are. Unset: the intensity stays null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_intensity: Option<i64>,
    /// Repair cells garbled by a UTF-8 → Windows-1252 round trip ("UnitÃ " → "Unità").
    #[serde(default = "yes")]
    pub repair_mojibake: bool,
    /// The longest cell accepted, in characters: a longer one (an unclosed quote, a file that is
    /// not a survey export) fails the stage with its line.
    #[serde(default = "default_max_cell_chars")]
    pub max_cell_chars: u64,
}

fn default_graph_relation() -> String {
    "collaboration".into()
}

/// What the wave files are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaveFormat {
    /// Survey exports: CSV or xlsx with one row per (respondent, cited organisation, relation).
    #[default]
    Table,
    /// GraphML: one `<graph>` per project.
    Graphml,
    /// Pajek `.net`: one project.
    Pajek,
    /// GEXF (1.2 or 1.3): one project.
    Gexf,
    /// UCINET DL: one project.
    Ucinet,
}

fn yes() -> bool {
    true
}

fn default_max_cell_chars() -> u64 {
    1000
}

fn default_projects_column() -> HeaderNames {
    HeaderNames::one("project")
}

/// Canonical wave column → header(s) in the file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    /// Project code.
    pub project: HeaderNames,
    /// The responding organisation.
    pub respondent: HeaderNames,
    /// Its type, as written in the file.
    pub respondent_type: HeaderNames,
    /// The cited organisation.
    pub alter: HeaderNames,
    /// Its type, as written in the file.
    pub alter_type: HeaderNames,
    /// The relation label.
    pub relation: HeaderNames,
    /// The intensity label.
    pub intensity: HeaderNames,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            project: HeaderNames::one("project"),
            respondent: HeaderNames::one("respondent"),
            respondent_type: HeaderNames::one("respondent_type"),
            alter: HeaderNames::one("alter"),
            alter_type: HeaderNames::one("alter_type"),
            relation: HeaderNames::one("relation"),
            intensity: HeaderNames::one("intensity"),
        }
    }
}

/// Canonical roster column → header(s) in the file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RosterColumns {
    /// Project code.
    pub project: HeaderNames,
    /// The surveyed organisation.
    pub organisation: HeaderNames,
    /// Its type, as written in the file.
    pub organisation_type: HeaderNames,
    /// Whether it answered (sì/no, yes/no, 1/0, true/false).
    pub responded: HeaderNames,
}

impl Default for RosterColumns {
    fn default() -> Self {
        Self {
            project: HeaderNames::one("project"),
            organisation: HeaderNames::one("organisation"),
            organisation_type: HeaderNames::one("organisation_type"),
            responded: HeaderNames::one("responded"),
        }
    }
}

/// The accepted header names of one column: written as a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderNames(Vec<String>);

impl HeaderNames {
    fn one(name: &str) -> Self {
        Self(vec![name.to_string()])
    }

    /// The names, as written in `pipeline.toml`.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// Whether a header of the file is one of these names (compared folded).
    #[must_use]
    pub fn matches(&self, header: &str) -> bool {
        let folded = fold_label(header);
        !folded.is_empty() && self.0.iter().any(|n| fold_label(n) == folded)
    }

    /// `` `a` `` or `` `a` or `b` ``, for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

impl Serialize for HeaderNames {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for HeaderNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderNames;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a header name or a list of header names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderNames, E> {
                if fold_label(v).is_empty() {
                    return Err(E::custom(format!(
                        "{v:?} cannot be a header name: it has no letters or digits"
                    )));
                }
                Ok(HeaderNames(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderNames, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    if fold_label(&name).is_empty() {
                        return Err(de::Error::custom(format!(
                            "{name:?} cannot be a header name: it has no letters or digits"
                        )));
                    }
                    names.push(name);
                }
                if names.is_empty() {
                    return Err(de::Error::custom("the list of header names is empty"));
                }
                Ok(HeaderNames(names))
            }
        }
        d.deserialize_any(V)
    }
}

/// The text encoding of CSV files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum TextEncoding {
    /// A byte-order mark if there is one, else UTF-8 if the bytes are valid UTF-8, else
    /// Windows-1252.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// UTF-8 (a byte-order mark is skipped).
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// Windows-1252, the "ANSI" code page of Italian Windows (a superset of Latin-1).
    #[serde(
        rename = "windows-1252",
        alias = "cp1252",
        alias = "latin1",
        alias = "latin-1",
        alias = "iso-8859-1"
    )]
    Windows1252,
}

/// The field separator of CSV files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delimiter {
    /// Sniffed from the first lines of each file.
    #[default]
    Auto,
    /// This byte.
    Byte(u8),
}

impl Delimiter {
    /// How the separator is written in messages.
    #[must_use]
    pub fn show(byte: u8) -> String {
        if byte == b'\t' {
            "tab".to_string()
        } else {
            format!("`{}`", char::from(byte))
        }
    }
}

impl Serialize for Delimiter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Delimiter::Auto => s.serialize_str("auto"),
            Delimiter::Byte(b'\t') => s.serialize_str("tab"),
            Delimiter::Byte(b) => s.serialize_str(&char::from(*b).to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Delimiter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "auto" => Ok(Delimiter::Auto),
            "tab" | "\t" | "\\t" => Ok(Delimiter::Byte(b'\t')),
            one if one.len() == 1
                && one.is_ascii()
                && !matches!(one, "\"" | "\n" | "\r")
                && !one.as_bytes()[0].is_ascii_alphanumeric() =>
            {
                Ok(Delimiter::Byte(one.as_bytes()[0]))
            }
            other => Err(de::Error::custom(format!(
                "{other:?} is not a separator; write \"auto\", \"tab\" or one punctuation character such as \",\" or \";\""
            ))),
        }
    }
}

/// The canonical relations (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Worked together on the project.
    Collaboration,
    /// Exchanged information.
    Information,
    /// Shared resources.
    Resources,
    /// Wave 1: collaborated before the programme.
    Prior,
    /// Wave 3: joint initiatives after the end of the project.
    After,
}

impl Relation {
    /// Every relation, in canonical order.
    pub const ALL: [Relation; 5] = [
        Relation::Collaboration,
        Relation::Information,
        Relation::Resources,
        Relation::Prior,
        Relation::After,
    ];

    /// The code written in tables.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Collaboration => "collaboration",
            Relation::Information => "information",
            Relation::Resources => "resources",
            Relation::Prior => "prior",
            Relation::After => "after",
        }
    }
}

/// What an intensity label means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntensityValue {
    /// A tie of intensity 1 (sometimes), 2 (often) or 3 (very often).
    Level(u8),
    /// A tie whose intensity is unknown ("non so", an empty cell): kept, intensity null.
    Missing,
    /// No tie ("mai"): the row goes to `rejects` with reason `never`.
    Never,
}

impl Serialize for IntensityValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntensityValue::Level(n) => s.serialize_i64(i64::from(*n)),
            IntensityValue::Missing => s.serialize_str("missing"),
            IntensityValue::Never => s.serialize_str("never"),
        }
    }
}

impl<'de> Deserialize<'de> for IntensityValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const EXPECTED: &str = "1, 2, 3, \"missing\" or \"never\"";
        impl Visitor<'_> for V {
            type Value = IntensityValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntensityValue, E> {
                match v {
                    1..=3 => Ok(IntensityValue::Level(u8::try_from(v).unwrap_or(1))),
                    _ => Err(E::custom(format!(
                        "{v} is not an intensity; expected {EXPECTED}"
                    ))),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntensityValue, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntensityValue, E> {
                match v {
                    "missing" => Ok(IntensityValue::Missing),
                    "never" => Ok(IntensityValue::Never),
                    "1" | "2" | "3" => self.visit_i64(v.parse().unwrap_or(1)),
                    _ => Err(E::custom(format!(
                        "{v:?} is not an intensity; expected {EXPECTED}"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

fn default_relations() -> BTreeMap<String, Relation> {
    Relation::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), *r))
        .collect()
}

fn default_intensity() -> BTreeMap<String, IntensityValue> {
    BTreeMap::from([
        (String::new(), IntensityValue::Missing),
        ("1".to_string(), IntensityValue::Level(1)),
        ("2".to_string(), IntensityValue::Level(2)),
        ("3".to_string(), IntensityValue::Level(3)),
    ])
}

/// The user's map merged over the defaults: a user label replaces a default label that folds to
/// the same text; two user labels that fold alike must agree.
fn merge_labels<'de, D, T>(
    d: D,
    defaults: BTreeMap<String, T>,
    show: fn(&T) -> String,
) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + PartialEq + Copy,
{
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<(String, T)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table of label = value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, T>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    let user = d.deserialize_map(V(std::marker::PhantomData))?;
    let mut merged = defaults;
    let mut seen: BTreeMap<String, (String, T)> = BTreeMap::new();
    for (label, value) in user {
        let folded = fold_label(&label);
        if folded.is_empty() && !label.trim().is_empty() {
            return Err(de::Error::custom(format!(
                "label {label:?} has no letters or digits, so it cannot be told apart from an empty cell"
            )));
        }
        if let Some((other, v)) = seen.get(&folded) {
            if *v != value {
                return Err(de::Error::custom(format!(
                    "labels {other:?} and {label:?} are the same once case, accents and punctuation are ignored, but map to {} and {}",
                    show(v),
                    show(&value)
                )));
            }
        }
        merged.retain(|k, _| fold_label(k) != folded);
        seen.insert(folded, (label.clone(), value));
        merged.insert(label, value);
    }
    Ok(merged)
}

fn deserialize_relations<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Relation>, D::Error> {
    merge_labels(d, default_relations(), |r| format!("`{}`", r.as_str()))
}

fn deserialize_intensity<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, IntensityValue>, D::Error> {
    merge_labels(d, default_intensity(), |v| match v {
        IntensityValue::Level(n) => n.to_string(),
        IntensityValue::Missing => "\"missing\"".to_string(),
        IntensityValue::Never => "\"never\"".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Params, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())
    }

    #[test]
    fn defaults_are_canonical() {
        let p = parse("").unwrap();
        assert_eq!(p.encoding, TextEncoding::Auto);
        assert_eq!(p.delimiter, Delimiter::Auto);
        assert_eq!(p.relations.len(), 5);
        assert_eq!(p.relations["prior"], Relation::Prior);
        assert_eq!(p.intensity[""], IntensityValue::Missing);
        assert_eq!(p.intensity["3"], IntensityValue::Level(3));
        let back = toml::to_string(&p).unwrap();
        assert!(back.contains("encoding = \"auto\""), "{back}");
        assert!(back.contains("delimiter = \"auto\""), "{back}");
        assert!(!back.contains("sheet"), "{back}");
    }

    #[test]
    fn user_labels_are_merged_over_the_defaults() {
        let p = parse(
            r#"
            delimiter = "tab"
            encoding = "cp1252"
            columns = { respondent = ["Ente", "ente rispondente"], intensity = "intensità" }
            relations = { "Scambio di informazioni" = "information", PRIOR = "after" }
            intensity = { "non so" = "missing", mai = "never", spesso = 2 }
            "#,
        )
        .unwrap();
        assert_eq!(p.delimiter, Delimiter::Byte(b'\t'));
        assert_eq!(p.encoding, TextEncoding::Windows1252);
        assert!(p.columns.respondent.matches("ENTE RISPONDENTE"));
        assert!(p.columns.intensity.matches("Intensita"));
        assert!(!p.columns.intensity.matches("intensity"));
        assert_eq!(
            p.relations["Scambio di informazioni"],
            Relation::Information
        );
        assert_eq!(
            p.relations["PRIOR"],
            Relation::After,
            "a user label replaces a default"
        );
        assert!(!p.relations.contains_key("prior"));
        assert_eq!(p.intensity["mai"], IntensityValue::Never);
        assert_eq!(p.intensity["spesso"], IntensityValue::Level(2));
        let back = toml::to_string(&p).unwrap();
        assert!(back.contains("delimiter = \"tab\""), "{back}");
        assert!(back.contains("encoding = \"windows-1252\""), "{back}");
        assert!(
            back.contains("respondent = [\"Ente\", \"ente rispondente\"]"),
            "{back}"
        );
    }

    #[test]
    fn bad_values_say_what_is_accepted() {
        let err = parse("delimiter = \"ab\"").unwrap_err();
        assert!(err.contains("\"ab\" is not a separator"), "{err}");
        let err = parse("intensity = { spesso = 5 }").unwrap_err();
        assert!(err.contains("5 is not an intensity"), "{err}");
        let err = parse("relations = { collab = \"collab\" }").unwrap_err();
        assert!(err.contains("unknown variant `collab`"), "{err}");
        let err = parse("relations = { Collab = \"prior\", collab = \"after\" }").unwrap_err();
        assert!(err.contains("are the same once case"), "{err}");
        let err = parse("columns = { respondent = [] }").unwrap_err();
        assert!(err.contains("list of header names is empty"), "{err}");
        let err = parse("encoding = \"ebcdic\"").unwrap_err();
        assert!(err.contains("unknown variant `ebcdic`"), "{err}");
    }
}
