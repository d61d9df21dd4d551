//! `findings`: the evaluators' findings F1–F8 (DESIGN §2) as measured rows — metric, value, a
//! percentile-bootstrap interval over projects, the rule in words, and a verdict — on the main
//! branch and again on the branch built from confirmed ties only.
//!
//! A finding is one or more *checks*. A check compares an interval with a threshold: it holds
//! when the whole interval is on the finding's side, fails when the whole interval is on the other
//! side (or on the threshold), and is open when the interval straddles it; a few checks are facts
//! of the sample (a type observed at all, a discontinuity coded in some project) that hold or
//! fail. The verdict is `supported` when every check holds, `not_supported` when one fails, and
//! `inconclusive` otherwise. The first check gives the row's metric, value and interval; the
//! `detail` column prints every check with its numbers.
//!
//! Intervals: percentile bootstrap over projects ([`crate::resample::bootstrap`]), `bootstrap`
//! replicates, each statistic with its own seed derived from the stage seed, the finding and the
//! statistic's name — the same draws on both branches, so a verdict that changes between them
//! changes because of the data, not the draws. Projects where a quantity is undefined (no
//! wave-3 network, no tie to share) are left out of that statistic (`n` says how many remain).
//!
//! The default rules (each threshold a param; justified in the README):
//! - F1: mean share of wave-1 ties already in the prior layer above `f1_share` (0.5: "largely").
//! - F2: the three base types (`…_weak` counts as its base type) all observed at `type_wave` and
//!   the EG-centred share minus the next type's share above 0.
//! - F3: mean tie Jaccard 1→2 on common actors above `f3_jaccard` (0.3, RSiena's rule of thumb
//!   for networks stable enough to model together) and the share of projects keeping their wave-1
//!   type in wave 2 above `f3_type_kept` (0.5).
//! - F4: mean change in actors 1→2 above `f4_actor_change` (0), among wave-2 entrants the
//!   third-sector share minus the private share above `f4_sector_margin` (0), and some private
//!   entrant at all. The actors counted are the surveyed organisations and the endpoints of ties
//!   whose dyad both waves observed (`actors_change_12_seen`): with every reported tie, a wave
//!   that fewer organisations answered loses the actors only they named, and the change measures
//!   response, not enlargement (the raw change is reported beside it).
//! - F5: mean ratio of wave-3 to wave-2 ties below `f5_ratio` (1).
//! - F6: mean rise of the pre-existing share of ties from wave 2 to wave 3 above `f6_margin` (0)
//!   and the survival gap (share of pre-existing minus share of project-born wave-2 ties still
//!   there in wave 3) above `f6_margin`. The gap is pooled over projects (ratios of sums, whole
//!   projects resampled): a project has a handful of ties of each origin, so its own gap is
//!   mostly noise and a mean of such gaps weights a 2-tie project like a 40-tie one. The mean of
//!   the projects' gaps and the Jaccard form J(W3, prior) − J(W3, W2) are reported beside it.
//! - F7: the pooled continuity share's interval contains `f7_reported` (0.42) and is at most
//!   `f7_max_width` (0.30) wide.
//! - F8 (from the projects file): share of projects with an implementation level in
//!   `f8_levels` above `f8_majority`; each of `f8_discontinuities` coded in at least
//!   `f8_min_projects` projects; share with unified management below `f8_rare_share`.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare_waves::base_type;
use crate::networks::{col_i64, col_str};
use crate::resample::{bootstrap, derive_seed, percentile_interval, Interval};
use crate::{InputFile, KindSpec, Slot, StageError, StageInput, StageOutput};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "findings",
    summary: "findings F1–F8: metric, bootstrap interval over projects, rule and verdict, on all ties and on confirmed ties",
    slots: &[
        Slot { name: "project_dynamics", numbered: false, required: true, table: true, doc: "compare_waves.project_dynamics" },
        Slot { name: "network_types", numbered: false, required: true, table: true, doc: "compute_metrics.network_types" },
        Slot { name: "project_dynamics_confirmed", numbered: false, required: false, table: true, doc: "project_dynamics of the branch on confirmed ties (clean_actors symmetrize = \"intersection\")" },
        Slot { name: "network_types_confirmed", numbered: false, required: false, table: true, doc: "network_types of the branch on confirmed ties" },
        Slot { name: "projects", numbered: false, required: false, table: false, doc: "projects.csv with the case-study coding (F8)" },
    ],
    outputs: &["findings"],
    normalize: |t| crate::params::normalize_checked::<Params>(t, check_params),
    run,
};

/// A discontinuity of F8: projects with `focus` = 1 that also have `change` = 1.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Discontinuity {
    /// Column of the projects file flagging the field (e.g. `minors_families_focus`).
    pub focus: String,
    /// Column flagging the change (e.g. `prevention_shift`).
    pub change: String,
}

/// Params of `findings`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_field_names)]
pub struct Params {
    /// Bootstrap replicates per interval.
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
    /// Coverage of the percentile intervals.
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// F1: the mean pre-existing share of wave-1 ties must be above this.
    #[serde(default = "d050")]
    pub f1_share: f64,
    /// F2: the wave whose network types are counted.
    #[serde(default = "default_type_wave")]
    pub type_wave: i64,
    /// F3: the mean tie Jaccard 1→2 must be above this.
    #[serde(default = "d030")]
    pub f3_jaccard: f64,
    /// F3: the share of projects keeping their type from wave 1 to 2 must be above this.
    #[serde(default = "d050")]
    pub f3_type_kept: f64,
    /// F4: the mean change in actors from wave 1 to 2 must be above this.
    #[serde(default)]
    pub f4_actor_change: f64,
    /// F4: third-sector minus private share of wave-2 entrants must be above this.
    #[serde(default)]
    pub f4_sector_margin: f64,
    /// F5: the mean ratio of wave-3 to wave-2 ties must be below this.
    #[serde(default = "d100")]
    pub f5_ratio: f64,
    /// F6: the rise of the pre-existing share and the survival gap must be above this.
    #[serde(default)]
    pub f6_margin: f64,
    /// F7: the share the evaluators reported.
    #[serde(default = "default_f7_reported")]
    pub f7_reported: f64,
    /// F7: the widest interval that can still say "about" the reported share.
    #[serde(default = "d030")]
    pub f7_max_width: f64,
    /// F8: column of the projects file with the implementation level.
    #[serde(default = "default_level_column")]
    pub f8_level_column: String,
    /// F8: levels that count as partial implementation.
    #[serde(default = "default_levels")]
    pub f8_levels: Vec<String>,
    /// F8: the share of projects at those levels must be above this.
    #[serde(default = "d050")]
    pub f8_majority: f64,
    /// F8: the two partial discontinuities, as (field, change) columns.
    #[serde(default = "default_discontinuities")]
    pub f8_discontinuities: Vec<Discontinuity>,
    /// F8: a discontinuity is present when coded in at least this many projects.
    #[serde(default = "default_min_projects")]
    pub f8_min_projects: usize,
    /// F8: column flagging unified management over a wider territory.
    #[serde(default = "default_unified_column")]
    pub f8_unified_column: String,
    /// F8: the share of projects with unified management must be below this ("rare").
    #[serde(default = "d025")]
    pub f8_rare_share: f64,
}

