//! `answer_questions`: the evaluators' three open questions (DESIGN §2) answered from data, with
//! effect sizes, intervals and p-values that mean what they say, and the limits of a small N
//! stated in every answer.
//!
//! **Q1 — did pre-existing social capital favour the changes?** Project level (N = number of
//! projects). Exposures, from the prior layer (wave 0) and wave 1: `prior_density`,
//! `prior_share_w1` (share of wave-1 ties already present before the programme),
//! `prior_closure` (transitivity of the prior layer), `prior_cross_sector` (share of prior ties
//! across sectors) and `lead_constraint_prior` (the lead ente gestore's Burt constraint in the
//! prior layer). Outcomes: the `outcomes` columns of the projects file (text columns coded by
//! `levels`). For every pair: Spearman's ρ and Kendall's τ-b with two-sided Monte Carlo
//! permutation p = (1 + #{|T*| ≥ |T|}) / (1 + B) and percentile bootstrap intervals over
//! projects; the partial Spearman ρ controlling for budget and wave-1 network size (rank
//! residuals, Freedman–Lane permutation); for a binary outcome, Fisher's exact test with the
//! exposure split at its median (sample odds ratio, Woolf interval with 0.5 added to every cell).
//!
//! **Q2 — can the changes strengthen social capital, and through which mechanisms?** Tie level:
//! logistic models of a wave-2 tie being kept in wave 3 and of a wave-2 or prior tie turning into
//! joint initiatives after the end (`after` layer), on project-born vs pre-existing, cross-sector
//! pair (bridging), common wave-2 neighbours top-coded at `closure_cap` (closure), a tie of an
//! ente gestore and a two-path through one (brokerage), and the protocol signed after the end
//! (institutionalisation). Project fixed effects would leave the protocol unidentified, so each
//! tie-level covariate enters with its project mean (Mundlak): tie-level coefficients are
//! within-project contrasts, the protocol is identified between projects; intervals from the
//! project-cluster bootstrap (± t(G − 1) bootstrap standard deviations), p-values from permutations within projects (between projects for
//! the protocol) — see [`dyads`]. Project level: Spearman and Kendall tests of the change from
//! wave 1 to wave 3 in density, cross-sector ties, E-I and the lead's constraint against the
//! change outcomes.
//!
//! **Multiple testing.** The primary family is declared in `primary` (pre-registered
//! (test, exposure, outcome) triples); Holm within it. Every other test is exploratory:
//! Benjamini–Hochberg across all of them. `p_adjusted` holds the adjusted p of the row's family.
//!
//! **Evidence strength** of a claim, from its test row: `strong` when the adjusted p is below
//! alpha/5 and the interval excludes no effect (0 for a correlation, 1 for an odds ratio);
//! `moderate` when the adjusted p is below alpha and the interval excludes no effect; `weak` when
//! only the unadjusted p is below alpha or only the interval excludes no effect; `none` otherwise.
//! A mechanism is `supported` when its odds ratio is above 1 with the interval above 1 and the
//! adjusted p below alpha, `contradicted` when all of that points below 1, `inconclusive` else.
//!
//! **Q3 — what evidence exists?** `evidence` links every claim in `answers` to its test rows, the
//! metric each used, the stage and table it came from and the content hash of that input (as in
//! the fingerprint and `pipeline.lock`).
//!
//! Randomness (DESIGN §3): every permutation and bootstrap job has its own seed from the stage
//! seed and a label naming it, its B draws split into fixed chunks with their own generators
//! ([`crate::stats::draws`]): the same bits with 1 thread or many. With fewer than 3 projects a
//! test's row is NaN and its `method` says why; the stage never fails for lack of data.
mod cluster_logit;
mod dyads;
mod inputs;
mod project_tests;
mod report;

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{KindSpec, Slot, StageError, StageInput, StageOutput};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "answer_questions",
    summary: "Q1–Q3: prior social capital vs the change outcomes, tie-level mechanisms of Q2, and the evidence behind every answer",
    slots: &[
        Slot { name: "ties", numbered: false, required: true, table: true, doc: "clean_actors.ties" },
        Slot { name: "actors", numbered: false, required: true, table: true, doc: "clean_actors.actors" },
        Slot { name: "network_metrics", numbered: false, required: true, table: true, doc: "compute_metrics.network_metrics" },
        Slot { name: "node_metrics", numbered: false, required: true, table: true, doc: "compute_metrics.node_metrics" },
        Slot { name: "network_types", numbered: false, required: true, table: true, doc: "compute_metrics.network_types (the lead ente gestore)" },
        Slot { name: "roster", numbered: false, required: false, table: true, doc: "ingest_waves.roster (who answered wave 3: which ties could be seen)" },
        Slot { name: "actor_matches", numbered: false, required: false, table: true, doc: "clean_actors.actor_matches (to place roster spellings)" },
        Slot { name: "projects", numbered: false, required: true, table: false, doc: "projects.csv (outcomes, budget, protocol)" },
    ],
    outputs: &["answers", "evidence", "mechanisms", "tests"],
    normalize: |t| crate::params::normalize_checked::<Params>(t, check_params),
    run,
};

