//! The tie-level models of Q2: a logistic regression of whether a tie is kept in wave 3 (risk
//! set: wave-2 ties) and, separately, of whether a pair starts joint initiatives after the end
//! (risk set: wave-2 or prior ties) on the mechanisms' traces.
//!
//! **Specification.** Project fixed effects would absorb the protocol (a project-level
//! covariate), so the model instead carries, for every tie-level covariate, its mean over the
//! project's risk set (Mundlak's device). The tie-level coefficients are then within-project
//! contrasts, as under fixed effects — a project's composition (more project-born ties, more
//! cross-sector pairs) cannot masquerade as a tie-level effect — while the protocol stays
//! identified from the differences between projects, adjusted for their composition.
//! `both_answered` (both organisations answered wave 3, so the tie had two chances to be
//! reported) is a control; dyads whose organisations both missed wave 3 cannot show the tie and
//! are left out.
//!
//! **Uncertainty.** Intervals: project-cluster bootstrap (projects resampled with replacement,
//! the model refitted from the full-sample estimate; resamples where the fit fails — a covariate
//! constant, complete separation — are dropped and counted). With about twenty clusters the
//! percentile interval of the pairs cluster bootstrap is known to be too narrow, so the interval
//! is the estimate ± t(G − 1) × the bootstrap standard deviation, on the log-odds scale (G the
//! number of projects), the usual small-G correction (Cameron, Gelbach & Miller 2008). p-values: permutation
//! score tests that respect the project structure: the covariate's part not explained by the
//! other covariates (weighted least squares on the null model's IRLS weights, Dekker–Krackhardt–
//! Snijders semi-partialling) is permuted among the ties of each project (tie-level covariates)
//! or among projects (the protocol), against the null model's residuals.
//!
//! The data are grouped into binomial counts per (project, covariate pattern) before fitting:
//! the same estimates and standard errors as tie by tie, several times faster.
use std::collections::BTreeMap;

use crate::stats::{self, LogitData};

use super::cluster_logit::{Block, Blocks, REFIT_TOLERANCE};
use super::inputs::{RiskSet, TIE_COVARIATES};

/// The result for one coefficient.
#[derive(Debug, Clone)]
pub(super) struct Coefficient {
    pub name: String,
    pub log_odds: f64,
    pub model_se: f64,
    /// Standard deviation of the cluster-bootstrap estimates.
    pub boot_se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    /// Why it is NaN, when it is.
    pub note: Option<String>,
}

/// A fitted model.
#[derive(Debug, Clone)]
pub(super) struct Model {
    pub coefficients: Vec<Coefficient>,
    pub n_dyads: usize,
    pub n_projects: usize,
    pub failed_resamples: usize,
    pub method: String,
}

/// Coefficients reported, in order: the tie-level mechanisms and the protocol.
pub(super) const REPORTED: &[&str] = &[
    "project_born",
    "bridging",
    "closure",
    "ente_gestore_tie",
    "ente_gestore_two_path",
    "protocol",
];

/// One column of the design.
#[derive(Debug, Clone)]
enum Col {
    Intercept,
    Tie(usize),
    Mean(usize),
    Protocol,
}

/// Per project: the grouped rows (covariate pattern → successes, trials).
struct Grouped {
    /// Projects with dyads, as indices into the project list.
    projects: Vec<usize>,
    /// Per project (same order): rows of tie-level values with (successes, trials).
    rows: Vec<Vec<([f64; 6], f64, f64)>>,
    /// Per project: means of the tie-level covariates.
    means: Vec<[f64; 6]>,
    /// Per project: protocol value.
    protocol: Vec<f64>,
}

fn group(risk: &RiskSet, protocol: &[f64]) -> Grouped {
    let mut by_project: BTreeMap<usize, BTreeMap<[i64; 6], (f64, f64)>> = BTreeMap::new();
    let mut sums: BTreeMap<usize, ([f64; 6], f64)> = BTreeMap::new();
    for d in &risk.dyads {
        let key: [i64; 6] = d.x.map(|v| v.round() as i64);
        let e = by_project
            .entry(d.project)
            .or_default()
            .entry(key)
            .or_default();
        e.0 += f64::from(u8::from(d.y));
        e.1 += 1.0;
        let s = sums.entry(d.project).or_insert(([0.0; 6], 0.0));
        for k in 0..6 {
            s.0[k] += d.x[k];
        }
        s.1 += 1.0;
    }
    let mut g = Grouped {
        projects: Vec::new(),
        rows: Vec::new(),
        means: Vec::new(),
        protocol: Vec::new(),
    };
    for (p, patterns) in by_project {
        let (sum, n) = sums[&p];
        g.projects.push(p);
        g.rows.push(
            patterns
                .into_iter()
                .map(|(k, (s, t))| (k.map(|v| v as f64), s, t))
                .collect(),
        );
        g.means.push(sum.map(|v| v / n));
        g.protocol.push(protocol[p]);
    }
    g
}