fn default_bootstrap() -> usize {
    9999
}
fn default_confidence() -> f64 {
    0.95
}
fn default_type_wave() -> i64 {
    1
}
fn default_f7_reported() -> f64 {
    0.42
}
fn default_level_column() -> String {
    "implementation_level".into()
}
fn default_levels() -> Vec<String> {
    vec!["partial".into(), "limited".into()]
}
fn default_discontinuities() -> Vec<Discontinuity> {
    vec![
        Discontinuity {
            focus: "minors_families_focus".into(),
            change: "prevention_shift".into(),
        },
        Discontinuity {
            focus: "social_housing_focus".into(),
            change: "new_policy_tools".into(),
        },
    ]
}
fn default_min_projects() -> usize {
    1
}
fn default_unified_column() -> String {
    "unified_management".into()
}
fn d025() -> f64 {
    0.25
}
fn d030() -> f64 {
    0.3
}
fn d050() -> f64 {
    0.5
}
fn d100() -> f64 {
    1.0
}

/// What the evaluators reported, as `statement`.
const STATEMENTS: [(&str, &str); 8] = [
    ("F1", "Wave-1 implementation networks largely replicate relations that existed before the project."),
    ("F2", "Networks differ by territory, in three types: centred on the ente gestore (the most common), centred on a third-sector organisation, polycentric."),
    ("F3", "During implementation (wave 2) networks consolidated the structure they had at the start."),
    ("F4", "Wave 2 shows a partial enlargement, mainly to third-sector actors and, less, to locally rooted firms."),
    ("F5", "After the end (wave 3) networks thin out."),
    ("F6", "Wave 3 is a \"return to the past\": relations look like the pre-project arrangement again."),
    ("F7", "About 42% of the organisations present at the start collaborated on new initiatives after the end."),
    ("F8", "Implementation was partial, with two partial discontinuities (prevention for minors and fragile families; cooperative relations in social-housing neighbourhoods) and no progress on unified management over wider territories."),
];

/// Three-valued outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Holds,
    Fails,
    Open,
}

/// Which side of a threshold a check wants its interval on.
#[derive(Debug, Clone, Copy)]
enum Side {
    Above(f64),
    Below(f64),
    /// The interval contains the value and is at most this wide.
    Contains(f64, f64),
    /// A fact of the sample, no interval (`None`: the data to judge it are missing).
    Fact(Option<bool>),
    /// Reported beside the others, not judged.
    Report,
}

/// One check of a finding.
#[derive(Debug, Clone)]
struct Check {
    metric: String,
    value: f64,
    interval: Interval,
    n: usize,
    side: Side,
}

impl Check {
    fn outcome(&self) -> Tri {
        let (lo, hi) = (self.interval.low, self.interval.high);
        let known = lo.is_finite() && hi.is_finite();
        match self.side {
            Side::Fact(Some(true)) | Side::Report => Tri::Holds,
            Side::Fact(Some(false)) => Tri::Fails,
            Side::Fact(None) => Tri::Open,
            _ if !known => Tri::Open,
            Side::Above(t) if lo > t => Tri::Holds,
            Side::Above(t) if hi <= t => Tri::Fails,
            Side::Below(t) if hi < t => Tri::Holds,
            Side::Below(t) if lo >= t => Tri::Fails,
            Side::Contains(v, _) if v < lo || v > hi => Tri::Fails,
            Side::Contains(_, w) if hi - lo <= w => Tri::Holds,
            _ => Tri::Open,
        }
    }

    fn describe(&self) -> String {
        let outcome = match (self.side, self.outcome()) {
            (Side::Report, _) => "reported",
            (_, Tri::Holds) => "holds",
            (_, Tri::Fails) => "fails",
            (_, Tri::Open) => "open",
        };
        match self.side {
            Side::Fact(_) => format!("{} ({outcome})", self.metric),
            side => {
                let want = match side {
                    Side::Above(t) => format!(", wanted > {t:.2}"),
                    Side::Below(t) => format!(", wanted < {t:.2}"),
                    Side::Contains(v, w) => {
                        format!(", wanted to contain {v:.2} and be at most {w:.2} wide")
                    }
                    Side::Fact(_) | Side::Report => String::new(),
                };
                format!(
                    "{} = {} [{}, {}], n {}{want} ({outcome})",
                    self.metric,
                    num(self.value),
                    num(self.interval.low),
                    num(self.interval.high),
                    self.n
                )
            }
        }
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "NaN".to_string()
    }
}

/// The verdict of a finding's checks.
fn verdict(checks: &[Check]) -> &'static str {
    let outcomes: Vec<Tri> = checks.iter().map(Check::outcome).collect();
    if outcomes.contains(&Tri::Fails) {
        "not_supported"
    } else if outcomes.contains(&Tri::Open) || outcomes.is_empty() {
        "inconclusive"
    } else {
        "supported"
    }
}

/// Everything one branch measured.
struct Branch {
    dynamics: DataFrame,
    types: DataFrame,
}

/// Interval machinery shared by every check of a run.
struct Boot<'a> {
    params: &'a Params,
    seed: u64,
}

#[allow(clippy::cast_precision_loss)]
fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

