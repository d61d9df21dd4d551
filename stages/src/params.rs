//! Validation and canonical form of a stage's `params` table.
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A param that does not fit the kind's params struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// Key path inside `params` (`["columns", "respondent"]`); empty for the table itself.
    pub path: Vec<String>,
    /// What serde said, in plain words.
    pub message: String,
    /// The param names the kind accepts at that level, for "did you mean" hints.
    pub expected: Vec<String>,
}

impl ParamError {
    pub(crate) fn unknown_kind(kind: &str) -> Self {
        Self {
            path: Vec::new(),
            message: format!("unknown stage kind `{kind}`"),
            expected: Vec::new(),
        }
    }
}

/// Deserialises `params` into `P` (unknown keys rejected by `P`'s serde attributes) and
/// serialises it back: the canonical table, with defaults filled in.
pub(crate) fn normalize<P: DeserializeOwned + Serialize>(
    params: &toml::Table,
) -> Result<toml::Table, ParamError> {
    let value = toml::Value::Table(params.clone());
    let parsed: P = serde_path_to_error::deserialize(value).map_err(|err| {
        let path: Vec<String> = err
            .path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                _ => None,
            })
            .collect();
        let inner = err.into_inner().to_string();
        // toml appends "in `key`" on a second line; the path already says where.
        let inner = inner.lines().next().unwrap_or("").trim().to_string();
        let (message, expected) = split_expected(&inner);
        ParamError {
            path,
            message,
            expected,
        }
    })?;
    toml::Table::try_from(&parsed).map_err(|e| ParamError {
        path: Vec::new(),
        message: format!("params cannot be written back as TOML: {e}"),
        expected: Vec::new(),
    })
}

/// [`normalize`], then `check` on the parsed params: values of the right type but out of range
/// (`fuzzy_threshold = 1.5`, `nan`, `inf`) are configuration errors too, found before any stage runs.
pub(crate) fn normalize_checked<P: DeserializeOwned + Serialize>(
    params: &toml::Table,
    check: fn(&P) -> Result<(), ParamError>,
) -> Result<toml::Table, ParamError> {
    let table = normalize::<P>(params)?;
    let parsed: P =
        toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| ParamError {
                path: Vec::new(),
                message: e.to_string(),
                expected: Vec::new(),
            })?;
    check(&parsed)?;
    Ok(table)
}

impl ParamError {
    /// `name` has a value outside what the kind accepts; `rule` says what is accepted.
    pub(crate) fn out_of_range(name: &str, value: impl std::fmt::Display, rule: &str) -> Self {
        Self {
            path: vec![name.to_string()],
            message: format!("{value} is out of range: {rule}"),
            expected: Vec::new(),
        }
    }
}

impl From<ParamError> for crate::StageError {
    /// The same check, when a stage is run with params that skipped normalisation (tests, fuzzing).
    fn from(e: ParamError) -> Self {
        if e.path.is_empty() {
            Self::Compute(e.message)
        } else {
            Self::Compute(format!("param `{}`: {}", e.path.join("."), e.message))
        }
    }
}

/// Checks that `value` is a finite number strictly between `lo` and `hi` (a confidence level, a
/// test size).
pub(crate) fn in_open_range(name: &str, value: f64, lo: f64, hi: f64) -> Result<(), ParamError> {
    if value.is_finite() && value > lo && value < hi {
        Ok(())
    } else {
        Err(ParamError::out_of_range(
            name,
            value,
            &format!("it must be a number strictly between {lo} and {hi}"),
        ))
    }
}

/// Checks that a count lies in `min..=max` (bootstrap draws, permutations): below `min` nothing
/// can be estimated, above `max` a typo (a few zeros too many) would run for days.
pub(crate) fn count_in(
    name: &str,
    value: usize,
    min: usize,
    max: usize,
    why: &str,
) -> Result<(), ParamError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ParamError::out_of_range(
            name,
            value,
            &format!("it must be between {min} and {max} ({why})"),
        ))
    }
}

/// Checks that `value` is a finite number in `lo..=hi`.
pub(crate) fn in_range(name: &str, value: f64, lo: f64, hi: f64) -> Result<(), ParamError> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(ParamError::out_of_range(
            name,
            value,
            &format!("it must be a number between {lo} and {hi}"),
        ))
    }
}

/// serde's unknown-field message ends in "expected one of `a`, `b`"; keep the list apart.
fn split_expected(message: &str) -> (String, Vec<String>) {
    let Some(idx) = message.find(", expected") else {
        return (message.to_string(), Vec::new());
    };
    let names: Vec<String> = message[idx..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    if message.starts_with("unknown field") && !names.is_empty() {
        (message[..idx].to_string(), names)
    } else {
        (message.to_string(), Vec::new())
    }
}