/// A pre-registered test of the primary family.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaryTest {
    /// The `test` column of its row (`spearman`, `kendall_tau_b`, `partial_spearman`,
    /// `fisher_median_split`, `logit_kept_wave_3`, `logit_after_tie`).
    pub test: String,
    /// The `exposure` column.
    pub exposure: String,
    /// The `outcome` column.
    pub outcome: String,
}

/// Params of `answer_questions`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// B: draws of every permutation test and every bootstrap.
    #[serde(default = "default_draws")]
    pub draws: usize,
    /// Level of every interval.
    #[serde(default = "default_level")]
    pub level: f64,
    /// Significance level of verdicts and evidence strength.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// The layer of the wave 1–3 ties.
    #[serde(default = "default_tie_layer")]
    pub tie_layer: String,
    /// The layer of pre-existing ties (wave 0).
    #[serde(default = "default_prior_layer")]
    pub prior_layer: String,
    /// The layer of joint initiatives after the end (wave 3).
    #[serde(default = "default_after_layer")]
    pub after_layer: String,
    /// Outcome columns of the projects file.
    #[serde(default = "default_outcomes")]
    pub outcomes: Vec<String>,
    /// Ordered levels (lowest first) of text outcome columns.
    #[serde(default = "default_levels")]
    pub levels: BTreeMap<String, Vec<String>>,
    /// The projects file's budget column (a control of the partial association).
    #[serde(default = "default_budget_column")]
    pub budget_column: String,
    /// The projects file's column: protocol signed after the end (1/0).
    #[serde(default = "default_protocol_column")]
    pub protocol_column: String,
    /// Common wave-2 neighbours are top-coded at this count.
    #[serde(default = "default_closure_cap")]
    pub closure_cap: usize,
    /// The primary family (Holm); every other test is exploratory (Benjamini–Hochberg).
    #[serde(default = "default_primary")]
    pub primary: Vec<PrimaryTest>,
}

fn default_draws() -> usize {
    10_000
}
fn default_level() -> f64 {
    0.95
}
fn default_alpha() -> f64 {
    0.05
}
fn default_tie_layer() -> String {
    "collaboration".into()
}
fn default_prior_layer() -> String {
    "prior".into()
}
fn default_after_layer() -> String {
    "after".into()
}
fn default_outcomes() -> Vec<String> {
    [
        "problem_reframing",
        "new_policy_tools",
        "prevention_shift",
        "new_problem_addressed",
        "implementation_level",
    ]
    .map(String::from)
    .to_vec()
}
fn default_levels() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([(
        "implementation_level".to_string(),
        ["limited", "partial", "advanced"]
            .map(String::from)
            .to_vec(),
    )])
}
fn default_budget_column() -> String {
    "budget_eur".into()
}
fn default_protocol_column() -> String {
    "protocol_signed_after_end".into()
}
fn default_closure_cap() -> usize {
    3
}
fn default_primary() -> Vec<PrimaryTest> {
    vec![
        PrimaryTest {
            test: "spearman".into(),
            exposure: "prior_closure".into(),
            outcome: "problem_reframing".into(),
        },
        PrimaryTest {
            test: "logit_kept_wave_3".into(),
            exposure: "project_born".into(),
            outcome: "kept_in_wave_3".into(),
        },
    ]
}

