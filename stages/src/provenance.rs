//! The provenance record: what the engine tells a stage about the pipeline upstream of it.
//!
//! Built by the engine from `pipeline.lock` for the kinds that ask for it
//! ([`crate::reads_provenance`]) and handed over read-only in [`crate::StageInput::provenance`];
//! no stage reads the lock itself. It covers every stage upstream of the receiving stage (its
//! ancestors in the DAG, in the engine's topological order), each with its kind, params, inputs and
//! their content hashes, fingerprint and output hashes, and the receiving stage's own inputs. It
//! never holds the receiving stage's own fingerprint or outputs: those depend on the record. Its
//! content hash is one more input of the receiving stage's fingerprint, so a change anywhere
//! upstream (a param whose outputs came out the same included) makes that stage stale.
use serde::{Deserialize, Serialize};

/// The input slot under which the record's hash is fingerprinted and locked.
pub const PROVENANCE_SLOT: &str = "provenance";

/// The `source` the lock records for the provenance slot.
pub const PROVENANCE_SOURCE: &str = "@provenance";

/// The record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `[pipeline] name`.
    pub pipeline: String,
    /// `[pipeline] seed`.
    pub seed: u64,
    /// The engine version running now.
    pub tool_version: String,
    /// The receiving stage.
    pub stage: String,
    /// Its kind.
    pub kind: String,
    /// Its own inputs (the provenance slot excepted), sorted by slot.
    pub inputs: Vec<ProvenanceInput>,
    /// Every upstream stage, in topological order (ties broken by name).
    pub stages: Vec<ProvenanceStage>,
}

/// One upstream stage as its lock entry recorded it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProvenanceStage {
    /// The stage name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The engine version that ran it.
    pub tool_version: String,
    /// The kind's code identity.
    pub code: String,
    /// The stage seed (16 hex digits).
    pub seed: String,
    /// The fingerprint its outputs were computed for.
    pub fingerprint: String,
    /// Canonical params.
    pub params: toml::Table,
    /// Its inputs, sorted by slot.
    pub inputs: Vec<ProvenanceInput>,
    /// Its outputs, sorted by name.
    pub outputs: Vec<ProvenanceOutput>,
}

/// One input: slot, where it comes from, content hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenanceInput {
    /// The slot name.
    pub slot: String,
    /// A project-relative path or `stage.table`.
    pub source: String,
    /// blake3 of the content (hex).
    pub hash: String,
}

/// One output: name, path, content hash, size and rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenanceOutput {
    /// The output name (a table, or a file name).
    pub name: String,
    /// Project-relative path.
    pub path: String,
    /// blake3 of the file (hex).
    pub hash: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Rows, for a table.
    pub rows: Option<u64>,
}

impl Provenance {
    /// The content hash of the record (blake3 over its canonical JSON; hex).
    #[must_use]
    pub fn hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        blake3::hash(&bytes).to_hex().to_string()
    }

    /// The upstream stage called `name`.
    #[must_use]
    pub fn stage(&self, name: &str) -> Option<&ProvenanceStage> {
        self.stages.iter().find(|s| s.name == name)
    }
}
