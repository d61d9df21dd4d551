//! `compare_waves`: how each project's network changed from the prior layer through the three
//! waves — the measured quantities behind findings F1 and F3–F7 (DESIGN §5, methods brief §5).
//!
//! Networks and node sets are those of `compute_metrics` (see [`crate::networks`]): a wave's
//! network holds the organisations its roster surveyed plus every tie endpoint; the prior layer
//! (wave 0) uses the wave-1 roster.
//!
//! - `wave_comparison`, one row per project, layer and pair of waves (1→2, 2→3, 1→3, and the
//!   prior layer 0→1, 0→2, 0→3): the dyad counts N11/N10/N01/N00 on the actors present in both
//!   networks (RSiena's convention), tie Jaccard, Hamming distance, persistence (share of `from`
//!   ties still present), formation (share of `to` ties that are new); `jaccard_all`, the tie
//!   Jaccard on all actors (absent actors have no ties); the QAP correlation of the tie
//!   indicators on the common actors with a one-sided node-permutation p
//!   ([`crate::resample::qap_correlation`], `qap_permutations` draws seeded per row, exact when
//!   n! ≤ the draws). Layers compared: every layer of two or more of waves 1–3, and `any`.
//! - `actor_turnover` on `layer`: stayers, entrants and exits per pair of waves by sector and type.
//! - `tie_survival` per project and layer: the ties of waves 1 and 2 by origin (`pre_existing` =
//!   in the prior layer, `project_born` = not), how many are in wave 2 and in wave 3, and the
//!   survival to wave 3 of the wave-2 ties (S_pre, S_born).
//! - `project_dynamics`, one row per project on `layer`: what the findings read.
//!
//! Survey data miss what nobody reported: with `dyads = "either_answered"` (for `union` ties) a
//! dyad counts in a wave only when one of its two organisations answered that wave's survey
//! (`both_answered` for `intersection`; `all` ignores who answered) — RSiena's missing tie
//! variables. This applies to the dyad counts and Jaccards, the pre-existing shares (a tie the
//! prior question could not reach is left out), the survival to wave 3 and the continuity share
//! (wave-1 organisations that answered in wave 3). QAP uses every dyad of the common actors.
//! Waves after 3 are not compared (the summary says so).
//!
//! Comparisons are independent: they run in parallel and are collected in key order; each QAP
//! draws from its own seed, so the bytes do not depend on the thread count.
pub mod change;
#[cfg(test)]
mod golden_tests;

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::networks::{col_str, survey_wave, NetKey, Networks};
use crate::resample::{derive_seed, qap_correlation};
use crate::{KindSpec, Slot, StageError, StageInput, StageOutput};
use change::{jaccard_all, share_in, TieChange};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "compare_waves",
    summary: "tie Jaccard, Hamming, persistence, formation and QAP between waves; actor turnover; tie survival by origin; per-project dynamics",
    slots: &[
        Slot { name: "ties", numbered: false, required: true, table: true, doc: "clean_actors.ties" },
        Slot { name: "actors", numbered: false, required: true, table: true, doc: "clean_actors.actors (sector and type of entrants and exits)" },
        Slot { name: "roster", numbered: false, required: false, table: true, doc: "ingest_waves.roster (surveyed organisations are nodes even without ties)" },
        Slot { name: "actor_matches", numbered: false, required: false, table: true, doc: "clean_actors.actor_matches (to place roster spellings)" },
        Slot { name: "network_metrics", numbered: false, required: false, table: true, doc: "compute_metrics.network_metrics (the network type of each wave on `layer`)" },
    ],
    outputs: &["actor_turnover", "project_dynamics", "tie_survival", "wave_comparison"],
    normalize: |t| crate::params::normalize_checked::<Params>(t, check_params),
    run,
};

/// Params of `compare_waves`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The layer `project_dynamics` and `actor_turnover` are read on (the findings' layer; the
    /// same as `compute_metrics.type_layer`).
    #[serde(default = "default_layer")]
    pub layer: String,
    /// Layers whose union is the combined layer `any` (as in `compute_metrics`).
    #[serde(default = "default_any_layers")]
    pub any_layers: Vec<String>,
    /// The wave-0 layer of ties that existed before the project.
    #[serde(default = "default_prior_layer")]
    pub prior_layer: String,
    /// The wave-3 layer of joint initiatives after the end (continuity share, F7).
    #[serde(default = "default_after_layer")]
    pub after_layer: String,
    /// Node permutations of each QAP test (0: no p).
    #[serde(default = "default_qap_permutations")]
    pub qap_permutations: usize,
    /// Which dyads are observed in a wave (the others are missing, not absent): match
    /// `clean_actors.symmetrize` — `either_answered` for `union`, `both_answered` for
    /// `intersection`; `all` ignores who answered.
    #[serde(default = "default_dyads")]
    pub dyads: Dyads,
}

/// Which dyads of a wave count as observed, from who answered the wave's survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dyads {
    /// Every dyad: an unreported tie is absent.
    All,
    /// A dyad with at least one endpoint that answered (ties symmetrised by `union`).
    EitherAnswered,
    /// A dyad whose two endpoints answered (ties symmetrised by `intersection`).
    BothAnswered,
}

fn default_dyads() -> Dyads {
    Dyads::EitherAnswered
}

/// Whether a dyad is observed in a wave, given who answered it (`None`: the wave has no roster,
/// so nothing is known of who answered and every dyad counts).
fn observed(mode: Dyads, answered: Option<&BTreeSet<String>>, a: &str, b: &str) -> bool {
    match (mode, answered) {
        (Dyads::All, _) | (_, None) => true,
        (Dyads::EitherAnswered, Some(s)) => s.contains(a) || s.contains(b),
        (Dyads::BothAnswered, Some(s)) => s.contains(a) && s.contains(b),
    }
}

fn default_layer() -> String {
    "collaboration".into()
}
fn default_any_layers() -> Vec<String> {
    vec![
        "collaboration".into(),
        "information".into(),
        "resources".into(),
    ]
}
fn default_prior_layer() -> String {
    "prior".into()
}
fn default_after_layer() -> String {
    "after".into()
}
/// `qap_permutations = 0` turns the QAP test off; a typo of a few zeros too many would run for
/// days. Found when `pipeline.toml` is loaded.
fn check_params(p: &Params) -> Result<(), crate::ParamError> {
    crate::params::count_in(
        "qap_permutations",
        p.qap_permutations,
        0,
        10_000_000,
        "0 turns the test off; 10 000 or more for publication",
    )
}

