//! [`Networks`]: the project networks of a `clean_actors.ties` table as every analysis stage sees
//! them, so that `compute_metrics` and `compare_waves` measure the same node and tie sets.
//!
//! A network is one (project, wave, layer), plus the combined layer `any` (the union of the layers
//! in `any_layers`, weight = the highest). Its nodes are every organisation the wave's roster
//! surveyed — placed on an actor through `clean_actors.actor_matches` (raw name, project →
//! actor) — tied or not, plus every endpoint of its ties: a surveyed organisation with no tie is
//! an isolate, not absent. The prior layer (wave 0) uses the wave-1 roster. Every surveyed
//! (project, wave) has every layer its wave has anywhere in the table, possibly empty.
use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::StageError;

/// (project, wave, layer).
pub type NetKey = (String, i64, String);

/// An undirected tie set: (source, target) with source < target → weight.
pub type TieSet = BTreeMap<(String, String), f64>;

/// The networks of a ties table, with the roster that places surveyed organisations.
#[derive(Debug, Default)]
pub struct Networks {
    /// Actor ids surveyed per (project, survey wave).
    pub surveyed: BTreeMap<(String, i64), BTreeSet<String>>,
    /// Actor ids that answered per (project, survey wave).
    pub answered: BTreeMap<(String, i64), BTreeSet<String>>,
    /// (raw name, project) → actor id, from `actor_matches`.
    pub place: BTreeMap<(String, String), String>,
    /// Ties by network.
    pub ties: BTreeMap<NetKey, TieSet>,
    /// Every network: those with ties, and every layer of a surveyed (project, wave).
    pub keys: BTreeSet<NetKey>,
}

/// The wave whose roster gives a network's surveyed organisations: wave 0 (the prior layer,
/// asked in wave 1) uses wave 1's.
#[must_use]
pub fn survey_wave(wave: i64) -> i64 {
    if wave == 0 {
        1
    } else {
        wave
    }
}

/// A text column as strings (null → empty).
///
/// # Errors
/// When the column is missing or not text.
pub fn col_str(df: &DataFrame, name: &str) -> Result<Vec<String>, StageError> {
    let col = df
        .column(name)
        .map_err(|_| StageError::Compute(format!("input table lacks column `{name}`")))?;
    let ca = col
        .str()
        .map_err(|_| StageError::Compute(format!("column `{name}` is not text")))?;
    Ok(ca.iter().map(|v| v.unwrap_or("").to_string()).collect())
}

/// An integer column as i64 (null → 0).
///
/// # Errors
/// When the column is missing or cannot be cast to integers.
pub fn col_i64(df: &DataFrame, name: &str) -> Result<Vec<i64>, StageError> {
    let col = df
        .column(name)
        .map_err(|_| StageError::Compute(format!("input table lacks column `{name}`")))?
        .cast(&DataType::Int64)
        .map_err(|_| StageError::Compute(format!("column `{name}` is not a number")))?;
    Ok(col.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

impl Networks {
    /// Reads the networks from `clean_actors.ties` and, when given, the roster
    /// (`ingest_waves.roster`) placed through `clean_actors.actor_matches`.
    ///
    /// # Errors
    /// A table without its canonical columns.
    pub fn read(
        ties: &DataFrame,
        roster: Option<&DataFrame>,
        matches: Option<&DataFrame>,
        any_layers: &[String],
    ) -> Result<Self, StageError> {
        let mut nets = Networks::default();
        if let Some(m) = matches {
            let (raw, id, projects) = (
                col_str(m, "raw_name")?,
                col_str(m, "actor_id")?,
                col_str(m, "projects")?,
            );
            for i in 0..raw.len() {
                for p in projects[i].split(';') {
                    nets.place
                        .insert((raw[i].clone(), p.to_string()), id[i].clone());
                }
            }
        }
        if let Some(roster) = roster {
            let (p, w, o) = (
                col_str(roster, "project")?,
                col_i64(roster, "wave")?,
                col_str(roster, "organisation")?,
            );
            let responded: Vec<bool> = roster
                .column("responded")
                .ok()
                .and_then(|c| {
                    c.bool()
                        .ok()
                        .map(|b| b.iter().map(|v| v.unwrap_or(false)).collect())
                })
                .unwrap_or_else(|| vec![false; p.len()]);
            for i in 0..p.len() {
                if let Some(id) = nets.place.get(&(o[i].clone(), p[i].clone())) {
                    nets.surveyed
                        .entry((p[i].clone(), w[i]))
                        .or_default()
                        .insert(id.clone());
                    if responded[i] {
                        nets.answered
                            .entry((p[i].clone(), w[i]))
                            .or_default()
                            .insert(id.clone());
                    }
                }
            }
        }
        let (tp, tw, tl, ts, tt, tweight) = (
            col_str(ties, "project")?,
            col_i64(ties, "wave")?,
            col_str(ties, "layer")?,
            col_str(ties, "source")?,
            col_str(ties, "target")?,
            col_i64(ties, "weight")?,
        );
        #[allow(clippy::cast_precision_loss)]
        for i in 0..tp.len() {
            let w = tweight[i].max(1) as f64;
            let mut add = |layer: &str| {
                let e = nets
                    .ties
                    .entry((tp[i].clone(), tw[i], layer.to_string()))
                    .or_default()
                    .entry((ts[i].clone(), tt[i].clone()))
                    .or_insert(0.0);
                *e = e.max(w);
            };
            add(&tl[i]);
            if any_layers.iter().any(|l| l == &tl[i]) {
                add("any");
            }
        }
        let mut layers_of_wave: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for (_, w, l) in nets.ties.keys() {
            layers_of_wave.entry(*w).or_default().insert(l.clone());
        }
        nets.keys = nets.ties.keys().cloned().collect();
        for (p, w) in nets.surveyed.keys() {
            for l in layers_of_wave.get(w).into_iter().flatten() {
                nets.keys.insert((p.clone(), *w, l.clone()));
            }
        }
        Ok(nets)
    }

    /// The ties of a network (empty when it has none).
    #[must_use]
    pub fn tie_set(&self, key: &NetKey) -> TieSet {
        self.ties.get(key).cloned().unwrap_or_default()
    }

    /// The nodes of a network: its survey wave's roster and its ties' endpoints, sorted.
    #[must_use]
    pub fn nodes(&self, key: &NetKey) -> BTreeSet<String> {
        let (project, wave, _) = key;
        let mut nodes: BTreeSet<String> = self
            .surveyed
            .get(&(project.clone(), survey_wave(*wave)))
            .cloned()
            .unwrap_or_default();
        if let Some(ties) = self.ties.get(key) {
            for (s, t) in ties.keys() {
                nodes.insert(s.clone());
                nodes.insert(t.clone());
            }
        }
        nodes
    }
}