/// One row of `tests`, with what the answers and the evidence need.
#[derive(Debug, Clone)]
pub(crate) struct TestRow {
    question: String,
    test: String,
    exposure: String,
    outcome: String,
    statistic: String,
    estimate: f64,
    ci_low: f64,
    ci_high: f64,
    p_value: f64,
    p_adjusted: f64,
    primary: bool,
    n: i64,
    method: String,
    /// (input slot, metric read, role) behind the row.
    sources: Vec<(&'static str, String, String)>,
    exposure_label: String,
    outcome_label: String,
}

impl TestRow {
    fn key(&self) -> (String, String, String, String) {
        (
            self.question.clone(),
            self.test.clone(),
            self.exposure.clone(),
            self.outcome.clone(),
        )
    }
}

/// Dyadic model outcomes: (test, outcome column, label).
const MODELS: &[(&str, &str, &str)] = &[
    (
        "logit_kept_wave_3",
        "kept_in_wave_3",
        "a wave-2 tie kept in wave 3",
    ),
    (
        "logit_after_tie",
        "after_tie",
        "joint initiatives after the end",
    ),
];

fn round(x: f64) -> f64 {
    if x.is_finite() {
        let scale = 10f64.powi(12 - (x.abs().max(1e-300).log10().floor() as i32).clamp(-280, 280));
        if scale.is_finite() && scale > 0.0 {
            (x * scale).round() / scale
        } else {
            x
        }
    } else {
        x
    }
}

/// Rules out params no test can mean: no draws, a level of 1.5, an alpha of `nan`. Found when
/// `pipeline.toml` is loaded, before anything runs.
fn check_params(p: &Params) -> Result<(), crate::ParamError> {
    use crate::params::{count_in, in_open_range};
    count_in(
        "draws",
        p.draws,
        1,
        10_000_000,
        "10 000 or more for publication",
    )?;
    in_open_range("level", p.level, 0.0, 1.0)?;
    in_open_range("alpha", p.alpha, 0.0, 1.0)
}

/// Runs the stage.
///
/// # Errors
/// Input tables without their canonical columns, an unreadable projects file, params out of
/// range, or a primary test that is not one of the tests the stage runs.
#[allow(clippy::too_many_lines)]
/// The columns the kind reads from each table slot ([`crate::slot_columns`]): at 10,000 projects
/// the stage runs for minutes beside others, holding its inputs, and `node_metrics` alone has
/// two dozen columns of 2.5 million rows of which it reads five.
#[must_use]
pub fn slot_columns(slot: &str) -> Option<&'static [&'static str]> {
    Some(match slot {
        "ties" => &["project", "wave", "layer", "source", "target"],
        "actors" => &["actor_id", "sector", "ente_gestore"],
        "network_metrics" => &[
            "project",
            "wave",
            "layer",
            "density",
            "transitivity",
            "n_actors",
            "ei_index",
        ],
        "node_metrics" => &["project", "wave", "layer", "actor_id", "constraint"],
        "network_types" => &["project", "lead_actor"],
        "roster" => &["project", "wave", "organisation", "responded"],
        "actor_matches" => &["raw_name", "actor_id", "projects"],
        _ => return None,
    })
}

pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    check_params(&params)?;
    let data = inputs::read(input, &params)?;
    let setup = project_tests::Setup {
        draws: params.draws,
        level: params.level,
        seed: input.seed,
        controls: &data.controls,
    };
    let mut rows: Vec<TestRow> = Vec::new();
    rows.extend(project_tests::pair_tests(
        &setup,
        "Q1",
        &data.exposures,
        &data.outcomes,
        true,
    ));
    rows.extend(project_tests::pair_tests(
        &setup,
        "Q2",
        &data.outcomes,
        &data.changes,
        false,
    ));
    let protocol_known = data.protocol.missing.is_none();
    let mut models = Vec::new();
    // The two tie models side by side (each seeded by its own label: the same bits either way).
    let fitted: Vec<_> = MODELS
        .par_iter()
        .enumerate()
        .map(|(k, (test, _, _))| {
            let risk = if k == 0 { &data.kept } else { &data.after };
            dyads::fit(
                risk,
                &data.protocol.values,
                protocol_known,
                params.draws,
                params.level,
                input.seed,
                &format!("Q2/{test}"),
            )
        })
        .collect();
    for ((k, (test, outcome, outcome_label)), model) in MODELS.iter().enumerate().zip(fitted) {
        let risk = if k == 0 { &data.kept } else { &data.after };
        let mut extra = String::new();
        if risk.unobservable > 0 {
            extra.push_str(&format!(
                "; {} dyads left out because neither organisation answered wave 3",
                risk.unobservable
            ));
        }
        if !risk.left_out.is_empty() {
            extra.push_str(&format!(
                "; projects left out: {}",
                risk.left_out.join(", ")
            ));
        }
        for c in &model.coefficients {
            let (_, title, _) = report::mechanism(&c.name).unwrap_or(("", "", ""));
            let mut sources: Vec<(&'static str, String, String)> = data
                .dyad_sources
                .iter()
                .map(|(s, m)| (*s, m.clone(), "model".to_string()))
                .collect();
            sources.sort();
            rows.push(TestRow {
                question: "Q2".into(),
                test: (*test).to_string(),
                exposure: c.name.clone(),
                outcome: (*outcome).to_string(),
                statistic: "odds_ratio".into(),
                estimate: c.log_odds.exp(),
                ci_low: c.ci_low.exp(),
                ci_high: c.ci_high.exp(),
                p_value: c.p_value,
                p_adjusted: f64::NAN,
                primary: false,
                n: model.n_dyads as i64,
                method: match &c.note {
                    Some(note) if *note == model.method => model.method.clone(),
                    Some(note) => format!("not estimated: {note}; {}", model.method),
                    None => format!(
                        "{}; standard error of the log-odds {} (bootstrap), {} (model){extra}",
                        model.method,
                        report::fmt(c.boot_se),
                        report::fmt(c.model_se)
                    ),
                },
                sources,
                exposure_label: title.to_lowercase(),
                outcome_label: (*outcome_label).to_string(),
            });
        }
        models.push(model);
    }
    // The primary family.
    let mut unknown = Vec::new();
    for p in &params.primary {
        let hit = rows
            .iter_mut()
            .find(|r| r.test == p.test && r.exposure == p.exposure && r.outcome == p.outcome);
        match hit {
            Some(r) => r.primary = true,
            None => unknown.push(format!("{} {} × {}", p.test, p.exposure, p.outcome)),
        }
    }
    if !unknown.is_empty() {
        let mut known: BTreeSet<String> = BTreeSet::new();
        for r in &rows {
            known.insert(format!("test `{}`", r.test));
            known.insert(format!("exposure `{}`", r.exposure));
            known.insert(format!("outcome `{}`", r.outcome));
        }
        return Err(StageError::Compute(format!(
            "param `primary` names tests this stage does not run: {}; it runs {}",
            unknown.join("; "),
            known.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    let primary_idx: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].primary).collect();
    let rest_idx: Vec<usize> = (0..rows.len()).filter(|&i| !rows[i].primary).collect();
    let holm = crate::stats::holm(
        &primary_idx
            .iter()
            .map(|&i| rows[i].p_value)
            .collect::<Vec<_>>(),
    );
    for (k, &i) in primary_idx.iter().enumerate() {
        rows[i].p_adjusted = holm[k];
    }
    let bh = crate::stats::benjamini_hochberg(
        &rest_idx
            .iter()
            .map(|&i| rows[i].p_value)
            .collect::<Vec<_>>(),
    );
    for (k, &i) in rest_idx.iter().enumerate() {
        rows[i].p_adjusted = bh[k];
    }
    rows.sort_by_key(TestRow::key);

    // Answers.
    struct Claim {
        id: String,
        question: String,
        answer: String,
        strength: String,
        estimate: f64,
        ci: (f64, f64),
        /// Test rows behind the claim.
        backing: Vec<usize>,
    }
    let find = |test: &str, exposure: &str, outcome: &str| {
        rows.iter()
            .position(|r| r.test == test && r.exposure == exposure && r.outcome == outcome)
    };
    let sentence = |i: usize| -> String {
        let r = &rows[i];
        if r.statistic == "odds_ratio" {
            report::mechanism_sentence(r, &params, r.test == MODELS[0].0)
        } else {
            report::correlation_sentence(r, &params)
        }
    };
    let mut claims: Vec<Claim> = Vec::new();
    let n_projects = data.projects.len();
    for q in ["Q1", "Q2"] {
        let primary = params.primary.iter().find_map(|p| {
            find(&p.test, &p.exposure, &p.outcome).filter(|&i| rows[i].question == q)
        });
        let claim = match primary {
            Some(i) => Claim {
                id: q.to_string(),
                question: q.to_string(),
                answer: sentence(i),
                strength: report::strength(&rows[i], params.alpha).to_string(),
                estimate: rows[i].estimate,
                ci: (rows[i].ci_low, rows[i].ci_high),
                backing: vec![i],
            },
            None => Claim {
                id: q.to_string(),
                question: q.to_string(),
                answer: format!("No primary test is declared for {q} (param `primary`): see the exploratory rows of `tests`."),
                strength: "none".into(),
                estimate: f64::NAN,
                ci: (f64::NAN, f64::NAN),
                backing: Vec::new(),
            },
        };
        claims.push(claim);
    }
    for name in dyads::REPORTED {
        let Some(i) = find(MODELS[0].0, name, MODELS[0].1) else {
            continue;
        };
        let (id, _, _) = report::mechanism(name).unwrap_or((name, "", ""));
        let mut backing = vec![i];
        backing.extend(find(MODELS[1].0, name, MODELS[1].1));
        claims.push(Claim {
            id: format!("Q2.{id}"),
            question: "Q2".into(),
            answer: sentence(i),
            strength: report::strength(&rows[i], params.alpha).to_string(),
            estimate: rows[i].estimate,
            ci: (rows[i].ci_low, rows[i].ci_high),
            backing,
        });
    }
    {
        let change_names: BTreeSet<&str> =
            data.changes.iter().map(|c| c.var.name.as_str()).collect();
        let change_rows: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                rows[i].question == "Q2" && change_names.contains(rows[i].outcome.as_str())
            })
            .collect();
        let passing = change_rows
            .iter()
            .filter(|&&i| rows[i].p_adjusted < params.alpha)
            .count();
        let best = change_rows
            .iter()
            .copied()
            .filter(|&i| rows[i].p_value.is_finite())
            .min_by(|&a, &b| rows[a].p_value.total_cmp(&rows[b].p_value));
        let (answer, strength, estimate, ci, backing) = match best {
            Some(i) => {
                let r = &rows[i];
                (
                    format!(
                        "Change in social capital from wave 1 to wave 3 and the change outcomes: {passing} of {} exploratory tests pass the Benjamini–Hochberg adjustment at {}; the closest association is {} with {} ({}).",
                        change_rows.len(),
                        params.alpha,
                        r.exposure_label,
                        r.outcome_label,
                        report::figures(r, &params, "projects")
                    ),
                    report::strength(r, params.alpha).to_string(),
                    r.estimate,
                    (r.ci_low, r.ci_high),
                    vec![i],
                )
            }
            None => (
                format!(
                    "Change in social capital from wave 1 to wave 3 could not be related to the change outcomes: too few projects with waves 1 and 3 ({n_projects} projects)."
                ),
                "none".to_string(),
                f64::NAN,
                (f64::NAN, f64::NAN),
                Vec::new(),
            ),
        };
        claims.push(Claim {
            id: "Q2.project_change".into(),
            question: "Q2".into(),
            answer,
            strength,
            estimate,
            ci,
            backing,
        });
    }
    {
        let rank = |s: &str| match s {
            "strong" => 3,
            "moderate" => 2,
            "weak" => 1,
            _ => 0,
        };
        let backed: Vec<&Claim> = claims.iter().filter(|c| rank(&c.strength) >= 2).collect();
        let best = claims
            .iter()
            .map(|c| c.strength.as_str())
            .max_by_key(|s| rank(s))
            .unwrap_or("none")
            .to_string();
        let total = claims.len();
        let ids: Vec<&str> = backed.iter().map(|c| c.id.as_str()).collect();
        let answer = format!(
            "Traces in the data: {} of {total} claims rest on moderate or strong evidence{}; `evidence` links each claim to its test rows and to the content hashes of the inputs it came from; the limits are N = {n_projects} projects (only large project-level associations are detectable), outcomes coded after the fact, recall-based prior ties and wave-3 non-response.",
            backed.len(),
            if ids.is_empty() {
                String::new()
            } else {
                format!(" ({})", ids.join(", "))
            }
        );
        let backing: Vec<usize> = backed.iter().flat_map(|c| c.backing.clone()).collect();
        claims.push(Claim {
            id: "Q3".into(),
            question: "Q3".into(),
            answer,
            strength: best,
            estimate: if total > 0 {
                backed.len() as f64 / total as f64
            } else {
                f64::NAN
            },
            ci: (f64::NAN, f64::NAN),
            backing,
        });
    }
    claims.sort_by(|a, b| (&a.question, &a.id).cmp(&(&b.question, &b.id)));

    // Mechanisms.
    let mut mech = MechRows::default();
    for r in rows.iter().filter(|r| r.statistic == "odds_ratio") {
        let Some((id, _, trace)) = report::mechanism(&r.exposure) else {
            continue;
        };
        let verdict = report::verdict(r, params.alpha);
        mech.mechanism.push(id.to_string());
        mech.outcome.push(r.outcome.clone());
        mech.trace.push(trace.to_string());
        mech.test.push(r.test.clone());
        mech.exposure.push(r.exposure.clone());
        mech.f
            .push([r.estimate, r.ci_low, r.ci_high, r.p_value, r.p_adjusted]);
        mech.supported.push(verdict == "supported");
        mech.verdict.push(verdict.to_string());
    }

    // Evidence.
    let mut ev = EvidenceRows::default();
    for c in &claims {
        for &i in &c.backing {
            let r = &rows[i];
            let mut seen = BTreeSet::new();
            for (slot, metric, role) in &r.sources {
                if !seen.insert((slot, metric, role)) {
                    continue;
                }
                let (stage, table) = source_of(input, slot);
                ev.claim.push(c.id.clone());
                ev.question.push(c.question.clone());
                ev.test.push(r.test.clone());
                ev.exposure.push(r.exposure.clone());
                ev.outcome.push(r.outcome.clone());
                ev.estimate.push(round(r.estimate));
                ev.p_adjusted.push(round(r.p_adjusted));
                ev.role.push(role.clone());
                ev.metric.push(metric.clone());
                ev.source_stage.push(stage);
                ev.source_table.push(table);
                ev.input_slot.push((*slot).to_string());
                ev.input_hash
                    .push(input.input_hashes.get(*slot).cloned().unwrap_or_default());
            }
        }
    }

    let mut summary = vec![format!(
        "{n_projects} projects; {} tests ({} primary)",
        rows.len(),
        primary_idx.len(),
    )];
    for ((test, _, _), m) in MODELS.iter().zip(&models) {
        summary.push(format!(
            "{test}: {} dyads in {} projects, {} bootstrap resamples failed to fit",
            m.n_dyads, m.n_projects, m.failed_resamples
        ));
    }
    for r in rows.iter().filter(|r| r.primary) {
        summary.push(format!(
            "primary {} {} × {}: estimate {}, p {}, Holm {}",
            r.test,
            r.exposure,
            r.outcome,
            report::fmt(r.estimate),
            report::fmt(r.p_value),
            report::fmt(r.p_adjusted)
        ));
    }
    if n_projects < 3 {
        summary.push(format!(
            "only {n_projects} projects: the project-level tests need at least 3 and are NaN"
        ));
    }
    summary.extend(data.notes.iter().cloned());
    for c in &claims {
        summary.push(format!("{} [{}]: {}", c.id, c.strength, c.answer));
    }

    let mut tables = BTreeMap::new();
    tables.insert("tests".to_string(), tests_frame(&rows)?);
    tables.insert(
        "answers".to_string(),
        answers_frame(
            &claims
                .iter()
                .map(|c| {
                    (
                        c.question.clone(),
                        c.id.clone(),
                        c.answer.clone(),
                        c.estimate,
                        c.ci,
                        c.strength.clone(),
                    )
                })
                .collect::<Vec<_>>(),
        )?,
    );
    tables.insert("mechanisms".to_string(), mech.frame()?);
    tables.insert("evidence".to_string(), ev.frame()?);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary,
    })
}