fn default_qap_permutations() -> usize {
    999
}

/// The waves compared, in output order.
const PAIRS: [(i64, i64); 6] = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)];
/// The pairs of waves of `actor_turnover`.
const TURNOVER_PAIRS: [(i64, i64); 3] = [(1, 2), (1, 3), (2, 3)];
/// Sectors counted among wave-2 entrants in `project_dynamics`.
const SECTORS: [&str; 4] = ["public", "third_sector", "private", "other"];

type Tie = (String, String);
/// Wave-2 ties still there in wave 3, and those observed in wave 3.
type KeptSeen = (Option<i64>, Option<i64>);

/// One network as the comparisons see it.
#[derive(Debug, Clone, Default)]
struct Net {
    nodes: BTreeSet<String>,
    ties: BTreeSet<Tie>,
}

/// What the stage knows about an actor.
#[derive(Debug, Clone)]
struct ActorInfo {
    type_code: String,
    sector: String,
}

/// One row of `wave_comparison` before it is written.
struct Comparison {
    project: String,
    layer: String,
    from: i64,
    to: i64,
    actors_from: usize,
    actors_to: usize,
    change: TieChange,
    jaccard_all: f64,
    qap_r: f64,
    qap_p: f64,
}

/// The base label of a network type: a weak centre of a kind counts as that kind.
#[must_use]
pub fn base_type(label: &str) -> &str {
    label.strip_suffix("_weak").unwrap_or(label)
}