impl Boot<'_> {
    fn seed(&self, id: &str, stat: &str) -> u64 {
        derive_seed(self.seed, &[b"findings", id.as_bytes(), stat.as_bytes()])
    }

    /// Mean of the finite values, with its interval.
    fn mean(&self, id: &str, stat: &str, values: &[f64], metric: String, side: Side) -> Check {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let reps = bootstrap(v.len(), self.params.bootstrap, self.seed(id, stat), |idx| {
            idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64
        });
        Check {
            metric,
            value: mean(&v),
            interval: percentile_interval(&reps, self.params.confidence),
            n: v.len(),
            side,
        }
    }

    /// Pooled ratio Σ num / Σ den over units with a defined denominator.
    fn ratio(
        &self,
        id: &str,
        stat: &str,
        units: &[(f64, f64)],
        metric: String,
        side: Side,
    ) -> Check {
        let u: Vec<(f64, f64)> = units
            .iter()
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        let pooled = |it: &mut dyn Iterator<Item = (f64, f64)>| {
            let (mut a, mut b) = (0.0, 0.0);
            for (x, y) in it {
                a += x;
                b += y;
            }
            if b > 0.0 {
                a / b
            } else {
                f64::NAN
            }
        };
        let reps = bootstrap(u.len(), self.params.bootstrap, self.seed(id, stat), |idx| {
            pooled(&mut idx.iter().map(|&i| u[i]))
        });
        Check {
            metric,
            value: pooled(&mut u.iter().copied()),
            interval: percentile_interval(&reps, self.params.confidence),
            n: u.len(),
            side,
        }
    }

    /// Pooled survival gap: Σ kept / Σ observed of the first group minus that of the second,
    /// over units (projects) with both groups observed; the bootstrap resamples whole projects.
    fn pooled_gap(
        &self,
        id: &str,
        stat: &str,
        units: &[[f64; 4]],
        metric: String,
        side: Side,
    ) -> Check {
        let u: Vec<[f64; 4]> = units
            .iter()
            .copied()
            .filter(|x| x.iter().all(|v| v.is_finite()))
            .collect();
        let gap = |it: &mut dyn Iterator<Item = [f64; 4]>| {
            let mut s = [0.0; 4];
            for x in it {
                for (acc, v) in s.iter_mut().zip(x) {
                    *acc += v;
                }
            }
            if s[1] > 0.0 && s[3] > 0.0 {
                s[0] / s[1] - s[2] / s[3]
            } else {
                f64::NAN
            }
        };
        let reps = bootstrap(u.len(), self.params.bootstrap, self.seed(id, stat), |idx| {
            gap(&mut idx.iter().map(|&i| u[i]))
        });
        Check {
            metric,
            value: gap(&mut u.iter().copied()),
            interval: percentile_interval(&reps, self.params.confidence),
            n: u.len(),
            side,
        }
    }

    /// A statistic of categorical labels, one per project.
    fn labels<F>(
        &self,
        id: &str,
        stat: &str,
        labels: &[String],
        f: F,
        metric: String,
        side: Side,
    ) -> Check
    where
        F: Fn(&[&str]) -> f64 + Sync,
    {
        let reps = bootstrap(
            labels.len(),
            self.params.bootstrap,
            self.seed(id, stat),
            |idx| {
                let drawn: Vec<&str> = idx.iter().map(|&i| labels[i].as_str()).collect();
                f(&drawn)
            },
        );
        let all: Vec<&str> = labels.iter().map(String::as_str).collect();
        Check {
            metric,
            value: f(&all),
            interval: percentile_interval(&reps, self.params.confidence),
            n: labels.len(),
            side,
        }
    }
}

fn fact(metric: String, holds: Option<bool>) -> Check {
    Check {
        metric,
        value: f64::NAN,
        interval: Interval {
            low: f64::NAN,
            high: f64::NAN,
            finite: 0,
        },
        n: 0,
        side: Side::Fact(holds),
    }
}