/// Where the input in `slot` came from: (stage, table) for an upstream table as the slot is
/// documented, ("file", its path) for a file.
fn source_of(input: &StageInput, slot: &str) -> (String, String) {
    if let Some(f) = input.files.get(slot) {
        return ("file".into(), f.display.clone());
    }
    let doc = SPEC
        .slots
        .iter()
        .find(|s| s.name == slot)
        .map_or("", |s| s.doc);
    let id = doc.split_whitespace().next().unwrap_or("");
    match id.split_once('.') {
        Some((stage, table)) => (stage.to_string(), table.to_string()),
        None => (String::new(), slot.to_string()),
    }
}

fn tests_frame(rows: &[TestRow]) -> Result<DataFrame, StageError> {
    let s = |f: fn(&TestRow) -> &String| rows.iter().map(|r| f(r).clone()).collect::<Vec<_>>();
    let f = |f: fn(&TestRow) -> f64| rows.iter().map(|r| round(f(r))).collect::<Vec<_>>();
    Ok(DataFrame::new_infer_height(vec![
        Column::new("question".into(), s(|r| &r.question)),
        Column::new("test".into(), s(|r| &r.test)),
        Column::new("exposure".into(), s(|r| &r.exposure)),
        Column::new("outcome".into(), s(|r| &r.outcome)),
        Column::new("statistic".into(), s(|r| &r.statistic)),
        Column::new("estimate".into(), f(|r| r.estimate)),
        Column::new("ci_low".into(), f(|r| r.ci_low)),
        Column::new("ci_high".into(), f(|r| r.ci_high)),
        Column::new("p_value".into(), f(|r| r.p_value)),
        Column::new("p_adjusted".into(), f(|r| r.p_adjusted)),
        Column::new(
            "primary".into(),
            rows.iter().map(|r| r.primary).collect::<Vec<_>>(),
        ),
        Column::new("n".into(), rows.iter().map(|r| r.n).collect::<Vec<_>>()),
        Column::new("method".into(), s(|r| &r.method)),
    ])?)
}