/// Runs the stage.
///
/// # Errors
/// Input tables without the canonical columns, a `layer` the ties table does not have.
#[allow(clippy::too_many_lines)]
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    let ties_table = input.table("ties")?;
    let nets = Networks::read(
        ties_table,
        input.tables.get("roster"),
        input.tables.get("actor_matches"),
        &params.any_layers,
    )?;
    let info = read_actors(input.table("actors")?)?;
    let types = read_types(input.tables.get("network_metrics"))?;

    // Layers per wave, over the whole table.
    let mut waves_of_layer: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for (_, w, l) in &nets.keys {
        waves_of_layer.entry(l.clone()).or_default().insert(*w);
    }
    let has_prior = waves_of_layer
        .get(&params.prior_layer)
        .is_some_and(|w| w.contains(&0));
    let has_after = waves_of_layer
        .get(&params.after_layer)
        .is_some_and(|w| w.contains(&3));
    let compared: Vec<String> = waves_of_layer
        .iter()
        .filter(|(l, w)| {
            **l != params.prior_layer && w.iter().filter(|&&x| (1..=3).contains(&x)).count() >= 2
        })
        .map(|(l, _)| l.clone())
        .collect();
    if ties_table.height() > 0
        && !waves_of_layer
            .get(&params.layer)
            .is_some_and(|w| w.iter().any(|&x| x >= 1))
    {
        let known: Vec<String> = waves_of_layer
            .iter()
            .filter(|(_, w)| w.iter().any(|&x| x >= 1))
            .map(|(l, _)| format!("`{l}`"))
            .collect();
        return Err(StageError::Compute(format!(
            "param `layer` = `{}` names no layer of waves 1–3 in the ties table (layers: {})",
            params.layer,
            known.join(", ")
        )));
    }

    let projects: BTreeSet<String> = nets.keys.iter().map(|(p, _, _)| p.clone()).collect();
    let with_wave1: BTreeSet<&str> = nets
        .keys
        .iter()
        .filter(|(_, w, _)| *w == 1)
        .map(|(p, _, _)| p.as_str())
        .collect();
    // The prior layer of a project exists when the table has a prior layer and the project was
    // surveyed in wave 1 (where the prior question is asked), even if it reported no prior tie.
    let exists = |project: &str, wave: i64, layer: &str| -> bool {
        let key: NetKey = (project.to_string(), wave, layer.to_string());
        nets.keys.contains(&key) || (wave == 0 && has_prior && with_wave1.contains(project))
    };
    let net = |project: &str, wave: i64, layer: &str| -> Option<Net> {
        let key: NetKey = (project.to_string(), wave, layer.to_string());
        exists(project, wave, layer).then(|| Net {
            nodes: nets.nodes(&key),
            ties: nets.tie_set(&key).into_keys().collect(),
        })
    };

    // Who answered each (project, wave): `None` when the wave has no roster.
    let (surveyed, answered_ids) = (nets.named(&nets.surveyed), nets.named(&nets.answered));
    let empty = BTreeSet::new();
    let answered = |project: &str, wave: i64| -> Option<&BTreeSet<String>> {
        let key = (project.to_string(), survey_wave(wave));
        surveyed
            .contains_key(&key)
            .then(|| answered_ids.get(&key).unwrap_or(&empty))
    };
    let mode = params.dyads;

    // Every comparison to make, in key order.
    // Only the keys: each job builds its two networks when it runs (holding every pair at once
    // cost gigabytes at 10,000 projects).
    let mut jobs: Vec<(&String, &String, i64, i64)> = Vec::new();
    for p in &projects {
        for l in &compared {
            for (a, b) in PAIRS {
                let from_layer = if a == 0 { &params.prior_layer } else { l };
                if exists(p, a, from_layer) && exists(p, b, l) {
                    jobs.push((p, l, a, b));
                }
            }
        }
    }
    let comparisons: Vec<Comparison> = jobs
        .par_iter()
        .map(|&(project, layer, from_wave, to_wave)| {
            let from_layer = if from_wave == 0 {
                &params.prior_layer
            } else {
                layer
            };
            let from = net(project, from_wave, from_layer).expect("the job's networks exist");
            let to = net(project, to_wave, layer).expect("the job's networks exist");
            let (from_wave, to_wave) = (&from_wave, &to_wave);
            let (seen_from, seen_to) = (answered(project, *from_wave), answered(project, *to_wave));
            let change =
                TieChange::on_observed(&from.nodes, &to.nodes, &from.ties, &to.ties, |a, b| {
                    observed(mode, seen_from, a, b) && observed(mode, seen_to, a, b)
                });
            let common: Vec<&String> = from.nodes.intersection(&to.nodes).collect();
            let index: BTreeMap<&String, usize> =
                common.iter().enumerate().map(|(i, n)| (*n, i)).collect();
            let edges = |ties: &BTreeSet<Tie>| -> Vec<(usize, usize)> {
                ties.iter()
                    .filter_map(|(s, t)| Some((*index.get(s)?, *index.get(t)?)))
                    .collect()
            };
            let seed = derive_seed(
                input.seed,
                &[
                    b"qap",
                    project.as_bytes(),
                    layer.as_bytes(),
                    &from_wave.to_le_bytes(),
                    &to_wave.to_le_bytes(),
                ],
            );
            let qap = qap_correlation(
                common.len(),
                &edges(&from.ties),
                &edges(&to.ties),
                params.qap_permutations,
                seed,
            );
            Comparison {
                project: project.clone(),
                layer: layer.clone(),
                from: *from_wave,
                to: *to_wave,
                actors_from: from.nodes.len(),
                actors_to: to.nodes.len(),
                change,
                jaccard_all: {
                    let seen = |t: &&Tie| {
                        observed(mode, seen_from, &t.0, &t.1) && observed(mode, seen_to, &t.0, &t.1)
                    };
                    jaccard_all(
                        &from.ties.iter().filter(seen).collect(),
                        &to.ties.iter().filter(seen).collect(),
                    )
                },
                qap_r: qap.r,
                qap_p: qap.p,
            }
        })
        .collect();
    let by_key: BTreeMap<(&str, &str, i64, i64), &Comparison> = comparisons
        .iter()
        .map(|c| ((c.project.as_str(), c.layer.as_str(), c.from, c.to), c))
        .collect();

    // Actor turnover on `layer`.
    let mut turnover = TurnoverRows::default();
    let mut entrants_w2: BTreeMap<String, BTreeMap<&str, i64>> = BTreeMap::new();
    for p in &projects {
        for (a, b) in TURNOVER_PAIRS {
            let (Some(from), Some(to)) = (net(p, a, &params.layer), net(p, b, &params.layer))
            else {
                continue;
            };
            let mut counts: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
            let mut add = |id: &String, slot: usize| {
                let (sector, type_code) = info.get(id).map_or(("other", "other"), |i| {
                    (i.sector.as_str(), i.type_code.as_str())
                });
                counts
                    .entry((sector.to_string(), type_code.to_string()))
                    .or_default()[slot] += 1;
            };
            for id in from.nodes.union(&to.nodes) {
                match (from.nodes.contains(id), to.nodes.contains(id)) {
                    (true, true) => add(id, 0),
                    (false, true) => add(id, 1),
                    _ => add(id, 2),
                }
            }
            for ((sector, type_code), [stay, enter, exit]) in counts {
                if (a, b) == (1, 2) && enter > 0 {
                    let sector_key = SECTORS
                        .iter()
                        .copied()
                        .find(|s| *s == sector)
                        .unwrap_or("other");
                    *entrants_w2
                        .entry(p.clone())
                        .or_default()
                        .entry(sector_key)
                        .or_default() += enter;
                }
                turnover.project.push(p.clone());
                turnover.from_wave.push(a);
                turnover.to_wave.push(b);
                turnover.sector.push(sector);
                turnover.type_code.push(type_code);
                turnover.stayers.push(stay);
                turnover.entrants.push(enter);
                turnover.exits.push(exit);
            }
        }
    }

    // Tie survival by origin, per project and compared layer.
    let mut survival = SurvivalRows::default();
    let mut survival_of: BTreeMap<(String, String), [f64; 2]> = BTreeMap::new();
    // (wave-2 ties still there in wave 3, wave-2 ties observed in wave 3) by origin, for the
    // pooled survival gap.
    let mut survival_counts: BTreeMap<(String, String), [KeptSeen; 2]> = BTreeMap::new();
    for p in &projects {
        let prior = net(p, 0, &params.prior_layer).map(|n| n.ties);
        for l in &compared {
            let (w1, w2, w3) = (net(p, 1, l), net(p, 2, l), net(p, 3, l));
            if w1.is_none() && w2.is_none() {
                continue;
            }
            let Some(prior) = &prior else { continue };
            let ties_of = |n: &Option<Net>| n.as_ref().map(|n| n.ties.clone()).unwrap_or_default();
            let (t1, t2) = (ties_of(&w1), ties_of(&w2));
            let t3 = w3.as_ref().map(|n| &n.ties);
            let seen: BTreeSet<&Tie> = t1.union(&t2).collect();
            let mut shares = [f64::NAN; 2];
            let mut counts = [(None, None); 2];
            for (slot, origin) in ["pre_existing", "project_born"].into_iter().enumerate() {
                let pre = slot == 0;
                let group: Vec<&&Tie> =
                    seen.iter().filter(|t| prior.contains(**t) == pre).collect();
                let in_w2 = w2
                    .as_ref()
                    .map(|_| group.iter().filter(|t| t2.contains(***t)).count());
                let in_w3 = t3.map(|t3| group.iter().filter(|t| t3.contains(***t)).count());
                // Wave-2 ties whose dyad is observed in wave 3 (else their fate is unknown).
                let seen3 = answered(p, 3);
                let w2_seen3: Option<Vec<&&&Tie>> = t3.and_then(|_| {
                    w2.as_ref().map(|_| {
                        group
                            .iter()
                            .filter(|t| t2.contains(***t) && observed(mode, seen3, &t.0, &t.1))
                            .collect()
                    })
                });
                let w2_to_w3 = t3.and_then(|t3| {
                    w2_seen3
                        .as_ref()
                        .map(|v| v.iter().filter(|t| t3.contains(****t)).count())
                });
                #[allow(clippy::cast_precision_loss)]
                let share = |num: Option<usize>, den: usize| match num {
                    Some(k) if den > 0 => k as f64 / den as f64,
                    _ => f64::NAN,
                };
                let observed_w3 = w2_seen3.as_ref().map(Vec::len);
                let share_w3_of_w2 = share(w2_to_w3, observed_w3.unwrap_or(0));
                shares[slot] = share_w3_of_w2;
                counts[slot] = (w2_to_w3.map(as_i64), observed_w3.map(as_i64));
                survival.project.push(p.clone());
                survival.layer.push(l.clone());
                survival.origin.push(origin.to_string());
                survival.ties.push(as_i64(group.len()));
                survival.survived_w2.push(in_w2.map(as_i64));
                survival.survived_w3.push(in_w3.map(as_i64));
                survival.share_w3.push(share(in_w3, group.len()));
                survival.w2_observed_w3.push(observed_w3.map(as_i64));
                survival.w2_to_w3.push(w2_to_w3.map(as_i64));
                survival.share_w3_of_w2.push(share_w3_of_w2);
            }
            survival_of.insert((p.clone(), l.clone()), shares);
            survival_counts.insert((p.clone(), l.clone()), counts);
        }
    }

    // Per-project dynamics on `layer`.
    let mut dynamics = DynamicsRows::default();
    let layer = params.layer.as_str();
    for p in &projects {
        let w: [Option<Net>; 4] = [
            net(p, 0, &params.prior_layer),
            net(p, 1, layer),
            net(p, 2, layer),
            net(p, 3, layer),
        ];
        let actors = |i: usize| w[i].as_ref().map(|n| as_i64(n.nodes.len()));
        let ties = |i: usize| w[i].as_ref().map(|n| as_i64(n.ties.len()));
        let diff = |a: Option<i64>, b: Option<i64>| a.zip(b).map(|(a, b)| b - a);
        // Share of a wave's ties in the prior layer, among those whose dyad the prior question
        // could reach (observed in wave 0).
        let seen0 = answered(p, 0);
        let prior_share = |i: usize| match (&w[0], &w[i]) {
            (Some(prior), Some(n)) => {
                let reachable: BTreeSet<Tie> = n
                    .ties
                    .iter()
                    .filter(|(a, b)| observed(mode, seen0, a, b))
                    .cloned()
                    .collect();
                share_in(&reachable, &prior.ties)
            }
            _ => f64::NAN,
        };
        let cmp = |a: i64, b: i64| by_key.get(&(p.as_str(), layer, a, b)).copied();
        let jac = |a: i64, b: i64| cmp(a, b).map_or(f64::NAN, |c| c.change.jaccard());
        let after = has_after.then(|| nets.tie_set(&(p.clone(), 3, params.after_layer.clone())));
        dynamics.project.push(p.clone());
        dynamics.layer.push(params.layer.clone());
        for i in 1..=3 {
            dynamics.actors[i - 1].push(actors(i));
        }
        for i in 0..=3 {
            dynamics.ties[i].push(ties(i));
        }
        dynamics
            .ties_after
            .push(after.as_ref().map(|a| as_i64(a.len())));
        dynamics.actors_change_12.push(diff(actors(1), actors(2)));
        // Enlargement on what both waves could see: the organisations each wave surveyed plus
        // the endpoints of ties whose dyad is observed in waves 1 and 2 alike. A tie only one
        // wave could see (its reporter answered in that wave alone) would make an actor appear
        // or vanish with who answered, not with who joined.
        let (seen1, seen2) = (answered(p, 1), answered(p, 2));
        let seen_actors = |i: usize| -> Option<i64> {
            let n = w[i].as_ref()?;
            let mut nodes: BTreeSet<&String> = surveyed
                .get(&(p.clone(), survey_wave(as_i64(i))))
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            for (a, b) in &n.ties {
                if observed(mode, seen1, a, b) && observed(mode, seen2, a, b) {
                    nodes.insert(a);
                    nodes.insert(b);
                }
            }
            Some(as_i64(nodes.len()))
        };
        let (s1, s2) = (seen_actors(1), seen_actors(2));
        dynamics.actors_seen_12[0].push(s1);
        dynamics.actors_seen_12[1].push(s2);
        dynamics.actors_change_12_seen.push(diff(s1, s2));
        dynamics.actors_change_23.push(diff(actors(2), actors(3)));
        dynamics.ties_change_12.push(diff(ties(1), ties(2)));
        dynamics.ties_change_23.push(diff(ties(2), ties(3)));
        #[allow(clippy::cast_precision_loss)]
        dynamics.ties_ratio_32.push(match (ties(2), ties(3)) {
            (Some(t2), Some(t3)) if t2 > 0 => t3 as f64 / t2 as f64,
            _ => f64::NAN,
        });
        let shares = [prior_share(1), prior_share(2), prior_share(3)];
        for (i, s) in shares.iter().enumerate() {
            dynamics.prior_share[i].push(*s);
        }
        dynamics.return_to_past.push(shares[2] - shares[1]);
        let (j30, j32) = (jac(0, 3), jac(2, 3));
        dynamics.jaccard_w3_prior.push(j30);
        dynamics.jaccard_w3_w2.push(j32);
        dynamics.return_to_past_jaccard.push(j30 - j32);
        dynamics.jaccard_12.push(jac(1, 2));
        dynamics
            .jaccard_all_12
            .push(cmp(1, 2).map_or(f64::NAN, |c| c.jaccard_all));
        let [pre, born] = survival_of
            .get(&(p.clone(), layer.to_string()))
            .copied()
            .unwrap_or([f64::NAN; 2]);
        dynamics.survival_pre.push(pre);
        dynamics.survival_born.push(born);
        dynamics.survival_gap.push(pre - born);
        let counts = survival_counts
            .get(&(p.clone(), layer.to_string()))
            .copied()
            .unwrap_or([(None, None); 2]);
        for (slot, (kept, seen)) in counts.into_iter().enumerate() {
            dynamics.survival_counts[2 * slot].push(kept);
            dynamics.survival_counts[2 * slot + 1].push(seen);
        }
        let entrants = entrants_w2.get(p);
        let have_12 = w[1].is_some() && w[2].is_some();
        let count =
            |s: &str| have_12.then(|| entrants.and_then(|e| e.get(s)).copied().unwrap_or(0));
        dynamics
            .entrants_w2
            .push(have_12.then(|| entrants.map_or(0, |e| e.values().sum())));
        for (i, s) in SECTORS.iter().enumerate() {
            dynamics.entrants_w2_sector[i].push(count(s));
        }
        let type_of = |wave: i64| types.get(&(p.clone(), wave, params.layer.clone())).cloned();
        let (t1, t2, t3) = (type_of(1), type_of(2), type_of(3));
        dynamics.type_kept_12.push(match (&t1, &t2) {
            (Some(a), Some(b)) if a != "empty" && b != "empty" => {
                Some(base_type(a) == base_type(b))
            }
            _ => None,
        });
        dynamics.type_w[0].push(t1);
        dynamics.type_w[1].push(t2);
        dynamics.type_w[2].push(t3);
        // Continuity: wave-1 organisations with an `after` tie, among those that answered the
        // wave-3 survey (a non-respondent's own initiatives are unknown, not absent).
        let (base, with_after, share) = match (&w[1], &after) {
            (Some(n1), Some(after)) => {
                let active: BTreeSet<&String> = after.keys().flat_map(|(s, t)| [s, t]).collect();
                let seen3 = answered(p, 3);
                let base: Vec<&String> = n1
                    .nodes
                    .iter()
                    .filter(|o| mode == Dyads::All || seen3.is_none_or(|s| s.contains(*o)))
                    .collect();
                let k = base.iter().filter(|o| active.contains(*o)).count();
                #[allow(clippy::cast_precision_loss)]
                let share = if base.is_empty() {
                    f64::NAN
                } else {
                    k as f64 / base.len() as f64
                };
                (Some(as_i64(base.len())), Some(as_i64(k)), share)
            }
            _ => (None, None, f64::NAN),
        };
        dynamics.continuity_base.push(base);
        dynamics.continuity_actors.push(with_after);
        dynamics.continuity_share.push(share);
    }

    let mut summary = summarise(&comparisons, &dynamics, &params, compared.len());
    let later: BTreeSet<i64> = nets
        .keys
        .iter()
        .map(|(_, w, _)| *w)
        .filter(|w| *w > 3)
        .collect();
    if !later.is_empty() {
        summary.push(format!(
            "waves after 3 ({}) are not compared: compare_waves knows the prior layer and waves 1–3",
            later
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut tables = BTreeMap::new();
    tables.insert(
        "wave_comparison".to_string(),
        comparison_frame(&comparisons)?,
    );
    tables.insert("actor_turnover".to_string(), turnover.frame()?);
    tables.insert("tie_survival".to_string(), survival.frame()?);
    tables.insert("project_dynamics".to_string(), dynamics.frame()?);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary,
    })
}