fn f64s(df: &DataFrame, slot: &str, name: &str) -> Result<Vec<f64>, StageError> {
    let col = df
        .column(name)
        .map_err(|_| StageError::Compute(format!("input `{slot}` lacks column `{name}`")))?;
    let col = col
        .cast(&DataType::Float64)
        .map_err(|_| StageError::Compute(format!("column `{name}` of `{slot}` is not a number")))?;
    Ok(col.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

fn opt_bools(df: &DataFrame, slot: &str, name: &str) -> Result<Vec<Option<bool>>, StageError> {
    let col = df
        .column(name)
        .map_err(|_| StageError::Compute(format!("input `{slot}` lacks column `{name}`")))?;
    Ok(col
        .bool()
        .map_err(|_| StageError::Compute(format!("column `{name}` of `{slot}` is not boolean")))?
        .iter()
        .collect())
}

/// The checks of F1–F7 on one branch.
#[allow(clippy::too_many_lines)]
fn network_checks(
    boot: &Boot,
    b: &Branch,
    slot: &str,
    types_slot: &str,
) -> Result<BTreeMap<&'static str, Vec<Check>>, StageError> {
    let p = boot.params;
    let d = &b.dynamics;
    let layer = col_str(d, "layer")
        .ok()
        .and_then(|v| v.into_iter().next())
        .unwrap_or_else(|| "the compared".to_string());
    let col = |name: &str| f64s(d, slot, name);
    let mut out: BTreeMap<&'static str, Vec<Check>> = BTreeMap::new();

    out.insert(
        "F1",
        vec![boot.mean(
            "F1",
            "prior_share_w1",
            &col("prior_share_w1")?,
            format!("mean share of wave-1 {layer} ties already in the prior layer"),
            Side::Above(p.f1_share),
        )],
    );

    // F2: base types at `type_wave`.
    let t = &b.types;
    let (tp, tw, tt) = (
        col_str(t, "project").map_err(|e| in_slot(types_slot, e))?,
        col_i64(t, "wave").map_err(|e| in_slot(types_slot, e))?,
        col_str(t, "network_type").map_err(|e| in_slot(types_slot, e))?,
    );
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..tp.len() {
        if tw[i] == p.type_wave {
            first.insert(tp[i].clone(), base_type(&tt[i]).to_string());
        }
    }
    let labels: Vec<String> = first.into_values().collect();
    const THREE: [&str; 3] = ["eg_centred", "third_sector_centred", "polycentric"];
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &labels {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    let count_text = counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let margin = |drawn: &[&str]| -> f64 {
        if drawn.is_empty() {
            return f64::NAN;
        }
        #[allow(clippy::cast_precision_loss)]
        let share = |t: &str| drawn.iter().filter(|l| **l == t).count() as f64 / drawn.len() as f64;
        share(THREE[0]) - share(THREE[1]).max(share(THREE[2]))
    };
    let missing: Vec<&str> = THREE
        .iter()
        .copied()
        .filter(|t| !counts.contains_key(t))
        .collect();
    out.insert(
        "F2",
        vec![
            boot.labels(
                "F2",
                "eg_margin",
                &labels,
                margin,
                format!(
                    "share of wave-{} networks eg_centred minus the next type's share (…_weak counted as its base type)",
                    p.type_wave
                ),
                Side::Above(0.0),
            ),
            fact(
                if missing.is_empty() {
                    format!("all three types observed at wave {} ({count_text})", p.type_wave)
                } else {
                    format!(
                        "not observed at wave {}: {} ({count_text})",
                        p.type_wave,
                        missing.join(", ")
                    )
                },
                Some(missing.is_empty()),
            ),
        ],
    );

    let kept: Vec<f64> = opt_bools(d, slot, "type_kept_12")?
        .into_iter()
        .map(|k| k.map_or(f64::NAN, |k| if k { 1.0 } else { 0.0 }))
        .collect();
    out.insert(
        "F3",
        vec![
            boot.mean(
                "F3",
                "jaccard_12",
                &col("jaccard_12")?,
                format!("mean tie Jaccard wave 1→2 ({layer}, actors in both waves)"),
                Side::Above(p.f3_jaccard),
            ),
            boot.mean(
                "F3",
                "type_kept_12",
                &kept,
                "share of projects keeping their wave-1 network type in wave 2".into(),
                Side::Above(p.f3_type_kept),
            ),
            boot.mean(
                "F3",
                "jaccard_all_12",
                &col("jaccard_all_12")?,
                "for reference, mean tie Jaccard 1→2 on all actors".into(),
                Side::Report,
            ),
        ],
    );

    let entrants = col("entrants_w2")?;
    let ts = col("entrants_w2_third_sector")?;
    let private = col("entrants_w2_private")?;
    let margin_units: Vec<(f64, f64)> = (0..entrants.len())
        .map(|i| (ts[i] - private[i], entrants[i]))
        .collect();
    let private_total: f64 = private.iter().filter(|x| x.is_finite()).sum();
    let any_entrants_data = entrants.iter().any(|x| x.is_finite());
    out.insert(
        "F4",
        vec![
            boot.mean(
                "F4",
                "actors_change_12_seen",
                &col("actors_change_12_seen")?,
                format!("mean change in actors from wave 1 to wave 2 ({layer}; surveyed organisations and ties whose dyad both waves observed)"),
                Side::Above(p.f4_actor_change),
            ),
            boot.ratio(
                "F4",
                "sector_margin",
                &margin_units,
                "third-sector minus private share of wave-2 entrants (pooled)".into(),
                Side::Above(p.f4_sector_margin),
            ),
            fact(
                format!("private entrants in wave 2: {private_total}"),
                any_entrants_data.then_some(private_total >= 1.0),
            ),
            boot.mean(
                "F4",
                "actors_change_12",
                &col("actors_change_12")?,
                "for reference, mean change in actors 1→2 on every reported tie (moves with who answered each wave)".into(),
                Side::Report,
            ),
        ],
    );

    out.insert(
        "F5",
        vec![boot.mean(
            "F5",
            "ties_ratio_32",
            &col("ties_ratio_32")?,
            format!("mean ratio of wave-3 to wave-2 {layer} ties"),
            Side::Below(p.f5_ratio),
        )],
    );

    let survival_cols = [
        col("survival_pre_kept")?,
        col("survival_pre_observed")?,
        col("survival_born_kept")?,
        col("survival_born_observed")?,
    ];
    let survival_units: Vec<[f64; 4]> = (0..survival_cols[0].len())
        .map(|i| std::array::from_fn(|k| survival_cols[k][i]))
        .collect();
    out.insert(
        "F6",
        vec![
            boot.mean(
                "F6",
                "return_to_past",
                &col("return_to_past")?,
                "mean rise of the pre-existing share of ties from wave 2 to wave 3".into(),
                Side::Above(p.f6_margin),
            ),
            boot.pooled_gap(
                "F6",
                "survival_gap_pooled",
                &survival_units,
                "survival to wave 3 of wave-2 ties, pre-existing minus project-born (pooled over projects)".into(),
                Side::Above(p.f6_margin),
            ),
            boot.mean(
                "F6",
                "survival_gap",
                &col("survival_gap")?,
                "for reference, mean of the projects' survival gaps".into(),
                Side::Report,
            ),
            boot.mean(
                "F6",
                "return_to_past_jaccard",
                &col("return_to_past_jaccard")?,
                "for reference, mean J(W3, prior) − J(W3, W2)".into(),
                Side::Report,
            ),
        ],
    );

    let base = col("continuity_base")?;
    let active = col("continuity_actors")?;
    let units: Vec<(f64, f64)> = (0..base.len()).map(|i| (active[i], base[i])).collect();
    out.insert(
        "F7",
        vec![
            boot.ratio(
                "F7",
                "continuity",
                &units,
                "share of wave-1 organisations (answering in wave 3) with an `after` tie, pooled"
                    .into(),
                Side::Contains(p.f7_reported, p.f7_max_width),
            ),
            boot.mean(
                "F7",
                "continuity_mean",
                &col("continuity_share")?,
                "for reference, mean of the projects' continuity shares".into(),
                Side::Report,
            ),
        ],
    );
    Ok(out)
}

fn in_slot(slot: &str, e: StageError) -> StageError {
    match e {
        StageError::Compute(m) => StageError::Compute(format!("`{slot}`: {m}")),
        other => other,
    }
}

/// The projects file as (header → value) rows with their line numbers.
type CsvRows = Vec<(u64, BTreeMap<String, String>)>;

fn read_projects(file: &InputFile) -> Result<CsvRows, StageError> {
    let bad = |line: Option<u64>, message: String| StageError::Input {
        file: file.display.clone(),
        line,
        column: None,
        message,
        hint: Some("the projects file must be a UTF-8 CSV with a header row".into()),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&file.path)
        .map_err(|e| bad(None, format!("cannot read the file: {e}")))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(Some(1), e.to_string()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| bad(Some(line), e.to_string()))?;
        let row: BTreeMap<String, String> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), v.trim().to_string()))
            .collect();
        if row.values().all(String::is_empty) {
            continue;
        }
        rows.push((line, row));
    }
    Ok(rows)
}

/// A 0/1 coding cell: `None` when empty.
fn flag(file: &InputFile, line: u64, column: &str, raw: &str) -> Result<Option<bool>, StageError> {
    match raw.to_lowercase().as_str() {
        "" => Ok(None),
        "1" | "true" | "yes" | "sì" | "si" => Ok(Some(true)),
        "0" | "false" | "no" => Ok(Some(false)),
        _ => Err(StageError::Input {
            file: file.display.clone(),
            line: Some(line),
            column: Some(column.to_string()),
            message: format!("`{raw}` is not a 0/1 coding"),
            hint: Some(
                "code the column with 1 (yes), 0 (no) or leave the cell empty (not coded)".into(),
            ),
        }),
    }
}

