//! Builds the read-only provenance record ([`Provenance`]) that the engine hands to the kinds that
//! describe the pipeline (the report): every stage upstream of the receiving one, from the lock
//! entries that the run has just confirmed or written. Stages never read `pipeline.lock`.
use std::collections::{BTreeMap, BTreeSet};

use wecare_stages::provenance::{Provenance, ProvenanceInput, ProvenanceOutput, ProvenanceStage};

use crate::config::{Pipeline, StageDecl};
use crate::lockfile::{LockEntry, LockedInput};
use crate::status::TOOL_VERSION;

/// The record for `decl`, given its current `inputs` (slot → source and hash) and the lock entries.
///
/// # Errors
/// The name of the first upstream stage (in topological order) that has no lock entry.
pub fn build(
    pipeline: &Pipeline,
    decl: &StageDecl,
    inputs: &BTreeMap<String, LockedInput>,
    locked: &BTreeMap<String, LockEntry>,
) -> Result<Provenance, String> {
    let own = BTreeSet::from([decl.name.clone()]);
    let ancestors = pipeline.dag.with_ancestors(&own);
    let mut stages = Vec::new();
    for name in pipeline.dag.topo_order() {
        if name == decl.name || !ancestors.contains(&name) {
            continue;
        }
        let entry = locked.get(&name).ok_or_else(|| name.clone())?;
        stages.push(ProvenanceStage {
            name: name.clone(),
            kind: entry.kind.clone(),
            tool_version: entry.tool_version.clone(),
            code: entry.code.clone(),
            seed: entry.seed.clone(),
            fingerprint: entry.fingerprint.clone(),
            params: entry.params.clone(),
            inputs: record_inputs(&entry.inputs),
            outputs: entry
                .outputs
                .iter()
                .map(|(name, out)| ProvenanceOutput {
                    name: name.clone(),
                    path: out.path.clone(),
                    hash: out.hash.clone(),
                    bytes: out.bytes,
                    rows: out.rows,
                })
                .collect(),
        });
    }
    Ok(Provenance {
        pipeline: pipeline.name.clone(),
        seed: pipeline.seed,
        tool_version: TOOL_VERSION.to_string(),
        stage: decl.name.clone(),
        kind: decl.kind.name.to_string(),
        inputs: record_inputs(inputs),
        stages,
    })
}

fn record_inputs(inputs: &BTreeMap<String, LockedInput>) -> Vec<ProvenanceInput> {
    inputs
        .iter()
        .filter(|(slot, _)| slot.as_str() != wecare_stages::provenance::PROVENANCE_SLOT)
        .map(|(slot, input)| ProvenanceInput {
            slot: slot.clone(),
            source: input.source.clone(),
            hash: input.hash.clone(),
        })
        .collect()
}