fn as_i64(x: usize) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

fn read_actors(actors: &DataFrame) -> Result<BTreeMap<String, ActorInfo>, StageError> {
    let ids = col_str(actors, "actor_id")?;
    let types = col_str(actors, "type_code")?;
    let sectors = col_str(actors, "sector")?;
    Ok(ids
        .into_iter()
        .zip(types.into_iter().zip(sectors))
        .map(|(id, (type_code, sector))| (id, ActorInfo { type_code, sector }))
        .collect())
}

/// Network type per (project, wave, layer) from `compute_metrics.network_metrics`.
fn read_types(table: Option<&DataFrame>) -> Result<BTreeMap<NetKey, String>, StageError> {
    let Some(t) = table else {
        return Ok(BTreeMap::new());
    };
    let (p, l, label) = (
        col_str(t, "project")?,
        col_str(t, "layer")?,
        col_str(t, "network_type")?,
    );
    let w = crate::networks::col_i64(t, "wave")?;
    Ok((0..p.len())
        .map(|i| ((p[i].clone(), w[i], l[i].clone()), label[i].clone()))
        .collect())
}

/// Mean of the finite values; NaN when none.
#[must_use]
pub fn finite_mean(values: &[f64]) -> f64 {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        f64::NAN
    } else {
        #[allow(clippy::cast_precision_loss)]
        let n = finite.len() as f64;
        finite.iter().sum::<f64>() / n
    }
}

