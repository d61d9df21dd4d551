//! `wecare-stages`: the analysis of a welfare-network evaluation as pure functions.
//!
//! Every stage kind is one module with the same entry point, `run(&StageInput) ->
//! Result<StageOutput, StageError>`, a params struct (serde, unknown keys rejected) and a static
//! [`KindSpec`] naming its input slots and output tables. The registry below is one `match`.
//! A stage never touches the cache, the lock or the DAG: the engine hands it tables and files and
//! writes what it returns.

pub mod answer_questions;
pub mod clean_actors;
pub mod compare_waves;
pub mod compute_metrics;
pub mod describe_waves;
pub mod export_networks;
pub mod findings;
pub mod graph_formats;
pub mod ingest_waves;
pub mod networks;
mod params;
pub mod provenance;
pub mod render_report;
pub mod resample;
pub mod scaffold;
mod stage;
pub mod stats;
pub mod synth;
pub mod vocab;

pub use params::ParamError;
pub use stage::{InputFile, Slot, StageError, StageInput, StageOutput};

mod code_hashes {
    include!(concat!(env!("OUT_DIR"), "/code_hashes.rs"));
}

/// What the engine needs to know about a stage kind to validate and schedule it.
#[derive(Debug)]
pub struct KindSpec {
    /// The `kind = "..."` value in `pipeline.toml`.
    pub name: &'static str,
    /// One line for `wecare --help`-like listings and validation hints.
    pub summary: &'static str,
    /// Input slots this kind accepts.
    pub slots: &'static [Slot],
    /// Names of the tables the kind writes, as `outputs/<stage>/<table>.parquet`.
    pub outputs: &'static [&'static str],
    /// Checks params against the kind's params struct; returns them in canonical form.
    pub normalize: fn(&toml::Table) -> Result<toml::Table, ParamError>,
    /// Runs a stage of this kind.
    pub run: fn(&StageInput) -> Result<StageOutput, StageError>,
}

/// Every stage kind, sorted by name: the registry. Adding a kind is one line here.
pub const KINDS: &[&KindSpec] = &[
    &answer_questions::SPEC,
    &clean_actors::SPEC,
    &compare_waves::SPEC,
    &compute_metrics::SPEC,
    &describe_waves::SPEC,
    &export_networks::SPEC,
    &findings::SPEC,
    &ingest_waves::SPEC,
    &render_report::SPEC,
];

/// The spec of a kind, if it exists.
#[must_use]
pub fn kind_spec(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().copied().find(|k| k.name == name)
}

/// File outputs a kind writes beside its tables, under `outputs/<stage>/`: exact names (always
/// written) or `dir/*.ext` patterns (any number of files of that directory and extension).
#[must_use]
pub fn file_outputs(kind: &str) -> &'static [&'static str] {
    FILE_OUTPUTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, files)| files)
}

/// Kind → its file outputs (see [`file_outputs`]).
const FILE_OUTPUTS: &[(&str, &[&str])] = &[
    ("export_networks", export_networks::FILES),
    ("render_report", render_report::FILES),
];

/// The kinds that receive the provenance record.
const PROVENANCE_KINDS: &[&str] = &["render_report"];

/// Whether `name` (relative to `outputs/<stage>/`) is a file output `kind` declares.
#[must_use]
pub fn is_declared_file(kind: &str, name: &str) -> bool {
    file_outputs(kind)
        .iter()
        .any(|decl| match decl.split_once('*') {
            Some((prefix, suffix)) => {
                name.len() > prefix.len() + suffix.len()
                    && name.starts_with(prefix)
                    && name.ends_with(suffix)
                    && !name[prefix.len()..name.len() - suffix.len()].contains('/')
            }
            None => name == *decl,
        })
}

/// Whether the engine hands stages of `kind` the [`provenance::Provenance`] record of the
/// pipeline upstream of them.
#[must_use]
pub fn reads_provenance(kind: &str) -> bool {
    PROVENANCE_KINDS.contains(&kind)
}

/// The columns stages of `kind` read from the table in `slot`, when they read only some of its
/// columns: the engine then loads just those (a projection; a listed column the table lacks is
/// left out, and the stage reports it as it would). `None`: every column.
#[must_use]
pub fn slot_columns(kind: &str, slot: &str) -> Option<&'static [&'static str]> {
    match kind {
        "answer_questions" => answer_questions::slot_columns(slot),
        _ => None,
    }
}

/// Checks a stage's `params` table against its kind's params struct and returns it in canonical
/// form: every parameter present, defaults filled in, keys sorted.
///
/// # Errors
/// A [`ParamError`] naming the offending key path when a key is unknown or a value mistyped.
pub fn normalize_params(kind: &str, params: &toml::Table) -> Result<toml::Table, ParamError> {
    match kind_spec(kind) {
        Some(spec) => (spec.normalize)(params),
        None => Err(ParamError::unknown_kind(kind)),
    }
}

/// Runs one stage.
///
/// # Errors
/// Whatever the stage reports: unusable input files, failed computations.
pub fn run(kind: &str, input: &StageInput) -> Result<StageOutput, StageError> {
    match kind_spec(kind) {
        Some(spec) => (spec.run)(input),
        None => Err(StageError::Compute(format!("unknown stage kind `{kind}`"))),
    }
}

/// Modules that no stage runs: their edits do not make any stage stale.
const NOT_STAGE_CODE: &[&str] = &["scaffold", "synth"];

/// The code identity of a kind: blake3 over its own module's source, every shared module's
/// source and the workspace `Cargo.lock`. Editing the kind's module, a helper it may use, or a
/// dependency version changes it; editing another kind's module does not.
#[must_use]
pub fn code_identity(kind: &str) -> String {
    // Computed once per kind and process: a no-op asks for it for every stage.
    static KNOWN: std::sync::OnceLock<
        std::sync::Mutex<std::collections::BTreeMap<String, String>>,
    > = std::sync::OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    if let Some(id) = known
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(kind)
    {
        return id.clone();
    }
    let id = compute_code_identity(kind);
    known
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(kind.to_string(), id.clone());
    id
}

fn compute_code_identity(kind: &str) -> String {
    // Whether `path` is module `m`'s file or under its folder (no allocation: a no-op asks for
    // every kind's identity).
    let in_module = |path: &str, m: &str| {
        path.strip_prefix(m)
            .is_some_and(|rest| rest == ".rs" || rest.starts_with('/'))
    };
    // Domain commands (`wecare synth`, `wecare new`) live here too but no stage calls them.
    let is_command = |path: &str| NOT_STAGE_CODE.iter().any(|m| in_module(path, m));
    let is_other_kind = |path: &str| {
        KINDS
            .iter()
            .any(|k| k.name != kind && in_module(path, k.name))
    };
    let mut hasher = blake3::Hasher::new_derive_key("wecare stage code identity v1");
    for (path, hash) in code_hashes::SOURCE_HASHES {
        if is_other_kind(path) || is_command(path) {
            continue;
        }
        let role: &[u8] = if in_module(path, kind) {
            b"own"
        } else {
            b"shared"
        };
        for part in [role, path.as_bytes(), hash.as_bytes()] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
    }
    hasher.update(code_hashes::CARGO_LOCK_HASH.as_bytes());
    hasher.finalize().to_hex().to_string()
}