/// Builds the grouped design of the projects `pick` (indices into `g.projects`, repeats allowed).
fn design(g: &Grouped, cols: &[Col], pick: &[usize]) -> (LogitData, Vec<usize>) {
    let mut data = LogitData {
        cols: cols.len(),
        ..LogitData::default()
    };
    let mut owner = Vec::new();
    let mut row = vec![0.0; cols.len()];
    for (slot, &j) in pick.iter().enumerate() {
        for (x, s, t) in &g.rows[j] {
            for (c, col) in cols.iter().enumerate() {
                row[c] = match col {
                    Col::Intercept => 1.0,
                    Col::Tie(k) => x[*k],
                    Col::Mean(k) => g.means[j][*k],
                    Col::Protocol => g.protocol[j],
                };
            }
            data.push(&row, *s, *t);
            owner.push(slot);
        }
    }
    (data, owner)
}

/// The design of every project as a block of tie-level rows and project-level values.
fn blocks(g: &Grouped, cols: &[Col]) -> Blocks {
    let tie_pos: Vec<usize> = (0..cols.len())
        .filter(|&c| matches!(cols[c], Col::Tie(_)))
        .collect();
    let project_pos: Vec<usize> = (0..cols.len())
        .filter(|&c| !matches!(cols[c], Col::Tie(_)))
        .collect();
    let blocks = (0..g.projects.len())
        .map(|j| {
            let mut b = Block {
                // In the order of `project_pos`: every column but the tie-level ones.
                project: cols
                    .iter()
                    .filter_map(|c| match c {
                        Col::Intercept => Some(1.0),
                        Col::Mean(k) => Some(g.means[j][*k]),
                        Col::Protocol => Some(g.protocol[j]),
                        Col::Tie(_) => None,
                    })
                    .collect(),
                ..Block::default()
            };
            for (x, s, t) in &g.rows[j] {
                for &c in &tie_pos {
                    if let Col::Tie(k) = cols[c] {
                        b.ties.push(x[k]);
                    }
                }
                b.successes.push(*s);
                b.trials.push(*t);
            }
            b
        })
        .collect();
    Blocks {
        tie_pos,
        project_pos,
        blocks,
    }
}

fn varies(values: impl Iterator<Item = f64>) -> bool {
    let mut first = None;
    for v in values {
        match first {
            None => first = Some(v),
            Some(f) if (v - f).abs() > 1e-12 => return true,
            Some(_) => {}
        }
    }
    false
}

