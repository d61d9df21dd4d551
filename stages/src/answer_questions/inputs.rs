//! Reads the stage's inputs into what the tests need: one value per project for every exposure,
//! outcome and control, and the dyads (risk sets) of the tie-level models — each variable with
//! the inputs it came from, for the evidence table.
use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::Params;
use crate::{StageError, StageInput};

/// Waves of the canonical format: 0 the prior layer, 1 start, 2 during, 3 after the end.
const PRIOR: i64 = 0;
const START: i64 = 1;
const DURING: i64 = 2;
const END: i64 = 3;

/// A variable a test uses: its name in the tables, its label in sentences and where it came from.
#[derive(Debug, Clone)]
pub(super) struct Var {
    pub name: String,
    pub label: String,
    /// (input slot, what was read from it).
    pub sources: Vec<(&'static str, String)>,
}

fn var(name: &str, label: &str, sources: Vec<(&'static str, String)>) -> Var {
    Var {
        name: name.to_string(),
        label: label.to_string(),
        sources,
    }
}

/// A project-level variable with one value per project (NaN = unknown).
#[derive(Debug, Clone)]
pub(super) struct Series {
    pub var: Var,
    pub values: Vec<f64>,
    /// Whether every known value is 0 or 1.
    pub binary: bool,
    /// Why the variable is entirely unknown, when it is.
    pub missing: Option<String>,
}

impl Series {
    fn new(var: Var, values: Vec<f64>, missing: Option<String>) -> Self {
        let known: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let binary = !known.is_empty() && known.iter().all(|&v| v == 0.0 || v == 1.0);
        let missing = missing.or_else(|| {
            known
                .is_empty()
                .then(|| format!("no project has a value for `{}`", var.name))
        });
        Self {
            var,
            values,
            binary,
            missing,
        }
    }
}

/// Tie-level covariates of the dyadic models, in design order.
pub(super) const TIE_COVARIATES: &[&str] = &[
    "project_born",
    "bridging",
    "closure",
    "ente_gestore_tie",
    "ente_gestore_two_path",
    "both_answered",
];

/// One dyad of a risk set.
#[derive(Debug, Clone)]
pub(super) struct Dyad {
    /// Index into [`Data::projects`].
    pub project: usize,
    pub y: bool,
    /// Values of [`TIE_COVARIATES`].
    pub x: [f64; 6],
}

/// A risk set: the dyads that could show the outcome, and how it was built.
#[derive(Debug, Clone, Default)]
pub(super) struct RiskSet {
    pub dyads: Vec<Dyad>,
    /// Whether `both_answered` is known (a roster was given).
    pub observability_known: bool,
    /// Dyads dropped because neither organisation answered wave 3.
    pub unobservable: usize,
    /// Projects left out (no wave-3 roster, or unknown protocol), with the reason.
    pub left_out: Vec<String>,
}

/// Everything the tests read.
#[derive(Debug)]
pub(super) struct Data {
    /// Project codes, sorted.
    pub projects: Vec<String>,
    /// Q1 exposures (prior social capital).
    pub exposures: Vec<Series>,
    /// Change outcomes (projects file).
    pub outcomes: Vec<Series>,
    /// Q2 project-level changes in social capital, wave 1 → wave 3.
    pub changes: Vec<Series>,
    /// Controls of the partial association: budget and network size.
    pub controls: Vec<Series>,
    /// Protocol signed after the end (project level).
    pub protocol: Series,
    /// Risk set of "kept in wave 3": wave-2 ties.
    pub kept: RiskSet,
    /// Risk set of "after tie": wave-2 or prior ties.
    pub after: RiskSet,
    /// Lineage of the dyadic models' data.
    pub dyad_sources: Vec<(&'static str, String)>,
    /// Notes for the summary.
    pub notes: Vec<String>,
}

fn column<'a>(df: &'a DataFrame, name: &str, slot: &str) -> Result<&'a Column, StageError> {
    df.column(name)
        .map_err(|_| StageError::Compute(format!("input `{slot}` lacks column `{name}`")))
}

fn strs(df: &DataFrame, name: &str, slot: &str) -> Result<Vec<Option<String>>, StageError> {
    let ca = column(df, name, slot)?
        .str()
        .map_err(|_| StageError::Compute(format!("column `{name}` of `{slot}` is not text")))?
        .clone();
    Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
}

/// A text column borrowed from its table (null → empty).
fn texts<'a>(df: &'a DataFrame, name: &str, slot: &str) -> Result<Vec<&'a str>, StageError> {
    let ca = column(df, name, slot)?
        .str()
        .map_err(|_| StageError::Compute(format!("column `{name}` of `{slot}` is not text")))?;
    Ok(ca.iter().map(|v| v.unwrap_or("")).collect())
}

