//! [`Networks`]: the project networks of a `clean_actors.ties` table as every analysis stage sees
//! them, so that `compute_metrics` and `compare_waves` measure the same node and tie sets.
//!
//! A network is one (project, wave, layer), plus the combined layer `any` (the union of the layers
//! in `any_layers`, weight = the highest). Its nodes are every organisation the wave's roster
//! surveyed — placed on an actor through `clean_actors.actor_matches` (raw name, project →
//! actor) — tied or not, plus every endpoint of its ties: a surveyed organisation with no tie is
//! an isolate, not absent. The prior layer (wave 0) uses the wave-1 roster. Every surveyed
//! (project, wave) has every layer its wave has anywhere in the table, possibly empty.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use crate::StageError;

/// (project, wave, layer).
pub type NetKey = (String, i64, String);

/// An undirected tie set: (source, target) with source < target → weight.
pub type TieSet = BTreeMap<(String, String), f64>;

/// An undirected tie set by actor number: (source, target) with source < target → weight.
pub type NumberedTies = BTreeMap<(u32, u32), f64>;

/// The networks of a ties table, with the roster that places surveyed organisations.
///
/// Actors are numbered: `actors` holds their ids sorted, and an actor's number is its place
/// there, so numeric order is the ids' text order and sets of numbers iterate as the sets of ids
/// would. Text is borrowed from the input tables (at 10,000 projects a `String` an id and a map
/// keyed by pairs of them cost more than a gigabyte).
#[derive(Debug, Default)]
pub struct Networks<'a> {
    /// Actor ids, sorted and distinct; an actor's number is its index here.
    pub actors: Vec<&'a str>,
    /// Actors surveyed per (project, survey wave).
    pub surveyed: BTreeMap<(String, i64), BTreeSet<u32>>,
    /// Actors that answered per (project, survey wave).
    pub answered: BTreeMap<(String, i64), BTreeSet<u32>>,
    /// (raw name, project) → actor, from `actor_matches`.
    pub place: HashMap<(&'a str, &'a str), u32>,
    /// Ties by network.
    pub ties: BTreeMap<NetKey, NumberedTies>,
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
    Ok(col_texts(df, name)?
        .into_iter()
        .map(str::to_string)
        .collect())
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

/// A text column borrowed from its table (null → empty).
///
/// # Errors
/// When the column is missing or not text.
pub fn col_texts<'a>(df: &'a DataFrame, name: &str) -> Result<Vec<&'a str>, StageError> {
    let col = df
        .column(name)
        .map_err(|_| StageError::Compute(format!("input table lacks column `{name}`")))?;
    let ca = col
        .str()
        .map_err(|_| StageError::Compute(format!("column `{name}` is not text")))?;
    Ok(ca.iter().map(|v| v.unwrap_or("")).collect())
}