/// Fits one model with its bootstrap intervals and permutation p-values.
#[allow(clippy::too_many_lines)]
pub(super) fn fit(
    risk: &RiskSet,
    protocol: &[f64],
    protocol_known: bool,
    draws: usize,
    level: f64,
    seed: u64,
    label: &str,
) -> Model {
    let g = group(risk, protocol);
    let nproj = g.projects.len();
    let n_dyads = risk.dyads.len();
    // Columns: drop a tie-level covariate constant over all dyads, a mean constant over projects.
    let mut cols = vec![Col::Intercept];
    let mut dropped: BTreeMap<String, String> = BTreeMap::new();
    let tie_count = if risk.observability_known { 6 } else { 5 };
    for k in 0..tie_count {
        let tie_varies = varies(g.rows.iter().flatten().map(|(x, _, _)| x[k]));
        if tie_varies {
            cols.push(Col::Tie(k));
        } else {
            dropped.insert(
                TIE_COVARIATES[k].to_string(),
                "the covariate is constant in the risk set".into(),
            );
        }
    }
    for k in 0..tie_count {
        if cols.iter().any(|c| matches!(c, Col::Tie(j) if *j == k))
            && varies(g.means.iter().map(|m| m[k]))
        {
            cols.push(Col::Mean(k));
        }
    }
    if !protocol_known {
        dropped.insert(
            "protocol".into(),
            "the protocol column is not in the projects file".into(),
        );
    } else if varies(g.protocol.iter().copied()) {
        cols.push(Col::Protocol);
    } else {
        dropped.insert(
            "protocol".into(),
            "the protocol is the same in every project".into(),
        );
    }
    let project_cols = cols
        .iter()
        .filter(|c| matches!(c, Col::Intercept | Col::Mean(_) | Col::Protocol))
        .count();
    let col_name = |c: &Col| match c {
        Col::Intercept => "intercept".to_string(),
        Col::Tie(k) => TIE_COVARIATES[*k].to_string(),
        Col::Mean(k) => format!("mean_{}", TIE_COVARIATES[*k]),
        Col::Protocol => "protocol".to_string(),
    };
    let no_dyads = n_dyads == 0;
    let empty = |note: String| Model {
        coefficients: REPORTED
            .iter()
            .map(|n| Coefficient {
                name: (*n).to_string(),
                log_odds: f64::NAN,
                model_se: f64::NAN,
                boot_se: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                p_value: f64::NAN,
                note: Some(
                    dropped
                        .get(*n)
                        .filter(|_| !no_dyads)
                        .cloned()
                        .unwrap_or_else(|| note.clone()),
                ),
            })
            .collect(),
        n_dyads,
        n_projects: nproj,
        failed_resamples: 0,
        method: note.clone(),
    };
    if n_dyads == 0 {
        return empty(
            "not computed: no dyads (the model needs waves 2 and 3 and a prior layer)".into(),
        );
    }
    if nproj < project_cols + 2 {
        return empty(format!(
            "not computed: {nproj} projects with dyads, fewer than the {} the project-level terms need",
            project_cols + 2
        ));
    }
    let all: Vec<usize> = (0..nproj).collect();
    let (data, owner) = design(&g, &cols, &all);
    let Some(full) = stats::logistic(&data, None) else {
        return empty(
            "not computed: the logistic fit did not converge (separation or collinear covariates)"
                .into(),
        );
    };
    // Cluster bootstrap: each resample refitted from the projects' blocks, weighted by how
    // many times it drew each project (cluster_logit.rs), not from a stacked design; every
    // refit starts at the full fit, whose per-project sums are computed once, and stops when
    // its largest Newton step is below REFIT_TOLERANCE (error left below 1e-8; the full fit
    // stops at 1e-10).
    let blocks = blocks(&g, &cols);
    let start = blocks.sums_at(&full.coef);
    let boots: Vec<Option<Vec<f64>>> =
        stats::draws(draws, seed, &format!("{label}/bootstrap"), |rng| {
            let mut times = vec![0u32; nproj];
            for j in stats::resample(rng, nproj) {
                times[j] += 1;
            }
            blocks.fit(&times, &start, REFIT_TOLERANCE)
        });
    let failed = boots.iter().filter(|b| b.is_none()).count();
    let positions: Vec<Option<usize>> = REPORTED
        .iter()
        .map(|name| cols.iter().position(|c| col_name(c) == *name))
        .collect();
    let pieces: Vec<Option<Pieces>> = positions
        .iter()
        .map(|pos| pos.and_then(|c| score_pieces(&g, &cols, c, &data, &owner)))
        .collect();
    let p_values = permutation_ps(&pieces, draws, seed, &format!("{label}/permutation"));
    let mut coefficients = Vec::new();
    for (k, name) in REPORTED.iter().enumerate() {
        let Some(c) = positions[k] else {
            coefficients.push(Coefficient {
                name: (*name).to_string(),
                log_odds: f64::NAN,
                model_se: f64::NAN,
                boot_se: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                p_value: f64::NAN,
                note: Some(
                    dropped
                        .get(*name)
                        .cloned()
                        .unwrap_or_else(|| "not in the model".into()),
                ),
            });
            continue;
        };
        let draws_c: Vec<f64> = boots.iter().flatten().map(|b| b[c]).collect();
        let boot_se = stats::standard_deviation(&draws_c);
        let (lo, hi) = stats::t_interval(full.coef[c], boot_se, nproj - 1, level);
        coefficients.push(Coefficient {
            name: (*name).to_string(),
            log_odds: full.coef[c],
            model_se: full.se[c],
            boot_se,
            ci_low: lo,
            ci_high: hi,
            p_value: p_values[k],
            note: None,
        });
    }
    let terms: Vec<String> = cols.iter().map(col_name).collect();
    let method = format!(
        "logistic regression by IRLS on {n_dyads} dyads in {nproj} projects, terms {}; odds ratio = exp(coefficient); {} interval exp(coefficient ± t({}) × project-cluster bootstrap SD), B = {draws}{}; p from B = {draws} permutations of the covariate's residual on the other terms {} (score statistic)",
        terms.join(" + "),
        format_args!("{}%", (level * 100.0).round()),
        nproj - 1,
        if failed > 0 {
            format!(" ({failed} resamples failed to fit and were dropped)")
        } else {
            String::new()
        },
        "within projects (between projects for the protocol)"
    );
    Model {
        coefficients,
        n_dyads,
        n_projects: nproj,
        failed_resamples: failed,
        method,
    }
}