/// The checks of F8, from the projects file.
fn coding_checks(boot: &Boot, file: Option<&InputFile>) -> Result<Vec<Check>, StageError> {
    let p = boot.params;
    let Some(file) = file else {
        return Ok(vec![fact(
            "no `projects` file: the case-study coding is not available".into(),
            None,
        )]);
    };
    let rows = read_projects(file)?;
    let mut needed = vec![p.f8_level_column.clone(), p.f8_unified_column.clone()];
    for d in &p.f8_discontinuities {
        needed.push(d.focus.clone());
        needed.push(d.change.clone());
    }
    let present: BTreeSet<&String> = rows.iter().flat_map(|(_, r)| r.keys()).collect();
    let absent: Vec<String> = needed
        .iter()
        .filter(|c| !present.contains(c))
        .map(|c| format!("`{c}`"))
        .collect();
    if !absent.is_empty() || rows.is_empty() {
        let why = if rows.is_empty() {
            format!("{} has no project rows", file.display)
        } else {
            format!(
                "{} lacks the coding column(s) {}: the case-study coding is not available",
                file.display,
                absent.join(", ")
            )
        };
        return Ok(vec![fact(why, None)]);
    }
    let levels: BTreeSet<String> = p.f8_levels.iter().map(|l| l.to_lowercase()).collect();
    let partial: Vec<f64> = rows
        .iter()
        .filter_map(|(_, r)| {
            let level = r.get(&p.f8_level_column)?.to_lowercase();
            (!level.is_empty()).then(|| if levels.contains(&level) { 1.0 } else { 0.0 })
        })
        .collect();
    let mut unified = Vec::new();
    for (line, r) in &rows {
        let raw = r.get(&p.f8_unified_column).map_or("", String::as_str);
        if let Some(v) = flag(file, *line, &p.f8_unified_column, raw)? {
            unified.push(if v { 1.0 } else { 0.0 });
        }
    }
    let mut checks = vec![boot.mean(
        "F8",
        "partial_share",
        &partial,
        format!(
            "share of projects with implementation level {}",
            p.f8_levels.join(" or ")
        ),
        Side::Above(p.f8_majority),
    )];
    for d in &p.f8_discontinuities {
        let mut k = 0usize;
        for (line, r) in &rows {
            let get = |c: &str| r.get(c).map_or("", String::as_str);
            let focus = flag(file, *line, &d.focus, get(&d.focus))?;
            let change = flag(file, *line, &d.change, get(&d.change))?;
            k += usize::from(focus == Some(true) && change == Some(true));
        }
        checks.push(fact(
            format!(
                "projects with {} and {}: {k} (at least {})",
                d.focus, d.change, p.f8_min_projects
            ),
            Some(k >= p.f8_min_projects),
        ));
    }
    checks.push(boot.mean(
        "F8",
        "unified_share",
        &unified,
        format!("share of projects with {}", p.f8_unified_column),
        Side::Below(p.f8_rare_share),
    ));
    Ok(checks)
}

/// The rule of a finding in words.
fn rule(id: &str, p: &Params) -> String {
    let ci = format!("the {:.0}% interval", p.confidence * 100.0);
    let tail = "; not_supported when a check's interval lies wholly on the wrong side (or a fact fails); inconclusive otherwise";
    let body = match id {
        "F1" => format!("supported when {ci} of the mean pre-existing share of wave-1 ties lies above {:.2}", p.f1_share),
        "F2" => format!("supported when the three types (eg_centred, third_sector_centred, polycentric; …_weak counted as its base type) are all observed at wave {} and {ci} of the eg_centred share minus the next type's share lies above 0", p.type_wave),
        "F3" => format!("supported when {ci} of the mean tie Jaccard 1→2 on common actors lies above {:.2} (RSiena's rule of thumb) and {ci} of the share of projects keeping their type lies above {:.2}", p.f3_jaccard, p.f3_type_kept),
        "F4" => format!("supported when {ci} of the mean change in actors 1→2 (surveyed organisations and ties in dyads both waves observed) lies above {:.2}, {ci} of the third-sector minus private share of wave-2 entrants lies above {:.2}, and some wave-2 entrant is private", p.f4_actor_change, p.f4_sector_margin),
        "F5" => format!("supported when {ci} of the mean ratio of wave-3 to wave-2 ties lies below {:.2}", p.f5_ratio),
        "F6" => format!("supported when {ci} of the mean rise of the pre-existing share of ties from wave 2 to wave 3 and {ci} of the pooled survival gap (share of pre-existing minus share of project-born wave-2 ties present in wave 3, ratios of sums over projects) both lie above {:.2}; the mean of the projects' gaps and the Jaccard form are reported, not judged", p.f6_margin),
        "F7" => format!("supported when {ci} of the pooled continuity share contains the reported {:.2} and is at most {:.2} wide (inconclusive when wider; not_supported when it excludes {:.2})", p.f7_reported, p.f7_max_width, p.f7_reported),
        _ => format!("supported when {ci} of the share of projects with implementation level {} lies above {:.2}, each discontinuity ({}) is coded in at least {} project(s), and {ci} of the share with {} lies below {:.2}", p.f8_levels.join("/"), p.f8_majority, p.f8_discontinuities.iter().map(|d| format!("{} & {}", d.focus, d.change)).collect::<Vec<_>>().join("; "), p.f8_min_projects, p.f8_unified_column, p.f8_rare_share),
    };
    format!("{body}{tail}")
}