fn summarise(
    comparisons: &[Comparison],
    d: &DynamicsRows,
    params: &Params,
    layers: usize,
) -> Vec<String> {
    let projects = d.project.len();
    vec![
        format!(
            "{} comparisons of {projects} projects on {layers} layers (QAP with {} permutations)",
            comparisons.len(),
            params.qap_permutations
        ),
        format!(
            "layer {}: mean prior share of ties w1 {:.3}, w2 {:.3}, w3 {:.3}; mean Jaccard 1→2 {:.3} (common actors); mean survival of w2 ties to w3: pre-existing {:.3}, project-born {:.3}; mean continuity share {:.3}",
            params.layer,
            finite_mean(&d.prior_share[0]),
            finite_mean(&d.prior_share[1]),
            finite_mean(&d.prior_share[2]),
            finite_mean(&d.jaccard_12),
            finite_mean(&d.survival_pre),
            finite_mean(&d.survival_born),
            finite_mean(&d.continuity_share),
        ),
    ]
}

fn comparison_frame(rows: &[Comparison]) -> Result<DataFrame, StageError> {
    let u =
        |f: fn(&Comparison) -> usize| -> Vec<i64> { rows.iter().map(|c| as_i64(f(c))).collect() };
    let f = |f: fn(&Comparison) -> f64| -> Vec<f64> { rows.iter().map(f).collect() };
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "project".into(),
            rows.iter().map(|c| c.project.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "layer".into(),
            rows.iter().map(|c| c.layer.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "from_wave".into(),
            rows.iter().map(|c| c.from).collect::<Vec<_>>(),
        ),
        Column::new(
            "to_wave".into(),
            rows.iter().map(|c| c.to).collect::<Vec<_>>(),
        ),
        Column::new("actors_from".into(), u(|c| c.actors_from)),
        Column::new("actors_to".into(), u(|c| c.actors_to)),
        Column::new("actors_common".into(), u(|c| c.change.actors_common)),
        Column::new("dyads".into(), u(|c| c.change.dyads)),
        Column::new("n11".into(), u(|c| c.change.n11)),
        Column::new("n10".into(), u(|c| c.change.n10)),
        Column::new("n01".into(), u(|c| c.change.n01)),
        Column::new("n00".into(), u(|c| c.change.n00)),
        Column::new("jaccard".into(), f(|c| c.change.jaccard())),
        Column::new("hamming".into(), u(|c| c.change.hamming())),
        Column::new("persistence".into(), f(|c| c.change.persistence())),
        Column::new("formation".into(), f(|c| c.change.formation())),
        Column::new("jaccard_all".into(), f(|c| c.jaccard_all)),
        Column::new("qap_r".into(), f(|c| c.qap_r)),
        Column::new("qap_p".into(), f(|c| c.qap_p)),
    ])?)
}