/// What a permutation score test of one column needs: the covariate's residual on the other
/// terms and the null model's residuals, by project (tie by tie, or one value per project for a
/// project-level column), and the observed score.
enum Pieces {
    /// Tie level: (residualised covariate, null residual) of each tie, the ties of project `j`
    /// at `starts[j]..starts[j + 1]`.
    Ties {
        e: Vec<f64>,
        r: Vec<f64>,
        starts: Vec<usize>,
        observed: f64,
    },
    /// Project level: per project, the residualised covariate and the summed null residual.
    Projects {
        e: Vec<f64>,
        r: Vec<f64>,
        observed: f64,
    },
}

/// The pieces of the score test of column `c` (see the module docs); `None` when the null
/// model cannot be fitted.
fn score_pieces(
    g: &Grouped,
    cols: &[Col],
    c: usize,
    data: &LogitData,
    owner: &[usize],
) -> Option<Pieces> {
    // The null model: every column but `c`.
    let keep: Vec<usize> = (0..cols.len()).filter(|&j| j != c).collect();
    let mut null_data = LogitData {
        cols: keep.len(),
        ..LogitData::default()
    };
    let mut row = vec![0.0; keep.len()];
    for i in 0..data.rows() {
        let full = data.row(i);
        for (k, &j) in keep.iter().enumerate() {
            row[k] = full[j];
        }
        null_data.push(&row, data.successes[i], data.trials[i]);
    }
    let null = stats::logistic_coefficients(&null_data, None)?;
    let (r, w) = stats::logistic_residuals(&null_data, &null);
    let nproj = g.projects.len();
    if matches!(cols[c], Col::Protocol) {
        // Project level: residualise the protocol on the project-level terms, weights Σw.
        let pcols: Vec<usize> = keep
            .iter()
            .copied()
            .filter(|&j| matches!(cols[j], Col::Intercept | Col::Mean(_)))
            .collect();
        let mut wsum = vec![0.0; nproj];
        let mut rsum = vec![0.0; nproj];
        for i in 0..data.rows() {
            wsum[owner[i]] += w[i];
            rsum[owner[i]] += r[i];
        }
        let mut pd = LogitData {
            cols: pcols.len(),
            ..LogitData::default()
        };
        let mut first_row = vec![usize::MAX; nproj];
        for i in 0..data.rows() {
            if first_row[owner[i]] == usize::MAX {
                first_row[owner[i]] = i;
            }
        }
        let mut v = Vec::with_capacity(nproj);
        for &first in &first_row {
            let full = data.row(first);
            let prow: Vec<f64> = pcols.iter().map(|&k| full[k]).collect();
            pd.push(&prow, 0.0, 1.0);
            v.push(full[c]);
        }
        let e = stats::weighted_residuals(&pd, &wsum, &v)?;
        let observed: f64 = e.iter().zip(&rsum).map(|(a, b)| a * b).sum();
        return Some(Pieces::Projects {
            e,
            r: rsum,
            observed,
        });
    }
    // Tie level: residualise on the null design, expand groups to ties, permute within project.
    let v: Vec<f64> = (0..data.rows()).map(|i| data.row(i)[c]).collect();
    let e = stats::weighted_residuals(&null_data, &w, &v)?;
    let mut tie_e: Vec<Vec<f64>> = vec![Vec::new(); nproj];
    let mut tie_r: Vec<Vec<f64>> = vec![Vec::new(); nproj];
    for i in 0..data.rows() {
        let (s, t) = (data.successes[i], data.trials[i]);
        let mu = (s - r[i]) / t;
        let ones = s.round() as usize;
        let zeros = (t - s).round() as usize;
        for _ in 0..ones {
            tie_e[owner[i]].push(e[i]);
            tie_r[owner[i]].push(1.0 - mu);
        }
        for _ in 0..zeros {
            tie_e[owner[i]].push(e[i]);
            tie_r[owner[i]].push(-mu);
        }
    }
    let observed: f64 = (0..nproj)
        .map(|j| {
            tie_e[j]
                .iter()
                .zip(&tie_r[j])
                .map(|(a, b)| a * b)
                .sum::<f64>()
        })
        .sum();
    let mut starts = Vec::with_capacity(nproj + 1);
    starts.push(0);
    for ties in &tie_e {
        starts.push(starts.last().copied().unwrap_or(0) + ties.len());
    }
    Some(Pieces::Ties {
        e: tie_e.concat(),
        r: tie_r.concat(),
        starts,
        observed,
    })
}