fn read_branch(
    input: &StageInput,
    dynamics: &str,
    types: &str,
) -> Result<Option<Branch>, StageError> {
    match (input.tables.get(dynamics), input.tables.get(types)) {
        (Some(d), Some(t)) => Ok(Some(Branch {
            dynamics: d.clone(),
            types: t.clone(),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(StageError::Compute(format!(
            "input `{dynamics}` is given without `{types}`: a branch needs both"
        ))),
        (None, Some(_)) => Err(StageError::Compute(format!(
            "input `{types}` is given without `{dynamics}`: a branch needs both"
        ))),
    }
}

/// Rules out params no rule can mean: a confidence of 1.5, a share of `nan`, no bootstrap draws.
/// Found when `pipeline.toml` is loaded, before anything runs.
fn check_params(p: &Params) -> Result<(), crate::ParamError> {
    use crate::params::{count_in, in_open_range, in_range};
    count_in(
        "bootstrap",
        p.bootstrap,
        1,
        1_000_000,
        "2,000 or more for a 95% interval",
    )?;
    in_open_range("confidence", p.confidence, 0.0, 1.0)?;
    for (name, v) in [
        ("f1_share", p.f1_share),
        ("f3_jaccard", p.f3_jaccard),
        ("f3_type_kept", p.f3_type_kept),
        ("f7_reported", p.f7_reported),
        ("f7_max_width", p.f7_max_width),
        ("f8_majority", p.f8_majority),
        ("f8_rare_share", p.f8_rare_share),
    ] {
        in_range(name, v, 0.0, 1.0)?;
    }
    // Differences of shares lie in [-1, 1]; a change in mean actors and a ratio of counts are
    // unbounded but must be numbers.
    for (name, v) in [
        ("f4_sector_margin", p.f4_sector_margin),
        ("f6_margin", p.f6_margin),
    ] {
        in_range(name, v, -1.0, 1.0)?;
    }
    in_range("f4_actor_change", p.f4_actor_change, -1e9, 1e9)?;
    in_range("f5_ratio", p.f5_ratio, 0.0, 1e9)?;
    if p.type_wave < 1 {
        return Err(crate::ParamError::out_of_range(
            "type_wave",
            p.type_wave,
            "it must be a wave number (1 or more)",
        ));
    }
    Ok(())
}

/// Runs the stage.
///
/// # Errors
/// Inputs without the columns of `compare_waves.project_dynamics` or
/// `compute_metrics.network_types`, an unreadable projects file or a coding cell that is not
/// 0/1, params out of range.
#[allow(clippy::too_many_lines)]
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    check_params(&params)?;
    let boot = Boot {
        params: &params,
        seed: input.seed,
    };
    let main = read_branch(input, "project_dynamics", "network_types")?.ok_or_else(|| {
        StageError::Compute("input slot `project_dynamics` holds no table".into())
    })?;
    let confirmed = read_branch(
        input,
        "project_dynamics_confirmed",
        "network_types_confirmed",
    )?;
    let mut main_checks = network_checks(&boot, &main, "project_dynamics", "network_types")?;
    let mut confirmed_checks = match &confirmed {
        Some(b) => Some(network_checks(
            &boot,
            b,
            "project_dynamics_confirmed",
            "network_types_confirmed",
        )?),
        None => None,
    };
    let coding = coding_checks(&boot, input.files.get("projects"))?;
    main_checks.insert("F8", coding.clone());
    if let Some(c) = confirmed_checks.as_mut() {
        c.insert("F8", coding);
    }

    let mut rows = Rows::default();
    let mut summary = Vec::new();
    let mut changed = Vec::new();
    for (id, statement) in STATEMENTS {
        let checks = &main_checks[id];
        let primary = &checks[0];
        let v = verdict(checks);
        let other = confirmed_checks.as_ref().map(|c| &c[id]);
        let vc = other.map(|c| verdict(c));
        rows.id.push(id.to_string());
        rows.statement.push(statement.to_string());
        rows.metric.push(primary.metric.clone());
        rows.value.push(primary.value);
        rows.ci_low.push(primary.interval.low);
        rows.ci_high.push(primary.interval.high);
        rows.n.push(i64::try_from(primary.n).unwrap_or(i64::MAX));
        rows.rule.push(rule(id, &params));
        rows.verdict.push(v.to_string());
        rows.verdict_confirmed.push(vc.map(str::to_string));
        let oprimary = other.map(|c| &c[0]);
        rows.value_confirmed.push(oprimary.map(|c| c.value));
        rows.ci_low_confirmed.push(oprimary.map(|c| c.interval.low));
        rows.ci_high_confirmed
            .push(oprimary.map(|c| c.interval.high));
        rows.detail.push(details(checks));
        rows.detail_confirmed.push(other.map(|c| details(c)));
        let mut line = format!("{id} {v}: {}", primary.describe());
        if let Some(vc) = vc {
            let _ = write!(line, "; confirmed ties: {vc}");
            if vc != v {
                line.push_str(" — VERDICT CHANGES");
                changed.push(format!("{id} ({v} → {vc})"));
            }
        }
        summary.push(line);
    }
    if confirmed_checks.is_some() {
        summary.push(if changed.is_empty() {
            "no verdict changes on confirmed ties".to_string()
        } else {
            format!(
                "verdicts that change on confirmed ties: {}",
                changed.join(", ")
            )
        });
    }
    let mut tables = BTreeMap::new();
    tables.insert("findings".to_string(), rows.frame()?);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary,
    })
}

fn details(checks: &[Check]) -> String {
    checks
        .iter()
        .map(Check::describe)
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Default)]
struct Rows {
    id: Vec<String>,
    statement: Vec<String>,
    metric: Vec<String>,
    value: Vec<f64>,
    ci_low: Vec<f64>,
    ci_high: Vec<f64>,
    n: Vec<i64>,
    rule: Vec<String>,
    verdict: Vec<String>,
    verdict_confirmed: Vec<Option<String>>,
    value_confirmed: Vec<Option<f64>>,
    ci_low_confirmed: Vec<Option<f64>>,
    ci_high_confirmed: Vec<Option<f64>>,
    detail: Vec<String>,
    detail_confirmed: Vec<Option<String>>,
}