fn strs_or_empty(df: &DataFrame, name: &str, slot: &str) -> Result<Vec<String>, StageError> {
    Ok(strs(df, name, slot)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

fn ints(df: &DataFrame, name: &str, slot: &str) -> Result<Vec<i64>, StageError> {
    let col = column(df, name, slot)?.cast(&DataType::Int64)?;
    Ok(col.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

fn floats(df: &DataFrame, name: &str, slot: &str) -> Result<Vec<f64>, StageError> {
    let col = column(df, name, slot)?.cast(&DataType::Float64)?;
    Ok(col.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

fn bools(df: &DataFrame, name: &str, slot: &str) -> Result<Vec<bool>, StageError> {
    let ca = column(df, name, slot)?
        .bool()
        .map_err(|_| StageError::Compute(format!("column `{name}` of `{slot}` is not boolean")))?
        .clone();
    Ok(ca.iter().map(|v| v.unwrap_or(false)).collect())
}

type Pair = (String, String);

fn pair(a: &str, b: &str) -> Pair {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// The projects file: project → column → raw text.
struct ProjectsFile {
    display: String,
    headers: Vec<String>,
    rows: BTreeMap<String, BTreeMap<String, String>>,
}

fn read_projects(input: &StageInput) -> Result<ProjectsFile, StageError> {
    let file = input
        .files
        .get("projects")
        .ok_or_else(|| StageError::Compute("input slot `projects` holds no file".to_string()))?;
    let bad = |line: Option<u64>, message: String| {
        StageError::Input {
        file: file.display.clone(),
        line,
        column: None,
        message,
        hint: Some(
            "the projects file needs a `project` column and one row per project; the outcome, budget and protocol columns are named in the stage's params".into(),
        ),
    }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&file.path)
        .map_err(|e| bad(None, format!("cannot read the file: {e}")))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(Some(1), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let Some(pi) = headers.iter().position(|h| h == "project") else {
        return Err(bad(Some(1), "no `project` column".into()));
    };
    let mut rows = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(Some(i as u64 + 2), e.to_string()))?;
        let project = record.get(pi).unwrap_or("").trim().to_uppercase();
        if project.is_empty() {
            continue;
        }
        let row: BTreeMap<String, String> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), v.trim().to_string()))
            .collect();
        rows.insert(project, row);
    }
    Ok(ProjectsFile {
        display: file.display.clone(),
        headers,
        rows,
    })
}

/// A cell of the projects file as a number: numeric, yes/no-like, or a declared level (its
/// 0-based position). NaN when empty or unreadable.
fn code(raw: &str, levels: Option<&Vec<String>>) -> f64 {
    let t = raw.trim();
    if t.is_empty() {
        return f64::NAN;
    }
    if let Some(levels) = levels {
        if let Some(i) = levels.iter().position(|l| l.eq_ignore_ascii_case(t)) {
            return i as f64;
        }
    }
    if let Ok(v) = t.replace(',', ".").parse::<f64>() {
        return v;
    }
    match t.to_lowercase().as_str() {
        "yes" | "true" | "si" | "sì" | "y" => 1.0,
        "no" | "false" | "n" => 0.0,
        _ => f64::NAN,
    }
}

/// Network metrics of one (project, wave, layer).
#[derive(Debug, Clone, Copy)]
struct NetRow {
    density: f64,
    transitivity: f64,
    n_actors: f64,
    ei: f64,
}

/// Reads and assembles everything.
#[allow(clippy::too_many_lines)]
pub(super) fn read(input: &StageInput, params: &Params) -> Result<Data, StageError> {
    let pf = read_projects(input)?;
    let projects: Vec<String> = pf.rows.keys().cloned().collect();
    let np = projects.len();
    let mut notes = Vec::new();
    let projects_col = |col: &str| -> (Vec<f64>, Option<String>) {
        if !pf.headers.iter().any(|h| h == col) {
            return (
                vec![f64::NAN; np],
                Some(format!("column `{col}` is not in {}", pf.display)),
            );
        }
        let levels = params.levels.get(col);
        let values = projects
            .iter()
            .map(|p| pf.rows[p].get(col).map_or(f64::NAN, |v| code(v, levels)))
            .collect();
        (values, None)
    };
    let file_source = |col: &str| vec![("projects", format!("column `{col}`"))];

    // Outcomes, budget, protocol.
    let outcomes: Vec<Series> = params
        .outcomes
        .iter()
        .map(|col| {
            let (values, missing) = projects_col(col);
            Series::new(
                var(col, &col.replace('_', " "), file_source(col)),
                values,
                missing,
            )
        })
        .collect();
    let (budget, budget_missing) = projects_col(&params.budget_column);
    let (protocol, protocol_missing) = projects_col(&params.protocol_column);
    let protocol = Series::new(
        var(
            "protocol",
            "a protocol signed after the end",
            file_source(&params.protocol_column),
        ),
        protocol,
        protocol_missing,
    );

    // Actors.
    let actors = input.table("actors")?;
    let mut sector: BTreeMap<String, String> = BTreeMap::new();
    let mut is_eg: BTreeSet<String> = BTreeSet::new();
    {
        let ids = strs_or_empty(actors, "actor_id", "actors")?;
        let sectors = strs_or_empty(actors, "sector", "actors")?;
        let eg = bools(actors, "ente_gestore", "actors")?;
        for i in 0..ids.len() {
            sector.insert(ids[i].clone(), sectors[i].clone());
            if eg[i] {
                is_eg.insert(ids[i].clone());
            }
        }
    }
    let sector_of = |a: &str| sector.get(a).map_or("other", String::as_str).to_string();
    let cross = |(a, b): &Pair| sector_of(a) != sector_of(b);

    // Ties by (project, wave, layer).
    let ties = input.table("ties")?;
    let mut tie_sets: BTreeMap<(String, i64, String), BTreeSet<Pair>> = BTreeMap::new();
    {
        let (p, w, l, s, t) = (
            texts(ties, "project", "ties")?,
            ints(ties, "wave", "ties")?,
            texts(ties, "layer", "ties")?,
            texts(ties, "source", "ties")?,
            texts(ties, "target", "ties")?,
        );
        for i in 0..p.len() {
            if s[i] != t[i] {
                tie_sets
                    .entry((p[i].to_string(), w[i], l[i].to_string()))
                    .or_default()
                    .insert(pair(s[i], t[i]));
            }
        }
    }
    let empty = BTreeSet::new();
    let tie_set = |p: &str, w: i64, l: &str| -> &BTreeSet<Pair> {
        tie_sets
            .get(&(p.to_string(), w, l.to_string()))
            .unwrap_or(&empty)
    };

    // Network and node metrics.
    let nm = input.table("network_metrics")?;
    let mut nets: BTreeMap<(String, i64, String), NetRow> = BTreeMap::new();
    {
        let (p, w, l) = (
            strs_or_empty(nm, "project", "network_metrics")?,
            ints(nm, "wave", "network_metrics")?,
            strs_or_empty(nm, "layer", "network_metrics")?,
        );
        let density = floats(nm, "density", "network_metrics")?;
        let transitivity = floats(nm, "transitivity", "network_metrics")?;
        let n_actors = floats(nm, "n_actors", "network_metrics")?;
        let ei = floats(nm, "ei_index", "network_metrics")?;
        for i in 0..p.len() {
            nets.insert(
                (p[i].clone(), w[i], l[i].clone()),
                NetRow {
                    density: density[i],
                    transitivity: transitivity[i],
                    n_actors: n_actors[i],
                    ei: ei[i],
                },
            );
        }
    }
    let net = |p: &str, w: i64, l: &str| nets.get(&(p.to_string(), w, l.to_string())).copied();
    let types = input.table("network_types")?;
    let mut lead: BTreeMap<String, String> = BTreeMap::new();
    {
        let p = strs_or_empty(types, "project", "network_types")?;
        let l = strs(types, "lead_actor", "network_types")?;
        for (p, l) in p.into_iter().zip(l) {
            if let Some(l) = l.filter(|l| !l.is_empty()) {
                lead.entry(p).or_insert(l);
            }
        }
    }
    if lead.is_empty() && np > 0 {
        notes.push("no lead ente gestore is known (network_types.lead_actor is empty): the lead's constraint is unknown".into());
    }
    // Only the lead's constraint is read: one row in a few dozen of `node_metrics`.
    let nodes = input.table("node_metrics")?;
    let mut constraint: BTreeMap<(String, i64, String), f64> = BTreeMap::new();
    {
        let (p, w, l, a) = (
            texts(nodes, "project", "node_metrics")?,
            ints(nodes, "wave", "node_metrics")?,
            texts(nodes, "layer", "node_metrics")?,
            texts(nodes, "actor_id", "node_metrics")?,
        );
        let c = floats(nodes, "constraint", "node_metrics")?;
        for i in 0..p.len() {
            if lead.get(p[i]).is_some_and(|lead| lead == a[i]) {
                constraint.insert((p[i].to_string(), w[i], l[i].to_string()), c[i]);
            }
        }
    }
    let lead_constraint = |p: &str, w: i64, l: &str| -> f64 {
        if !lead.contains_key(p) {
            return f64::NAN;
        }
        constraint
            .get(&(p.to_string(), w, l.to_string()))
            .copied()
            .unwrap_or(f64::NAN)
    };

    let (tl, pl) = (params.tie_layer.as_str(), params.prior_layer.as_str());
    let per_project =
        |f: &dyn Fn(&str) -> f64| -> Vec<f64> { projects.iter().map(|p| f(p)).collect() };
    let nm_src = |what: &str, wave: i64, layer: &str| {
        (
            "network_metrics",
            format!("{what} (wave {wave}, layer {layer})"),
        )
    };
    let share = |num: usize, den: usize| {
        if den == 0 {
            f64::NAN
        } else {
            num as f64 / den as f64
        }
    };

    // Q1 exposures: prior social capital.
    let exposures = vec![
        Series::new(
            var(
                "prior_density",
                "density of the prior-collaboration layer",
                vec![nm_src("density", PRIOR, pl)],
            ),
            per_project(&|p| net(p, PRIOR, pl).map_or(f64::NAN, |n| n.density)),
            None,
        ),
        Series::new(
            var(
                "prior_share_w1",
                "share of wave-1 ties already present before the programme",
                vec![(
                    "ties",
                    format!("wave-1 `{tl}` ties found in the wave-0 `{pl}` layer"),
                )],
            ),
            per_project(&|p| {
                let w1 = tie_set(p, START, tl);
                let prior = tie_set(p, PRIOR, pl);
                share(w1.intersection(prior).count(), w1.len())
            }),
            None,
        ),
        Series::new(
            var(
                "prior_closure",
                "closure (transitivity) of the prior-collaboration layer",
                vec![nm_src("transitivity", PRIOR, pl)],
            ),
            per_project(&|p| net(p, PRIOR, pl).map_or(f64::NAN, |n| n.transitivity)),
            None,
        ),
        Series::new(
            var(
                "prior_cross_sector",
                "share of prior ties across sectors",
                vec![
                    ("ties", format!("wave-0 `{pl}` ties")),
                    ("actors", "sector".into()),
                ],
            ),
            per_project(&|p| {
                let prior = tie_set(p, PRIOR, pl);
                share(prior.iter().filter(|t| cross(t)).count(), prior.len())
            }),
            None,
        ),
        Series::new(
            var(
                "lead_constraint_prior",
                "the lead ente gestore's constraint in the prior layer",
                vec![
                    ("node_metrics", format!("constraint (wave 0, layer {pl})")),
                    ("network_types", "lead_actor".into()),
                ],
            ),
            per_project(&|p| lead_constraint(p, PRIOR, pl)),
            None,
        ),
    ];

    // Q2 project level: change from wave 1 to wave 3.
    let delta = |f: &dyn Fn(NetRow) -> f64| {
        per_project(&|p| match (net(p, START, tl), net(p, END, tl)) {
            (Some(a), Some(b)) => f(b) - f(a),
            _ => f64::NAN,
        })
    };
    let cross_count =
        |p: &str, w: i64| tie_set(p, w, tl).iter().filter(|t| cross(t)).count() as f64;
    let changes = vec![
        Series::new(
            var(
                "delta_density",
                "change in density from wave 1 to wave 3",
                vec![nm_src("density", START, tl), nm_src("density", END, tl)],
            ),
            delta(&|n| n.density),
            None,
        ),
        Series::new(
            var(
                "delta_cross_sector_ties",
                "change in the number of cross-sector ties from wave 1 to wave 3",
                vec![
                    ("ties", format!("`{tl}` ties of waves 1 and 3")),
                    ("actors", "sector".into()),
                    (
                        "network_metrics",
                        format!("networks present (waves 1 and 3, layer {tl})"),
                    ),
                ],
            ),
            per_project(&|p| match (net(p, START, tl), net(p, END, tl)) {
                (Some(_), Some(_)) => cross_count(p, END) - cross_count(p, START),
                _ => f64::NAN,
            }),
            None,
        ),
        Series::new(
            var(
                "delta_ei",
                "change in the E-I index by sector from wave 1 to wave 3",
                vec![nm_src("ei_index", START, tl), nm_src("ei_index", END, tl)],
            ),
            delta(&|n| n.ei),
            None,
        ),
        Series::new(
            var(
                "delta_lead_constraint",
                "change in the lead ente gestore's constraint from wave 1 to wave 3",
                vec![
                    (
                        "node_metrics",
                        format!("constraint (waves 1 and 3, layer {tl})"),
                    ),
                    ("network_types", "lead_actor".into()),
                ],
            ),
            per_project(&|p| lead_constraint(p, END, tl) - lead_constraint(p, START, tl)),
            None,
        ),
    ];

    let controls = vec![
        Series::new(
            var("budget", "budget", file_source(&params.budget_column)),
            budget,
            budget_missing,
        ),
        Series::new(
            var(
                "network_size",
                "network size",
                vec![nm_src("n_actors", START, tl)],
            ),
            per_project(&|p| net(p, START, tl).map_or(f64::NAN, |n| n.n_actors)),
            None,
        ),
    ];

    // Who answered wave 3: which dyads could be seen at all.
    let mut place: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    if let Some(m) = input.tables.get("actor_matches") {
        let raw = texts(m, "raw_name", "actor_matches")?;
        let id = texts(m, "actor_id", "actor_matches")?;
        let projects_of = texts(m, "projects", "actor_matches")?;
        for i in 0..raw.len() {
            for p in projects_of[i].split(';') {
                place.insert((raw[i], p), id[i]);
            }
        }
    }
    let roster_given = input.tables.contains_key("roster");
    let mut answered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut surveyed_w3: BTreeSet<String> = BTreeSet::new();
    if let Some(roster) = input.tables.get("roster") {
        let (p, w, o) = (
            strs_or_empty(roster, "project", "roster")?,
            ints(roster, "wave", "roster")?,
            strs_or_empty(roster, "organisation", "roster")?,
        );
        let r = bools(roster, "responded", "roster")?;
        for i in 0..p.len() {
            if w[i] != END {
                continue;
            }
            surveyed_w3.insert(p[i].clone());
            if r[i] {
                let id = place
                    .get(&(o[i].as_str(), p[i].as_str()))
                    .map_or_else(|| o[i].clone(), |id| (*id).to_string());
                answered.entry(p[i].clone()).or_default().insert(id);
            }
        }
    }

    // Dyads.
    let cap = params.closure_cap as f64;
    let build = |kept_model: bool| -> RiskSet {
        let mut set = RiskSet {
            observability_known: roster_given,
            ..RiskSet::default()
        };
        for (j, p) in projects.iter().enumerate() {
            if roster_given && !surveyed_w3.contains(p) {
                set.left_out.push(format!("{p}: no wave-3 roster"));
                continue;
            }
            if !protocol.values[j].is_finite() && protocol.missing.is_none() {
                set.left_out.push(format!("{p}: protocol unknown"));
                continue;
            }
            let prior = tie_set(p, PRIOR, pl);
            let w2 = tie_set(p, DURING, tl);
            let outcome = if kept_model {
                tie_set(p, END, tl)
            } else {
                tie_set(p, END, &params.after_layer)
            };
            let mut nb: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for (a, b) in w2 {
                nb.entry(a).or_default().insert(b);
                nb.entry(b).or_default().insert(a);
            }
            let risk: BTreeSet<&Pair> = if kept_model {
                w2.iter().collect()
            } else {
                w2.iter().chain(prior.iter()).collect()
            };
            let ans = answered.get(p);
            let none = BTreeSet::new();
            for t in risk {
                let (a, b) = (t.0.as_str(), t.1.as_str());
                let seen = ans.map_or(0, |s| {
                    usize::from(s.contains(a)) + usize::from(s.contains(b))
                });
                if roster_given && seen == 0 {
                    set.unobservable += 1;
                    continue;
                }
                let na = nb.get(a).unwrap_or(&none);
                let nbb = nb.get(b).unwrap_or(&none);
                let common: Vec<&&str> = na.intersection(nbb).collect();
                let eg_end = is_eg.contains(a) || is_eg.contains(b);
                let two_path = !eg_end && common.iter().any(|c| is_eg.contains(**c));
                set.dyads.push(Dyad {
                    project: j,
                    y: outcome.contains(t),
                    x: [
                        f64::from(u8::from(!prior.contains(t))),
                        f64::from(u8::from(cross(t))),
                        (common.len() as f64).min(cap),
                        f64::from(u8::from(eg_end)),
                        f64::from(u8::from(two_path)),
                        if roster_given {
                            f64::from(u8::from(seen == 2))
                        } else {
                            0.0
                        },
                    ],
                });
            }
        }
        set
    };
    let kept = build(true);
    let after = build(false);
    if !roster_given {
        notes.push("no roster: every dyad is taken as observable in wave 3 (non-response cannot be separated from a lost tie)".into());
    }
    let mut dyad_sources = vec![
        (
            "ties",
            format!(
                "`{tl}` ties of waves 2 and 3, `{pl}` ties of wave 0, `{}` ties of wave 3",
                params.after_layer
            ),
        ),
        ("actors", "sector, ente_gestore".into()),
        ("projects", format!("column `{}`", params.protocol_column)),
    ];
    if roster_given {
        dyad_sources.push(("roster", "responded (wave 3)".into()));
        if input.tables.contains_key("actor_matches") {
            dyad_sources.push(("actor_matches", "raw_name → actor_id".into()));
        }
    }
    Ok(Data {
        projects,
        exposures,
        outcomes,
        changes,
        controls,
        protocol,
        kept,
        after,
        dyad_sources,
        notes,
    })
}