/// Permutation p-values of the score tests: tie-level columns share one within-project
/// permutation per draw, project-level columns one between-project permutation per draw.
fn permutation_ps(pieces: &[Option<Pieces>], draws: usize, seed: u64, label: &str) -> Vec<f64> {
    let mut out = vec![f64::NAN; pieces.len()];
    let ties: Vec<usize> = (0..pieces.len())
        .filter(|&k| matches!(pieces[k], Some(Pieces::Ties { .. })))
        .collect();
    let projects: Vec<usize> = (0..pieces.len())
        .filter(|&k| matches!(pieces[k], Some(Pieces::Projects { .. })))
        .collect();
    if let Some(Some(Pieces::Ties { starts, .. })) = ties.first().map(|&k| &pieces[k]) {
        // Every tie-level column has the same ties: lay the columns side by side, tie by tie, so
        // one pass per draw permutes each project's ties once and gathers every column.
        let m = ties.len();
        let total = starts.last().copied().unwrap_or(0);
        let mut e_all = vec![0.0; total * m];
        let mut r_all = vec![0.0; total * m];
        for (col, &k) in ties.iter().enumerate() {
            if let Some(Pieces::Ties { e, r, .. }) = &pieces[k] {
                for t in 0..total {
                    e_all[t * m + col] = e[t];
                    r_all[t * m + col] = r[t];
                }
            }
        }
        let null: Vec<Vec<f64>> = stats::draws_with(
            draws,
            seed,
            &format!("{label}/within_projects"),
            || vec![0usize; total],
            |perm, rng| {
                // Project by project, as `stats::permutation` would draw them (the same bits):
                // each project's sum, then the projects' sums in order.
                let mut sums = vec![0.0; m];
                let mut part = vec![0.0; m];
                for w in starts.windows(2) {
                    let (s, e) = (w[0], w[1]);
                    let seg = &mut perm[s..e];
                    stats::permutation_into(rng, seg);
                    part.fill(0.0);
                    for (t, &i) in seg.iter().enumerate() {
                        let ev = &e_all[(s + i) * m..(s + i + 1) * m];
                        let rv = &r_all[(s + t) * m..(s + t + 1) * m];
                        for ((p, a), b) in part.iter_mut().zip(ev).zip(rv) {
                            *p += a * b;
                        }
                    }
                    for (total, p) in sums.iter_mut().zip(&part) {
                        *total += p;
                    }
                }
                sums
            },
        );
        for (col, &k) in ties.iter().enumerate() {
            if let Some(Pieces::Ties { observed, .. }) = &pieces[k] {
                let column: Vec<f64> = null.iter().map(|d| d[col]).collect();
                out[k] = stats::permutation_p(*observed, &column);
            }
        }
    }
    if let Some(Some(Pieces::Projects { e, .. })) = projects.first().map(|&k| &pieces[k]) {
        let n = e.len();
        let null: Vec<Vec<f64>> =
            stats::draws(draws, seed, &format!("{label}/between_projects"), |rng| {
                let perm = stats::permutation(rng, n);
                projects
                    .iter()
                    .map(|&k| match &pieces[k] {
                        Some(Pieces::Projects { e, r, .. }) => {
                            perm.iter().zip(r).map(|(&i, b)| e[i] * b).sum()
                        }
                        _ => f64::NAN,
                    })
                    .collect()
            });
        for (m, &k) in projects.iter().enumerate() {
            if let Some(Pieces::Projects { observed, .. }) = &pieces[k] {
                let column: Vec<f64> = null.iter().map(|d| d[m]).collect();
                out[k] = stats::permutation_p(*observed, &column);
            }
        }
    }
    out
}