impl Rows {
    fn frame(self) -> Result<DataFrame, StageError> {
        Ok(DataFrame::new_infer_height(vec![
            Column::new("id".into(), self.id),
            Column::new("statement".into(), self.statement),
            Column::new("metric".into(), self.metric),
            Column::new("value".into(), self.value),
            Column::new("ci_low".into(), self.ci_low),
            Column::new("ci_high".into(), self.ci_high),
            Column::new("n".into(), self.n),
            Column::new("rule".into(), self.rule),
            Column::new("verdict".into(), self.verdict),
            Column::new("verdict_confirmed_ties".into(), self.verdict_confirmed),
            Column::new("value_confirmed_ties".into(), self.value_confirmed),
            Column::new("ci_low_confirmed_ties".into(), self.ci_low_confirmed),
            Column::new("ci_high_confirmed_ties".into(), self.ci_high_confirmed),
            Column::new("detail".into(), self.detail),
            Column::new("detail_confirmed_ties".into(), self.detail_confirmed),
        ])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(low: f64, high: f64) -> Interval {
        Interval {
            low,
            high,
            finite: 1,
        }
    }

    fn check(side: Side, low: f64, high: f64) -> Check {
        Check {
            metric: "m".into(),
            value: f64::midpoint(low, high),
            interval: interval(low, high),
            n: 3,
            side,
        }
    }

    #[test]
    fn a_check_holds_fails_or_stays_open_on_its_interval() {
        use Tri::{Fails, Holds, Open};
        for (side, lo, hi, want) in [
            (Side::Above(0.5), 0.6, 0.7, Holds),
            (Side::Above(0.5), 0.3, 0.5, Fails),
            (Side::Above(0.5), 0.4, 0.6, Open),
            (Side::Above(0.5), 0.5, 0.6, Open),
            (Side::Above(0.5), f64::NAN, f64::NAN, Open),
            (Side::Below(1.0), 0.3, 0.9, Holds),
            (Side::Below(1.0), 1.0, 1.2, Fails),
            (Side::Below(1.0), 0.8, 1.1, Open),
            (Side::Contains(0.42, 0.3), 0.35, 0.55, Holds),
            (Side::Contains(0.42, 0.3), 0.1, 0.6, Open),
            (Side::Contains(0.42, 0.3), 0.45, 0.6, Fails),
            (Side::Contains(0.42, 0.3), 0.1, 0.3, Fails),
            (Side::Fact(Some(true)), f64::NAN, f64::NAN, Holds),
            (Side::Fact(Some(false)), f64::NAN, f64::NAN, Fails),
            (Side::Fact(None), f64::NAN, f64::NAN, Open),
            (Side::Report, f64::NAN, f64::NAN, Holds),
        ] {
            assert_eq!(check(side, lo, hi).outcome(), want, "{side:?} [{lo}, {hi}]");
        }
    }

    #[test]
    fn a_verdict_needs_every_check_and_a_failure_wins() {
        let holds = check(Side::Above(0.0), 1.0, 2.0);
        let open = check(Side::Above(0.0), -1.0, 2.0);
        let fails = check(Side::Above(0.0), -2.0, -1.0);
        let report = check(Side::Report, f64::NAN, f64::NAN);
        assert_eq!(verdict(&[holds.clone(), report.clone()]), "supported");
        assert_eq!(verdict(&[holds.clone(), open.clone()]), "inconclusive");
        assert_eq!(verdict(&[open, fails.clone(), holds]), "not_supported");
        assert_eq!(verdict(&[report, fails]), "not_supported");
        assert_eq!(verdict(&[]), "inconclusive");
    }

    /// `n` identical projects: every bootstrap replicate equals the sample, so the intervals
    /// are points and the verdicts are exact.
    fn dynamics(n: usize, overrides: &[(&str, f64)]) -> DataFrame {
        let mut values: BTreeMap<&str, f64> = [
            ("prior_share_w1", 0.7),
            ("jaccard_12", 0.6),
            ("jaccard_all_12", 0.5),
            ("entrants_w2", 4.0),
            ("entrants_w2_third_sector", 3.0),
            ("entrants_w2_private", 1.0),
            ("actors_change_12", 2.0),
            ("actors_change_12_seen", 2.0),
            ("ties_ratio_32", 0.5),
            ("return_to_past", 0.2),
            ("survival_gap", 0.1),
            ("survival_pre_kept", 6.0),
            ("survival_pre_observed", 10.0),
            ("survival_born_kept", 5.0),
            ("survival_born_observed", 10.0),
            ("return_to_past_jaccard", 0.1),
            ("continuity_base", 10.0),
            ("continuity_actors", 4.0),
            ("continuity_share", 0.4),
        ]
        .into_iter()
        .collect();
        for (k, v) in overrides {
            values.insert(k, *v);
        }
        let mut cols = vec![
            Column::new(
                "project".into(),
                (0..n).map(|i| format!("P{i}")).collect::<Vec<_>>(),
            ),
            Column::new("layer".into(), vec!["collaboration"; n]),
            Column::new("type_kept_12".into(), vec![true; n]),
        ];
        for (k, v) in values {
            cols.push(Column::new(k.into(), vec![v; n]));
        }
        DataFrame::new_infer_height(cols).unwrap()
    }

    fn types(labels: &[&str]) -> DataFrame {
        DataFrame::new_infer_height(vec![
            Column::new(
                "project".into(),
                (0..labels.len())
                    .map(|i| format!("P{i}"))
                    .collect::<Vec<_>>(),
            ),
            Column::new("wave".into(), vec![1i64; labels.len()]),
            Column::new("network_type".into(), labels.to_vec()),
        ])
        .unwrap()
    }

    /// 20 wave-1 types: eg 12 (4 weak), third sector 3 (1 weak), polycentric 3 (1 weak),
    /// other 1, empty 1.
    fn twenty() -> Vec<&'static str> {
        let mut v = vec!["eg_centred"; 8];
        v.extend(["eg_centred_weak"; 4]);
        v.extend([
            "third_sector_centred",
            "third_sector_centred",
            "third_sector_centred_weak",
        ]);
        v.extend(["polycentric", "polycentric", "polycentric_weak"]);
        v.extend(["other_centred", "empty"]);
        v
    }

    fn run_with(
        main: DataFrame,
        confirmed: Option<DataFrame>,
        projects: Option<&str>,
    ) -> Result<DataFrame, StageError> {
        run_typed(main, &twenty(), confirmed, projects)
    }

    fn run_typed(
        main: DataFrame,
        labels: &[&str],
        confirmed: Option<DataFrame>,
        projects: Option<&str>,
    ) -> Result<DataFrame, StageError> {
        let dir = tempfile::tempdir().unwrap();
        let mut tables = BTreeMap::new();
        tables.insert("project_dynamics".to_string(), main);
        tables.insert("network_types".to_string(), types(labels));
        if let Some(c) = confirmed {
            tables.insert("project_dynamics_confirmed".to_string(), c);
            tables.insert("network_types_confirmed".to_string(), types(labels));
        }
        let mut files = BTreeMap::new();
        if let Some(text) = projects {
            let path = dir.path().join("projects.csv");
            std::fs::write(&path, text).unwrap();
            files.insert(
                "projects".to_string(),
                InputFile {
                    path,
                    display: "data/projects.csv".into(),
                },
            );
        }
        let params: toml::Table = toml::from_str("bootstrap = 200").unwrap();
        let input = StageInput {
            stage: "findings".into(),
            tables,
            files,
            params: crate::normalize_params("findings", &params).unwrap(),
            seed: 5,
            ..StageInput::default()
        };
        Ok(run(&input)?.tables.remove("findings").unwrap())
    }

    fn column(df: &DataFrame, name: &str) -> Vec<String> {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("null").to_string())
            .collect()
    }