#[derive(Default)]
struct TurnoverRows {
    project: Vec<String>,
    from_wave: Vec<i64>,
    to_wave: Vec<i64>,
    sector: Vec<String>,
    type_code: Vec<String>,
    stayers: Vec<i64>,
    entrants: Vec<i64>,
    exits: Vec<i64>,
}

impl TurnoverRows {
    fn frame(self) -> Result<DataFrame, StageError> {
        let df = DataFrame::new_infer_height(vec![
            Column::new("project".into(), self.project),
            Column::new("from_wave".into(), self.from_wave),
            Column::new("to_wave".into(), self.to_wave),
            Column::new("sector".into(), self.sector),
            Column::new("type_code".into(), self.type_code),
            Column::new("stayers".into(), self.stayers),
            Column::new("entrants".into(), self.entrants),
            Column::new("exits".into(), self.exits),
        ])?;
        // Rows were pushed per project and pair in TURNOVER_PAIRS order (1→2, 1→3, 2→3), each
        // pair's rows sorted by sector and type: already sorted on the key.
        Ok(df)
    }
}

#[derive(Default)]
struct SurvivalRows {
    project: Vec<String>,
    layer: Vec<String>,
    origin: Vec<String>,
    ties: Vec<i64>,
    survived_w2: Vec<Option<i64>>,
    survived_w3: Vec<Option<i64>>,
    share_w3: Vec<f64>,
    w2_observed_w3: Vec<Option<i64>>,
    w2_to_w3: Vec<Option<i64>>,
    share_w3_of_w2: Vec<f64>,
}

impl SurvivalRows {
    fn frame(self) -> Result<DataFrame, StageError> {
        Ok(DataFrame::new_infer_height(vec![
            Column::new("project".into(), self.project),
            Column::new("layer".into(), self.layer),
            Column::new("origin".into(), self.origin),
            Column::new("ties".into(), self.ties),
            Column::new("survived_w2".into(), self.survived_w2),
            Column::new("survived_w3".into(), self.survived_w3),
            Column::new("share_w3".into(), self.share_w3),
            Column::new("w2_observed_w3".into(), self.w2_observed_w3),
            Column::new("w2_to_w3".into(), self.w2_to_w3),
            Column::new("share_w3_of_w2".into(), self.share_w3_of_w2),
        ])?)
    }
}

#[derive(Default)]
struct DynamicsRows {
    project: Vec<String>,
    layer: Vec<String>,
    actors: [Vec<Option<i64>>; 3],
    ties: [Vec<Option<i64>>; 4],
    ties_after: Vec<Option<i64>>,
    actors_change_12: Vec<Option<i64>>,
    actors_seen_12: [Vec<Option<i64>>; 2],
    actors_change_12_seen: Vec<Option<i64>>,
    actors_change_23: Vec<Option<i64>>,
    ties_change_12: Vec<Option<i64>>,
    ties_change_23: Vec<Option<i64>>,
    ties_ratio_32: Vec<f64>,
    prior_share: [Vec<f64>; 3],
    return_to_past: Vec<f64>,
    jaccard_w3_prior: Vec<f64>,
    jaccard_w3_w2: Vec<f64>,
    return_to_past_jaccard: Vec<f64>,
    jaccard_12: Vec<f64>,
    jaccard_all_12: Vec<f64>,
    survival_pre: Vec<f64>,
    survival_born: Vec<f64>,
    survival_gap: Vec<f64>,
    /// kept and observed wave-2 ties, pre-existing then project-born.
    survival_counts: [Vec<Option<i64>>; 4],
    entrants_w2: Vec<Option<i64>>,
    entrants_w2_sector: [Vec<Option<i64>>; 4],
    type_w: [Vec<Option<String>>; 3],
    type_kept_12: Vec<Option<bool>>,
    continuity_base: Vec<Option<i64>>,
    continuity_actors: Vec<Option<i64>>,
    continuity_share: Vec<f64>,
}