type AnswerRow = (String, String, String, f64, (f64, f64), String);

fn answers_frame(rows: &[AnswerRow]) -> Result<DataFrame, StageError> {
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "question".into(),
            rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "claim".into(),
            rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "answer".into(),
            rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "estimate".into(),
            rows.iter().map(|r| round(r.3)).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_low".into(),
            rows.iter().map(|r| round(r.4 .0)).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_high".into(),
            rows.iter().map(|r| round(r.4 .1)).collect::<Vec<_>>(),
        ),
        Column::new(
            "evidence_strength".into(),
            rows.iter().map(|r| r.5.clone()).collect::<Vec<_>>(),
        ),
    ])?)
}

#[derive(Default)]
struct MechRows {
    mechanism: Vec<String>,
    outcome: Vec<String>,
    trace: Vec<String>,
    test: Vec<String>,
    exposure: Vec<String>,
    f: Vec<[f64; 5]>,
    supported: Vec<bool>,
    verdict: Vec<String>,
}

impl MechRows {
    fn frame(self) -> Result<DataFrame, StageError> {
        let mut order: Vec<usize> = (0..self.mechanism.len()).collect();
        order.sort_by(|&a, &b| {
            (&self.mechanism[a], &self.outcome[a]).cmp(&(&self.mechanism[b], &self.outcome[b]))
        });
        let s = |v: &Vec<String>| order.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
        let f = |k: usize| {
            order
                .iter()
                .map(|&i| round(self.f[i][k]))
                .collect::<Vec<_>>()
        };
        Ok(DataFrame::new_infer_height(vec![
            Column::new("mechanism".into(), s(&self.mechanism)),
            Column::new("outcome".into(), s(&self.outcome)),
            Column::new("trace".into(), s(&self.trace)),
            Column::new("test".into(), s(&self.test)),
            Column::new("exposure".into(), s(&self.exposure)),
            Column::new("estimate".into(), f(0)),
            Column::new("ci_low".into(), f(1)),
            Column::new("ci_high".into(), f(2)),
            Column::new("p_value".into(), f(3)),
            Column::new("p_adjusted".into(), f(4)),
            Column::new(
                "supported".into(),
                order.iter().map(|&i| self.supported[i]).collect::<Vec<_>>(),
            ),
            Column::new("verdict".into(), s(&self.verdict)),
        ])?)
    }
}