impl<'a> Networks<'a> {
    /// Reads the networks from `clean_actors.ties` and, when given, the roster
    /// (`ingest_waves.roster`) placed through `clean_actors.actor_matches`.
    ///
    /// # Errors
    /// A table without its canonical columns.
    pub fn read(
        ties: &'a DataFrame,
        roster: Option<&'a DataFrame>,
        matches: Option<&'a DataFrame>,
        any_layers: &[String],
    ) -> Result<Self, StageError> {
        let mut nets = Networks::default();
        let (tp, tw, tl, ts, tt, tweight) = (
            col_texts(ties, "project")?,
            col_i64(ties, "wave")?,
            col_texts(ties, "layer")?,
            col_texts(ties, "source")?,
            col_texts(ties, "target")?,
            col_i64(ties, "weight")?,
        );
        let matched = match matches {
            Some(m) => Some((
                col_texts(m, "raw_name")?,
                col_texts(m, "actor_id")?,
                col_texts(m, "projects")?,
            )),
            None => None,
        };
        // Number the actors: every tie endpoint and every matched id, in text order.
        let mut actors: Vec<&'a str> = ts.iter().chain(&tt).copied().collect();
        if let Some((_, id, _)) = &matched {
            actors.extend(id.iter().copied());
        }
        actors.sort_unstable();
        actors.dedup();
        let number: HashMap<&str, u32> = actors
            .iter()
            .enumerate()
            .map(|(i, a)| (*a, u32::try_from(i).expect("fewer than 2^32 actors")))
            .collect();
        if let Some((raw, id, projects)) = &matched {
            for i in 0..raw.len() {
                for p in projects[i].split(';') {
                    nets.place.insert((raw[i], p), number[id[i]]);
                }
            }
        }
        if let Some(roster) = roster {
            let (p, w, o) = (
                col_texts(roster, "project")?,
                col_i64(roster, "wave")?,
                col_texts(roster, "organisation")?,
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
                if let Some(&id) = nets.place.get(&(o[i], p[i])) {
                    nets.surveyed
                        .entry((p[i].to_string(), w[i]))
                        .or_default()
                        .insert(id);
                    if responded[i] {
                        nets.answered
                            .entry((p[i].to_string(), w[i]))
                            .or_default()
                            .insert(id);
                    }
                }
            }
        }
        // Keyed by borrowed text while reading (no key allocated a tie), owned once built.
        let mut ties_by_key: BTreeMap<(&str, i64, &str), NumberedTies> = BTreeMap::new();
        #[allow(clippy::cast_precision_loss)]
        for i in 0..tp.len() {
            let w = tweight[i].max(1) as f64;
            let pair = (number[ts[i]], number[tt[i]]);
            let mut add = |layer: &'a str| {
                let e = ties_by_key
                    .entry((tp[i], tw[i], layer))
                    .or_default()
                    .entry(pair)
                    .or_insert(0.0);
                *e = e.max(w);
            };
            add(tl[i]);
            if any_layers.iter().any(|l| l == tl[i]) {
                add("any");
            }
        }
        nets.actors = actors;
        nets.ties = ties_by_key
            .into_iter()
            .map(|((p, w, l), t)| ((p.to_string(), w, l.to_string()), t))
            .collect();
        let mut layers_of_wave: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        for (_, w, l) in nets.ties.keys() {
            layers_of_wave.entry(*w).or_default().insert(l);
        }
        let mut keys: BTreeSet<NetKey> = nets.ties.keys().cloned().collect();
        for (p, w) in nets.surveyed.keys() {
            for l in layers_of_wave.get(w).into_iter().flatten() {
                keys.insert((p.clone(), *w, (*l).to_string()));
            }
        }
        nets.keys = keys;
        Ok(nets)
    }

    /// The ties of a network by actor number (`None` when it has none).
    #[must_use]
    pub fn numbered_ties(&self, key: &NetKey) -> Option<&NumberedTies> {
        self.ties.get(key)
    }

    /// The ties of a network (empty when it has none).
    #[must_use]
    pub fn tie_set(&self, key: &NetKey) -> TieSet {
        self.numbered_ties(key)
            .into_iter()
            .flatten()
            .map(|(&(s, t), &w)| ((self.id(s).to_string(), self.id(t).to_string()), w))
            .collect()
    }

    /// The id of an actor number.
    #[must_use]
    pub fn id(&self, actor: u32) -> &'a str {
        self.actors[actor as usize]
    }

    /// The nodes of a network by actor number: its survey wave's roster and its ties'
    /// endpoints, sorted.
    #[must_use]
    pub fn node_numbers(&self, key: &NetKey) -> Vec<u32> {
        let (project, wave, _) = key;
        let mut nodes: BTreeSet<u32> = self
            .surveyed
            .get(&(project.clone(), survey_wave(*wave)))
            .cloned()
            .unwrap_or_default();
        for (s, t) in self.numbered_ties(key).into_iter().flat_map(BTreeMap::keys) {
            nodes.insert(*s);
            nodes.insert(*t);
        }
        nodes.into_iter().collect()
    }

    /// The nodes of a network: its survey wave's roster and its ties' endpoints, sorted.
    #[must_use]
    pub fn nodes(&self, key: &NetKey) -> BTreeSet<String> {
        self.node_numbers(key)
            .into_iter()
            .map(|n| self.id(n).to_string())
            .collect()
    }

    /// Actor ids of a map of actor-number sets (the surveyed or answered rosters), as text.
    #[must_use]
    pub fn named(
        &self,
        sets: &BTreeMap<(String, i64), BTreeSet<u32>>,
    ) -> BTreeMap<(String, i64), BTreeSet<String>> {
        sets.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.iter().map(|&n| self.id(n).to_string()).collect(),
                )
            })
            .collect()
    }
}
