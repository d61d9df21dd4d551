//! Freshness of one stage: compares what `pipeline.lock` recorded with what the pipeline would
//! compute now, and lists every difference as a [`DirtyReason`] (first the identity of the
//! computation, then its inputs, then its outputs).
use std::collections::BTreeMap;

use crate::config::{InputRef, Pipeline, StageDecl};
use crate::dirty_reason::DirtyReason;
use crate::error::Error;
use crate::fingerprint::{self, FingerprintParts};
use crate::lockfile::{LockEntry, LockedInput, LockedOutput};
use crate::provenance;
use wecare_stages::provenance::{Provenance, PROVENANCE_SLOT, PROVENANCE_SOURCE};

/// The engine version that goes into every fingerprint.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The verdict on one stage.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Empty when the stage is fresh.
    pub reasons: Vec<DirtyReason>,
    /// The fingerprint the stage has now, when every input is known.
    pub fingerprint: Option<String>,
    /// Current inputs with their hashes, when every input is known.
    pub inputs: Option<BTreeMap<String, LockedInput>>,
    /// The provenance record, for kinds that read one, when every upstream stage is known.
    pub provenance: Option<Provenance>,
}

impl Evaluation {
    /// Whether the stage can be skipped.
    #[must_use]
    pub fn is_fresh(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Path of a stage's output table, relative to the project.
#[must_use]
pub fn table_path(stage: &str, table: &str) -> String {
    format!("outputs/{stage}/{table}.parquet")
}

/// Seed of a stage as recorded in the lock.
#[must_use]
pub fn seed_text(seed: u64) -> String {
    format!("{seed:016x}")
}

/// Evaluates `decl` against its lock `entry`.
///
/// `upstream(stage, table)` gives the content hash of an upstream table when that stage is fresh
/// (or has just been rebuilt), and `None` while it is stale. `locked` is the lock's entries, read
/// only to build the provenance record of kinds that read one.
///
/// # Errors
/// When an input file cannot be read.
pub fn evaluate(
    pipeline: &Pipeline,
    decl: &StageDecl,
    entry: Option<&LockEntry>,
    forced: bool,
    upstream: &dyn Fn(&str, &str) -> Option<String>,
    locked: &BTreeMap<String, LockEntry>,
) -> Result<Evaluation, Error> {
    let mut reasons = Vec::new();
    let mut inputs = BTreeMap::new();
    let mut unknown_upstream = Vec::new();
    for (slot, input) in &decl.inputs {
        match input {
            InputRef::File(path) => {
                let (hash, _) = pipeline
                    .hashes
                    .hash(path)
                    .map_err(|e| Error::io(path, &e))?;
                inputs.insert(
                    slot.clone(),
                    LockedInput {
                        source: path.clone(),
                        hash,
                    },
                );
            }
            InputRef::Table { stage, table } => match upstream(stage, table) {
                Some(hash) => {
                    inputs.insert(
                        slot.clone(),
                        LockedInput {
                            source: input.display(),
                            hash,
                        },
                    );
                }
                None => unknown_upstream.push((slot.clone(), stage.clone())),
            },
        }
    }
    // The provenance record counts as one more input: its hash goes into the fingerprint.
    let reads_provenance = wecare_stages::reads_provenance(decl.kind.name);
    let mut record = None;
    if reads_provenance && unknown_upstream.is_empty() {
        match provenance::build(pipeline, decl, &inputs, locked) {
            Ok(built) => {
                inputs.insert(
                    PROVENANCE_SLOT.to_string(),
                    LockedInput {
                        source: PROVENANCE_SOURCE.to_string(),
                        hash: built.hash(),
                    },
                );
                record = Some(built);
            }
            Err(stage) => unknown_upstream.push((PROVENANCE_SLOT.to_string(), stage)),
        }
    }
    let code = wecare_stages::code_identity(decl.kind.name);
    let seed = fingerprint::stage_seed(pipeline.seed, &decl.name);
    let fingerprint = unknown_upstream.is_empty().then(|| {
        let hashes: BTreeMap<String, String> = inputs
            .iter()
            .map(|(k, v)| (k.clone(), v.hash.clone()))
            .collect();
        fingerprint::fingerprint(&FingerprintParts {
            tool_version: TOOL_VERSION,
            engine: fingerprint::ENGINE_CODE,
            code: &code,
            kind: decl.kind.name,
            seed,
            params: &decl.params,
            inputs: &hashes,
        })
    });
    if forced {
        reasons.push(DirtyReason::Forced);
    }
    let Some(entry) = entry else {
        reasons.push(DirtyReason::NeverRun);
        return Ok(Evaluation {
            reasons,
            fingerprint,
            inputs: unknown_upstream.is_empty().then_some(inputs),
            provenance: record,
        });
    };
    if entry.tool_version != TOOL_VERSION {
        reasons.push(DirtyReason::ToolVersionChanged {
            old: entry.tool_version.clone(),
            new: TOOL_VERSION.into(),
        });
    }
    if entry.engine != fingerprint::ENGINE_CODE {
        reasons.push(DirtyReason::EngineCodeChanged {
            old: entry.engine.clone(),
            new: fingerprint::ENGINE_CODE.into(),
        });
    }
    if entry.kind != decl.kind.name {
        reasons.push(DirtyReason::KindChanged {
            old: entry.kind.clone(),
            new: decl.kind.name.into(),
        });
    } else if entry.code != code {
        reasons.push(DirtyReason::StageCodeChanged {
            old: entry.code.clone(),
            new: code.clone(),
        });
    }
    if entry.seed != seed_text(seed) {
        reasons.push(DirtyReason::SeedChanged {
            old: entry.seed.clone(),
            new: seed_text(seed),
        });
    }
    param_changes(&entry.params, &decl.params, &mut reasons);
    for (slot, input) in &decl.inputs {
        let recorded = entry.inputs.get(slot);
        if let Some((_, stage)) = unknown_upstream.iter().find(|(s, _)| s == slot) {
            // One line per stale upstream stage, however many of its tables this stage reads.
            let listed = reasons.iter().any(|r| {
                matches!(r, DirtyReason::UpstreamChanged { stage: s, new: None, .. } if s == stage)
            });
            if listed {
                continue;
            }
            reasons.push(DirtyReason::UpstreamChanged {
                stage: stage.clone(),
                slot: slot.clone(),
                old: recorded.map(|r| r.hash.clone()),
                new: None,
            });
            continue;
        }
        let current = &inputs[slot];
        match (recorded, input) {
            (None, _) => reasons.push(DirtyReason::InputAdded {
                slot: slot.clone(),
                source: current.source.clone(),
            }),
            (Some(r), InputRef::Table { stage, .. }) if r.source == current.source => {
                if r.hash != current.hash {
                    reasons.push(DirtyReason::UpstreamChanged {
                        stage: stage.clone(),
                        slot: slot.clone(),
                        old: Some(r.hash.clone()),
                        new: Some(current.hash.clone()),
                    });
                }
            }
            (Some(r), _) => {
                if r.source != current.source || r.hash != current.hash {
                    reasons.push(DirtyReason::InputChanged {
                        slot: slot.clone(),
                        source: current.source.clone(),
                        old_source: (r.source != current.source).then(|| r.source.clone()),
                        old: r.hash.clone(),
                        new: current.hash.clone(),
                    });
                }
            }
        }
    }
    if reads_provenance {
        provenance_change(entry, &inputs, &unknown_upstream, &mut reasons);
    }
    for (slot, recorded) in &entry.inputs {
        let provenance_slot = reads_provenance && slot == PROVENANCE_SLOT;
        if !decl.inputs.contains_key(slot) && !provenance_slot {
            reasons.push(DirtyReason::InputRemoved {
                slot: slot.clone(),
                source: recorded.source.clone(),
            });
        }
    }
    output_changes(pipeline, decl, entry, &mut reasons);
    if reasons.is_empty() && fingerprint.as_deref() != Some(entry.fingerprint.as_str()) {
        // Every component matches but the recorded fingerprint does not: the entry was edited.
        reasons.push(DirtyReason::NeverRun);
    }
    Ok(Evaluation {
        reasons,
        fingerprint,
        inputs: unknown_upstream.is_empty().then_some(inputs),
        provenance: record,
    })
}

/// The reason, if any, why the provenance record differs from the recorded one.
fn provenance_change(
    entry: &LockEntry,
    inputs: &BTreeMap<String, LockedInput>,
    unknown_upstream: &[(String, String)],
    reasons: &mut Vec<DirtyReason>,
) {
    let recorded = entry.inputs.get(PROVENANCE_SLOT);
    if let Some((_, stage)) = unknown_upstream.iter().find(|(s, _)| s == PROVENANCE_SLOT) {
        reasons.push(DirtyReason::UpstreamChanged {
            stage: stage.clone(),
            slot: PROVENANCE_SLOT.to_string(),
            old: recorded.map(|r| r.hash.clone()),
            new: None,
        });
        return;
    }
    let Some(current) = inputs.get(PROVENANCE_SLOT) else {
        return;
    };
    match recorded {
        None => reasons.push(DirtyReason::InputAdded {
            slot: PROVENANCE_SLOT.to_string(),
            source: current.source.clone(),
        }),
        Some(r) if r.hash != current.hash => reasons.push(DirtyReason::InputChanged {
            slot: PROVENANCE_SLOT.to_string(),
            source: current.source.clone(),
            old_source: None,
            old: r.hash.clone(),
            new: current.hash.clone(),
        }),
        Some(_) => {}
    }
}

fn output_changes(
    pipeline: &Pipeline,
    decl: &StageDecl,
    entry: &LockEntry,
    reasons: &mut Vec<DirtyReason>,
) {
    let mut expected: BTreeMap<String, Option<&LockedOutput>> = decl
        .kind
        .outputs
        .iter()
        .map(|t| ((*t).to_string(), None))
        .collect();
    for file in wecare_stages::file_outputs(decl.kind.name) {
        if !file.contains('*') {
            expected.insert((*file).to_string(), None);
        }
    }
    for (name, out) in &entry.outputs {
        expected.insert(name.clone(), Some(out));
    }
    for (name, recorded) in expected {
        let path = recorded.map_or_else(
            || {
                if wecare_stages::is_declared_file(decl.kind.name, &name) {
                    format!("outputs/{}/{name}", decl.name)
                } else {
                    table_path(&decl.name, &name)
                }
            },
            |r| r.path.clone(),
        );
        let Some(recorded) = recorded else {
            reasons.push(DirtyReason::OutputMissing { output: name, path });
            continue;
        };
        match pipeline.hashes.hash(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                reasons.push(DirtyReason::OutputMissing { output: name, path });
            }
            Err(e) => reasons.push(DirtyReason::OutputUnreadable {
                output: name,
                path,
                error: e.to_string(),
            }),
            Ok((hash, _)) if hash != recorded.hash => reasons.push(DirtyReason::OutputModified {
                output: name,
                path,
                old: recorded.hash.clone(),
                new: hash,
            }),
            Ok(_) => {}
        }
    }
}

/// Flattens nested tables into dotted keys (arrays stay whole values).
fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, toml::Value>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) if !t.is_empty() => flatten(&path, t, out),
            other => {
                out.insert(path, other.clone());
            }
        }
    }
}

fn param_changes(old: &toml::Table, new: &toml::Table, reasons: &mut Vec<DirtyReason>) {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", old, &mut a);
    flatten("", new, &mut b);
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let (x, y) = (a.get(key), b.get(key));
        if x != y {
            reasons.push(DirtyReason::ParamChanged {
                param: key.clone(),
                old: x.map(toml_to_json),
                new: y.map(toml_to_json),
            });
        }
    }
}

/// A TOML value as JSON (datetimes as strings).
#[must_use]
pub fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}