#[derive(Default)]
struct EvidenceRows {
    claim: Vec<String>,
    question: Vec<String>,
    test: Vec<String>,
    exposure: Vec<String>,
    outcome: Vec<String>,
    estimate: Vec<f64>,
    p_adjusted: Vec<f64>,
    role: Vec<String>,
    metric: Vec<String>,
    source_stage: Vec<String>,
    source_table: Vec<String>,
    input_slot: Vec<String>,
    input_hash: Vec<String>,
}

impl EvidenceRows {
    fn frame(self) -> Result<DataFrame, StageError> {
        let mut order: Vec<usize> = (0..self.claim.len()).collect();
        let key = |i: usize| {
            (
                &self.claim[i],
                &self.test[i],
                &self.exposure[i],
                &self.outcome[i],
                &self.role[i],
                &self.input_slot[i],
                &self.metric[i],
            )
        };
        order.sort_by(|&a, &b| key(a).cmp(&key(b)));
        let s = |v: &Vec<String>| order.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
        let f = |v: &Vec<f64>| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
        Ok(DataFrame::new_infer_height(vec![
            Column::new("claim".into(), s(&self.claim)),
            Column::new("question".into(), s(&self.question)),
            Column::new("test".into(), s(&self.test)),
            Column::new("exposure".into(), s(&self.exposure)),
            Column::new("outcome".into(), s(&self.outcome)),
            Column::new("estimate".into(), f(&self.estimate)),
            Column::new("p_adjusted".into(), f(&self.p_adjusted)),
            Column::new("role".into(), s(&self.role)),
            Column::new("metric".into(), s(&self.metric)),
            Column::new("source_stage".into(), s(&self.source_stage)),
            Column::new("source_table".into(), s(&self.source_table)),
            Column::new("input_slot".into(), s(&self.input_slot)),
            Column::new("input_hash".into(), s(&self.input_hash)),
        ])?)
    }
}