impl DynamicsRows {
    fn frame(self) -> Result<DataFrame, StageError> {
        let [a1, a2, a3] = self.actors;
        let [t0, t1, t2, t3] = self.ties;
        let [s1, s2, s3] = self.prior_share;
        let [e_pub, e_ts, e_priv, e_other] = self.entrants_w2_sector;
        let [ty1, ty2, ty3] = self.type_w;
        let [seen1, seen2] = self.actors_seen_12;
        let [pre_kept, pre_seen, born_kept, born_seen] = self.survival_counts;
        Ok(DataFrame::new_infer_height(vec![
            Column::new("project".into(), self.project),
            Column::new("layer".into(), self.layer),
            Column::new("actors_w1".into(), a1),
            Column::new("actors_w2".into(), a2),
            Column::new("actors_w3".into(), a3),
            Column::new("ties_prior".into(), t0),
            Column::new("ties_w1".into(), t1),
            Column::new("ties_w2".into(), t2),
            Column::new("ties_w3".into(), t3),
            Column::new("ties_after".into(), self.ties_after),
            Column::new("actors_change_12".into(), self.actors_change_12),
            Column::new("actors_w1_seen_12".into(), seen1),
            Column::new("actors_w2_seen_12".into(), seen2),
            Column::new("actors_change_12_seen".into(), self.actors_change_12_seen),
            Column::new("actors_change_23".into(), self.actors_change_23),
            Column::new("ties_change_12".into(), self.ties_change_12),
            Column::new("ties_change_23".into(), self.ties_change_23),
            Column::new("ties_ratio_32".into(), self.ties_ratio_32),
            Column::new("prior_share_w1".into(), s1),
            Column::new("prior_share_w2".into(), s2),
            Column::new("prior_share_w3".into(), s3),
            Column::new("return_to_past".into(), self.return_to_past),
            Column::new("jaccard_w3_prior".into(), self.jaccard_w3_prior),
            Column::new("jaccard_w3_w2".into(), self.jaccard_w3_w2),
            Column::new("return_to_past_jaccard".into(), self.return_to_past_jaccard),
            Column::new("jaccard_12".into(), self.jaccard_12),
            Column::new("jaccard_all_12".into(), self.jaccard_all_12),
            Column::new("survival_pre".into(), self.survival_pre),
            Column::new("survival_born".into(), self.survival_born),
            Column::new("survival_gap".into(), self.survival_gap),
            Column::new("survival_pre_kept".into(), pre_kept),
            Column::new("survival_pre_observed".into(), pre_seen),
            Column::new("survival_born_kept".into(), born_kept),
            Column::new("survival_born_observed".into(), born_seen),
            Column::new("entrants_w2".into(), self.entrants_w2),
            Column::new("entrants_w2_public".into(), e_pub),
            Column::new("entrants_w2_third_sector".into(), e_ts),
            Column::new("entrants_w2_private".into(), e_priv),
            Column::new("entrants_w2_other".into(), e_other),
            Column::new("type_w1".into(), ty1),
            Column::new("type_w2".into(), ty2),
            Column::new("type_w3".into(), ty3),
            Column::new("type_kept_12".into(), self.type_kept_12),
            Column::new("continuity_base".into(), self.continuity_base),
            Column::new("continuity_actors".into(), self.continuity_actors),
            Column::new("continuity_share".into(), self.continuity_share),
        ])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Project P: A (ente gestore, public), B and C (third sector), D (private); E (third
    /// sector) joins in wave 2. Prior A–B, A–C; wave 1 A–B, A–C, B–D; wave 2 A–B, B–D, A–E, C–E;
    /// wave 3 A–B, A–C and the `after` tie A–B. Everyone answers waves 1 and 2; D does not
    /// answer wave 3.
    fn input(params: &str) -> StageInput {
        let ties: [(i64, &str, &str, &str); 12] = [
            (0, "prior", "A", "B"),
            (0, "prior", "A", "C"),
            (1, "collaboration", "A", "B"),
            (1, "collaboration", "A", "C"),
            (1, "collaboration", "B", "D"),
            (2, "collaboration", "A", "B"),
            (2, "collaboration", "B", "D"),
            (2, "collaboration", "A", "E"),
            (2, "collaboration", "C", "E"),
            (3, "collaboration", "A", "B"),
            (3, "collaboration", "A", "C"),
            (3, "after", "A", "B"),
        ];
        let col = |f: fn(&(i64, &str, &str, &str)) -> String| -> Vec<String> {
            ties.iter().map(f).collect()
        };
        let ties_df = DataFrame::new_infer_height(vec![
            Column::new("project".into(), vec!["P"; ties.len()]),
            Column::new("wave".into(), ties.iter().map(|t| t.0).collect::<Vec<_>>()),
            Column::new("layer".into(), col(|t| t.1.to_string())),
            Column::new("source".into(), col(|t| t.2.to_string())),
            Column::new("target".into(), col(|t| t.3.to_string())),
            Column::new("weight".into(), vec![1i64; ties.len()]),
        ])
        .unwrap();
        let mut roster: Vec<(i64, &str, bool)> = Vec::new();
        for w in 1..=3 {
            for o in ["A", "B", "C", "D"] {
                roster.push((w, o, !(w == 3 && o == "D")));
            }
        }
        roster.push((2, "E", true));
        let roster_df = DataFrame::new_infer_height(vec![
            Column::new("project".into(), vec!["P"; roster.len()]),
            Column::new(
                "wave".into(),
                roster.iter().map(|r| r.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "organisation".into(),
                roster.iter().map(|r| r.1).collect::<Vec<_>>(),
            ),
            Column::new(
                "responded".into(),
                roster.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
        ])
        .unwrap();
        let ids = ["A", "B", "C", "D", "E"];
        let matches = DataFrame::new_infer_height(vec![
            Column::new("raw_name".into(), ids.to_vec()),
            Column::new("actor_id".into(), ids.to_vec()),
            Column::new("projects".into(), vec!["P"; 5]),
        ])
        .unwrap();
        let actors = DataFrame::new_infer_height(vec![
            Column::new("actor_id".into(), ids.to_vec()),
            Column::new(
                "type_code".into(),
                vec![
                    "eg_consortium",
                    "social_coop_a",
                    "association",
                    "firm",
                    "association",
                ],
            ),
            Column::new(
                "sector".into(),
                vec![
                    "public",
                    "third_sector",
                    "third_sector",
                    "private",
                    "third_sector",
                ],
            ),
        ])
        .unwrap();
        let mut tables = BTreeMap::new();
        tables.insert("ties".to_string(), ties_df);
        tables.insert("roster".to_string(), roster_df);
        tables.insert("actor_matches".to_string(), matches);
        tables.insert("actors".to_string(), actors);
        let params: toml::Table = toml::from_str(params).unwrap();
        StageInput {
            stage: "compare_waves".into(),
            tables,
            files: BTreeMap::new(),
            params: crate::normalize_params("compare_waves", &params).unwrap(),
            seed: 1,
            ..StageInput::default()
        }
    }

    fn f(df: &DataFrame, col: &str, row: usize) -> f64 {
        df.column(col)
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .get(row)
            .unwrap_or(f64::NAN)
    }

    fn close(got: f64, want: f64, what: &str) {
        assert!((got - want).abs() < 1e-12, "{what}: {got} vs {want}");
    }

    fn row_of(df: &DataFrame, from: i64, to: i64, layer: &str) -> usize {
        let (fw, tw) = (
            crate::networks::col_i64(df, "from_wave").unwrap(),
            crate::networks::col_i64(df, "to_wave").unwrap(),
        );
        let l = col_str(df, "layer").unwrap();
        (0..df.height())
            .find(|&i| fw[i] == from && tw[i] == to && l[i] == layer)
            .unwrap()
    }

    #[test]
    fn comparisons_on_a_hand_made_project() {
        let out = run(&input("qap_permutations = 0")).unwrap();
        let wc = &out.tables["wave_comparison"];
        // Layers compared: collaboration and `any` (after only in wave 3; prior is wave 0).
        assert_eq!(wc.height(), 12);
        let r = row_of(wc, 1, 2, "collaboration");
        // Common actors A B C D, all dyads observed: from AB AC BD, to AB BD.
        for (col, want) in [
            ("actors_from", 4.0),
            ("actors_to", 5.0),
            ("actors_common", 4.0),
            ("dyads", 6.0),
            ("n11", 2.0),
            ("n10", 1.0),
            ("n01", 0.0),
            ("n00", 3.0),
            ("jaccard", 2.0 / 3.0),
            ("hamming", 1.0),
            ("persistence", 2.0 / 3.0),
            ("formation", 0.0),
            ("jaccard_all", 0.4),
        ] {
            close(f(wc, col, r), want, col);
        }
        assert!(f(wc, "qap_p", r).is_nan(), "no permutations asked");
        let r = row_of(wc, 2, 3, "collaboration");
        close(f(wc, "jaccard", r), 1.0 / 3.0, "jaccard 2→3");
        let r = row_of(wc, 0, 3, "collaboration");
        close(f(wc, "jaccard", r), 1.0, "jaccard prior→3");

        let ts = &out.tables["tie_survival"];
        let origins = col_str(ts, "origin").unwrap();
        let layers = col_str(ts, "layer").unwrap();
        let pre = (0..ts.height())
            .find(|&i| origins[i] == "pre_existing" && layers[i] == "collaboration")
            .unwrap();
        let born = pre + 1;
        assert_eq!(origins[born], "project_born");
        for (col, want_pre, want_born) in [
            ("ties", 2.0, 3.0),
            ("survived_w2", 1.0, 3.0),
            ("survived_w3", 2.0, 0.0),
            ("share_w3", 1.0, 0.0),
            ("w2_observed_w3", 1.0, 3.0),
            ("w2_to_w3", 1.0, 0.0),
            ("share_w3_of_w2", 1.0, 0.0),
        ] {
            close(f(ts, col, pre), want_pre, col);
            close(f(ts, col, born), want_born, col);
        }

        let d = &out.tables["project_dynamics"];
        for (col, want) in [
            ("actors_w1", 4.0),
            ("actors_w2", 5.0),
            ("actors_w3", 4.0),
            ("ties_prior", 2.0),
            ("ties_w1", 3.0),
            ("ties_w2", 4.0),
            ("ties_w3", 2.0),
            ("ties_after", 1.0),
            ("actors_change_12", 1.0),
            // Everyone answered waves 1 and 2: every tie's dyad is seen by both.
            ("actors_w1_seen_12", 4.0),
            ("actors_w2_seen_12", 5.0),
            ("actors_change_12_seen", 1.0),
            ("actors_change_23", -1.0),
            ("ties_change_12", 1.0),
            ("ties_change_23", -2.0),
            ("ties_ratio_32", 0.5),
            ("prior_share_w1", 2.0 / 3.0),
            ("prior_share_w2", 0.25),
            ("prior_share_w3", 1.0),
            ("return_to_past", 0.75),
            ("jaccard_w3_prior", 1.0),
            ("jaccard_w3_w2", 1.0 / 3.0),
            ("return_to_past_jaccard", 2.0 / 3.0),
            ("jaccard_12", 2.0 / 3.0),
            ("jaccard_all_12", 0.4),
            ("survival_pre", 1.0),
            ("survival_born", 0.0),
            ("survival_gap", 1.0),
            // Wave-2 ties A–B (pre-existing; kept) and B–D, A–E, C–E (project-born; none kept),
            // all observed in wave 3 through an endpoint that answered it.
            ("survival_pre_kept", 1.0),
            ("survival_pre_observed", 1.0),
            ("survival_born_kept", 0.0),
            ("survival_born_observed", 3.0),
            ("entrants_w2", 1.0),
            ("entrants_w2_third_sector", 1.0),
            ("entrants_w2_private", 0.0),
            // D did not answer wave 3: the base is A, B, C; A and B have the `after` tie.
            ("continuity_base", 3.0),
            ("continuity_actors", 2.0),
            ("continuity_share", 2.0 / 3.0),
        ] {
            close(f(d, col, 0), want, col);
        }

        let t = &out.tables["actor_turnover"];
        let sectors = col_str(t, "sector").unwrap();
        let fw = crate::networks::col_i64(t, "from_wave").unwrap();
        let tw = crate::networks::col_i64(t, "to_wave").unwrap();
        let entrants: f64 = (0..t.height())
            .filter(|&i| fw[i] == 1 && tw[i] == 2 && sectors[i] == "third_sector")
            .map(|i| f(t, "entrants", i))
            .sum();
        close(entrants, 1.0, "third-sector entrants 1→2");
    }

    #[test]
    fn dyads_follow_the_symmetrisation_rule() {
        // Both answered: D did not answer wave 3, so dyads with D are missing at 2→3.
        let out = run(&input("dyads = \"both_answered\"\nqap_permutations = 0")).unwrap();
        let wc = &out.tables["wave_comparison"];
        let r = row_of(wc, 2, 3, "collaboration");
        close(f(wc, "dyads", r), 3.0, "dyads");
        close(f(wc, "jaccard", r), 0.5, "jaccard");
        // All dyads: the continuity base is every wave-1 organisation.
        let out = run(&input("dyads = \"all\"\nqap_permutations = 0")).unwrap();
        let d = &out.tables["project_dynamics"];
        close(f(d, "continuity_share", 0), 0.5, "continuity over all");
    }

    #[test]
    fn waves_after_the_third_are_not_compared_and_the_summary_says_so() {
        let mut inp = input("qap_permutations = 0");
        let extra = DataFrame::new_infer_height(vec![
            Column::new("project".into(), vec!["P"]),
            Column::new("wave".into(), vec![4i64]),
            Column::new("layer".into(), vec!["collaboration"]),
            Column::new("source".into(), vec!["A"]),
            Column::new("target".into(), vec!["B"]),
            Column::new("weight".into(), vec![1i64]),
        ])
        .unwrap();
        let ties = inp.tables.get_mut("ties").unwrap();
        ties.vstack_mut(&extra).unwrap();
        let out = run(&inp).unwrap();
        assert_eq!(out.tables["wave_comparison"].height(), 12);
        assert!(
            out.summary
                .iter()
                .any(|l| l.starts_with("waves after 3 (4) are not compared")),
            "{:?}",
            out.summary
        );
    }

    #[test]
    fn a_layer_the_table_lacks_is_a_clear_error() {
        let err = run(&input("layer = \"collaborazione\"")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "param `layer` = `collaborazione` names no layer of waves 1–3 in the ties table (layers: `after`, `any`, `collaboration`)"
        );
    }

    #[test]
    fn qap_runs_with_the_same_bits_whatever_the_thread_count() {
        let bytes = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    let out = run(&input("qap_permutations = 99")).unwrap();
                    let wc = &out.tables["wave_comparison"];
                    (0..wc.height())
                        .map(|i| f(wc, "qap_p", i).to_bits())
                        .collect::<Vec<_>>()
                })
        };
        assert_eq!(bytes(1), bytes(4));
    }
}