    const CODING: &str = "project,implementation_level,unified_management,minors_families_focus,prevention_shift,social_housing_focus,new_policy_tools
P0,partial,0,1,1,0,0
P1,limited,0,0,0,1,1
P2,advanced,1,0,0,0,0
P3,partial,0,0,0,0,0
P4,partial,,0,0,0,0
P5,partial,0,0,0,0,0
";

    #[test]
    fn every_rule_holds_on_a_programme_that_behaves_as_reported() {
        let out = run_with(dynamics(6, &[]), None, Some(CODING)).unwrap();
        assert_eq!(
            column(&out, "id"),
            ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"]
        );
        let verdicts = column(&out, "verdict");
        // F7: 4/10 = 0.40 with a point interval, which excludes 0.42.
        assert_eq!(
            verdicts,
            [
                "supported",
                "supported",
                "supported",
                "supported",
                "supported",
                "supported",
                "not_supported",
                "inconclusive"
            ]
        );
        assert_eq!(column(&out, "verdict_confirmed_ties"), vec!["null"; 8]);
        // F2: eg 12/20 (a weak centre counts), next 3/20 → margin 0.45.
        let value = out.column("value").unwrap().f64().unwrap();
        assert!((value.get(1).unwrap() - 0.45).abs() < 1e-12);
        // F8: 5 of 6 partial or limited; unified 1 of 5 coded (0.2 < 0.25, but the bootstrap
        // interval of five projects reaches above 0.25): inconclusive, with the facts held.
        assert!((value.get(7).unwrap() - 5.0 / 6.0).abs() < 1e-12);
        let detail = column(&out, "detail");
        assert!(
            detail[7].contains(
                "projects with minors_families_focus and prevention_shift: 1 (at least 1) (holds)"
            ),
            "{}",
            detail[7]
        );
        assert!(
            detail[7].contains("share of projects with unified_management = 0.200"),
            "{}",
            detail[7]
        );
    }

    #[test]
    fn each_rule_can_fail() {
        for (id, column_name, value) in [
            ("F1", "prior_share_w1", 0.3),
            ("F3", "jaccard_12", 0.2),
            ("F4", "actors_change_12_seen", -1.0),
            ("F4", "entrants_w2_private", 3.0),
            ("F5", "ties_ratio_32", 1.2),
            ("F6", "return_to_past", -0.1),
            ("F6", "survival_pre_kept", 4.0),
            ("F7", "continuity_actors", 8.0),
        ] {
            let out = run_with(dynamics(6, &[(column_name, value)]), None, None).unwrap();
            let ids = column(&out, "id");
            let i = ids.iter().position(|x| x == id).unwrap();
            assert_eq!(
                column(&out, "verdict")[i],
                "not_supported",
                "{id} with {column_name} = {value}"
            );
        }
        // F2 fails when a type is never observed, or when eg_centred is not the most common.
        let mut no_poly = twenty();
        no_poly.retain(|t| !t.starts_with("polycentric"));
        let out = run_typed(dynamics(6, &[]), &no_poly, None, None).unwrap();
        assert_eq!(column(&out, "verdict")[1], "not_supported");
        assert!(column(&out, "detail")[1].contains("not observed at wave 1: polycentric"));
        let few_eg = [
            "polycentric",
            "polycentric",
            "polycentric",
            "polycentric",
            "polycentric",
            "polycentric",
            "polycentric",
            "polycentric",
            "eg_centred",
            "third_sector_centred",
        ];
        let out = run_typed(dynamics(6, &[]), &few_eg, None, None).unwrap();
        assert_eq!(column(&out, "verdict")[1], "not_supported");
        // F7 holds when the share is the reported one.
        let out = run_with(dynamics(6, &[("continuity_actors", 4.2)]), None, None).unwrap();
        assert_eq!(column(&out, "verdict")[6], "supported");
        // Without a projects file F8 cannot be judged.
        assert_eq!(column(&out, "verdict")[7], "inconclusive");
    }

    #[test]
    fn the_confirmed_branch_gets_its_own_verdict_and_changes_are_flagged() {
        let out = run_with(
            dynamics(6, &[]),
            Some(dynamics(6, &[("prior_share_w1", 0.4)])),
            Some(CODING),
        )
        .unwrap();
        assert_eq!(column(&out, "verdict")[0], "supported");
        assert_eq!(column(&out, "verdict_confirmed_ties")[0], "not_supported");
        assert_eq!(column(&out, "verdict_confirmed_ties")[1], "supported");
        let c = out.column("value_confirmed_ties").unwrap().f64().unwrap();
        assert!((c.get(0).unwrap() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn a_coding_cell_that_is_not_0_or_1_names_file_line_and_column() {
        let bad = CODING.replace("P3,partial,0,0,0,0,0", "P3,partial,forse,0,0,0,0");
        let err = run_with(dynamics(6, &[]), None, Some(&bad)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "data/projects.csv:5 (column `unified_management`): `forse` is not a 0/1 coding"
        );
        assert!(err.hint().unwrap().contains("1 (yes), 0 (no)"));
    }

    #[test]
    fn missing_columns_are_clear_errors() {
        let d = dynamics(3, &[]).drop("survival_gap").unwrap();
        let err = run_with(d, None, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "input `project_dynamics` lacks column `survival_gap`"
        );
    }

    #[test]
    fn intervals_are_percentiles_of_seeded_replicates() {
        // Two kinds of projects: the interval of the mean lies strictly inside [0.2, 0.8].
        let mut d = dynamics(10, &[]);
        let shares: Vec<f64> = (0..10).map(|i| if i < 5 { 0.2 } else { 0.8 }).collect();
        d.replace(
            "prior_share_w1",
            Column::new("prior_share_w1".into(), shares),
        )
        .unwrap();
        let a = run_with(d.clone(), None, None).unwrap();
        let b = run_with(d, None, None).unwrap();
        let lo = a.column("ci_low").unwrap().f64().unwrap().get(0).unwrap();
        let hi = a.column("ci_high").unwrap().f64().unwrap().get(0).unwrap();
        assert!(0.2 < lo && lo < 0.5 && 0.5 < hi && hi < 0.8, "[{lo}, {hi}]");
        assert!(a.equals_missing(&b), "same seed, same table");
        assert_eq!(column(&a, "verdict")[0], "inconclusive");
    }
}
