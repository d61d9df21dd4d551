//! Project-level tests (N = number of projects): Spearman's ρ and Kendall's τ-b with Monte
//! Carlo permutation p-values and percentile bootstrap intervals over projects; the partial
//! Spearman correlation controlling for budget and network size with Freedman–Lane permutation;
//! Fisher's exact test (exposure split at its median) for binary outcomes.
use std::collections::BTreeMap;

use crate::stats;

use super::inputs::{Series, Var};
use super::TestRow;

/// What the project-level tests share.
pub(super) struct Setup<'a> {
    pub draws: usize,
    pub level: f64,
    pub seed: u64,
    pub controls: &'a [Series],
}

/// Smallest N for a correlation test; below it every row is NaN with a note.
const MIN_N: usize = 3;

fn row(question: &str, test: &str, x: &Var, y: &Var, statistic: &str) -> TestRow {
    TestRow {
        question: question.to_string(),
        test: test.to_string(),
        exposure: x.name.clone(),
        outcome: y.name.clone(),
        statistic: statistic.to_string(),
        estimate: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
        p_value: f64::NAN,
        p_adjusted: f64::NAN,
        primary: false,
        n: 0,
        method: String::new(),
        sources: Vec::new(),
        exposure_label: x.label.clone(),
        outcome_label: y.label.clone(),
    }
}

fn pct(level: f64) -> String {
    format!("{}%", (level * 100.0).round())
}

/// One exposure × outcome pair and the projects its tests use.
struct Pair<'a> {
    /// Positions of the exposure in `xs` and the outcome in `ys`.
    i: usize,
    j: usize,
    x: &'a Series,
    y: &'a Series,
    /// Projects with both values.
    keep: Vec<usize>,
    /// Why the rank tests are not computed.
    why_not: Option<String>,
    /// Projects with both values and every control.
    keep_c: Vec<usize>,
    /// Why the partial test is not computed.
    why_partial: Option<String>,
}

/// The resampled statistics of one pair's rank tests.
#[derive(Default)]
struct RankDraws {
    spearman_null: Vec<f64>,
    kendall_null: Vec<f64>,
    spearman_boot: Vec<f64>,
    kendall_boot: Vec<f64>,
}

/// The partial Spearman test of one pair.
struct PartialDraws {
    statistic: f64,
    null: Vec<f64>,
    boot: Vec<f64>,
}

/// Every test of each exposure in `xs` against each outcome in `ys` (a binary outcome adds
/// Fisher's test), in the order exposure by exposure, outcome by outcome.
///
/// The pairs that use the same projects share their draws (common random numbers, as in
/// Westfall and Young's joint permutation of many tests): one permutation and one bootstrap
/// resample of those projects per draw, seeded from the question and the projects, so each
/// variable is ranked and residualised once per draw, not once per pair. Every test's own
/// null distribution and interval are those of a test run alone; only the draws of different
/// tests are dependent.
pub(super) fn pair_tests(
    setup: &Setup<'_>,
    question: &str,
    xs: &[Series],
    ys: &[Series],
    controls_for_partial: bool,
) -> Vec<TestRow> {
    let controls = setup.controls;
    let needed = controls.len() + 3;
    let missing_control = controls.iter().find_map(|c| c.missing.clone());
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    for (i, x) in xs.iter().enumerate() {
        for (j, y) in ys.iter().enumerate() {
            let keep: Vec<usize> = (0..x.values.len())
                .filter(|&k| x.values[k].is_finite() && y.values[k].is_finite())
                .collect();
            let n = keep.len();
            let why_not = x
                .missing
                .clone()
                .or_else(|| y.missing.clone())
                .map(|m| format!("not computed: {m}"))
                .or_else(|| {
                    (n < MIN_N).then(|| {
                        format!("not computed: N = {n} < {MIN_N} projects with both values")
                    })
                });
            let keep_c: Vec<usize> = keep
                .iter()
                .copied()
                .filter(|&k| controls.iter().all(|c| c.values[k].is_finite()))
                .collect();
            let nc = keep_c.len();
            let why_partial = why_not
                .clone()
                .or_else(|| {
                    missing_control
                        .clone()
                        .map(|m| format!("not computed: {m}"))
                })
                .or_else(|| {
                    (nc < needed).then(|| {
                        format!("not computed: N = {nc} < {needed} projects with every value")
                    })
                });
            pairs.push(Pair {
                i,
                j,
                x,
                y,
                keep,
                why_not,
                keep_c,
                why_partial,
            });
        }
    }

    // The rank tests, one batch of shared draws per set of projects.
    let mut rank: Vec<RankDraws> = (0..pairs.len()).map(|_| RankDraws::default()).collect();
    for (keep, members, batch) in batches(&pairs, |p| p.why_not.is_none().then_some(&p.keep)) {
        for (k, d) in members
            .into_iter()
            .zip(rank_batch(setup, question, keep, &batch, xs, ys))
        {
            rank[k] = d;
        }
    }

    // The partial tests, one batch per set of projects with every control.
    let mut partial: Vec<Option<PartialDraws>> = (0..pairs.len()).map(|_| None).collect();
    if controls_for_partial {
        for (keep_c, members, batch) in
            batches(&pairs, |p| p.why_partial.is_none().then_some(&p.keep_c))
        {
            if let Some(draws) = partial_batch(setup, question, keep_c, &batch, xs, ys) {
                for (k, d) in members.into_iter().zip(draws) {
                    partial[k] = Some(d);
                }
            }
        }
    }

    let mut rows = Vec::new();
    for ((p, rank), partial) in pairs.iter().zip(rank).zip(partial) {
        rows.extend(pair_rows(
            setup,
            question,
            p,
            rank,
            partial,
            controls_for_partial,
        ));
    }
    rows
}

/// The pairs that `projects` gives a set of projects (those it gives none are left out),
/// grouped by that set: (projects, positions in `pairs`, (exposure, outcome) positions).
#[allow(clippy::type_complexity)]
fn batches<'p>(
    pairs: &'p [Pair<'_>],
    projects: impl Fn(&'p Pair<'_>) -> Option<&'p Vec<usize>>,
) -> Vec<(&'p [usize], Vec<usize>, Vec<(usize, usize)>)> {
    let mut groups: BTreeMap<&[usize], Vec<usize>> = BTreeMap::new();
    for (k, p) in pairs.iter().enumerate() {
        if let Some(keep) = projects(p) {
            groups.entry(keep).or_default().push(k);
        }
    }
    groups
        .into_iter()
        .map(|(keep, members)| {
            let batch = members.iter().map(|&k| (pairs[k].i, pairs[k].j)).collect();
            (keep, members, batch)
        })
        .collect()
}

/// A short digest of a set of projects, to seed the draws that resample them.
fn digest(keep: &[usize]) -> String {
    let mut h = blake3::Hasher::new();
    for &k in keep {
        h.update(&(k as u64).to_le_bytes());
    }
    h.finalize().to_hex()[..16].to_string()
}

/// One variable's values on the batch's projects, ranked and indexed once.
struct Ranked {
    index: stats::RankIndex,
    ranks: Vec<f64>,
}

/// Spearman and Kendall permutation and bootstrap draws of the pairs `batch` ((exposure,
/// outcome) positions) on the projects `keep`, where every pair has both values.
fn rank_batch(
    setup: &Setup<'_>,
    question: &str,
    keep: &[usize],
    batch: &[(usize, usize)],
    xs: &[Series],
    ys: &[Series],
) -> Vec<RankDraws> {
    let n = keep.len();
    let values = |s: &Series| -> Vec<f64> { keep.iter().map(|&k| s.values[k]).collect() };
    // Only the variables of the batch: another's values may be missing on these projects.
    let ranked = |series: &[Series], used: &dyn Fn(usize) -> bool| -> Vec<Option<Ranked>> {
        series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                used(i).then(|| {
                    let v = values(s);
                    Ranked {
                        index: stats::RankIndex::new(&v),
                        ranks: stats::ranks(&v),
                    }
                })
            })
            .collect()
    };
    let rx = ranked(xs, &|i| batch.iter().any(|&(a, _)| a == i));
    let ry = ranked(ys, &|j| batch.iter().any(|&(_, b)| b == j));
    let kendall: Vec<stats::KendallIndex> = batch
        .iter()
        .map(|&(i, j)| stats::KendallIndex::new(&values(&xs[i]), &values(&ys[j])))
        .collect();
    let label = |what: &str| format!("{question}/rank_tests/{what}/{}", digest(keep));
    let b = setup.draws;
    // Permuting each outcome against the exposures; Spearman permutes ranks once computed.
    let null = stats::draws(b, setup.seed, &label("permutation"), |rng| {
        let perm = stats::permutation(rng, n);
        let py: Vec<Option<Vec<f64>>> = ry
            .iter()
            .map(|r| {
                r.as_ref()
                    .map(|r| perm.iter().map(|&k| r.ranks[k]).collect())
            })
            .collect();
        let mut out = Vec::with_capacity(2 * batch.len());
        for (&(i, j), k) in batch.iter().zip(&kendall) {
            let (Some(x), Some(y)) = (&rx[i], &py[j]) else {
                unreachable!("the batch's variables are ranked")
            };
            out.push(stats::pearson(&x.ranks, y));
            out.push(k.permuted(&perm));
        }
        out
    });
    // Every resample is evaluated on values sorted once (stats::RankIndex, KendallIndex): the
    // same bits as materialising it, without a sort per draw.
    let boot = stats::draws(b, setup.seed, &label("bootstrap"), |rng| {
        let idx = stats::resample(rng, n);
        let of = |r: &[Option<Ranked>]| -> Vec<Option<Vec<f64>>> {
            r.iter()
                .map(|r| r.as_ref().map(|r| r.index.ranks_of(&idx)))
                .collect()
        };
        let (bx, by) = (of(&rx), of(&ry));
        let mut out = Vec::with_capacity(2 * batch.len());
        for (&(i, j), k) in batch.iter().zip(&kendall) {
            let (Some(x), Some(y)) = (&bx[i], &by[j]) else {
                unreachable!("the batch's variables are ranked")
            };
            out.push(stats::pearson(x, y));
            out.push(k.resampled(&idx));
        }
        out
    });
    let column =
        |draws: &[Vec<f64>], c: usize| -> Vec<f64> { draws.iter().map(|d| d[c]).collect() };
    (0..batch.len())
        .map(|k| RankDraws {
            spearman_null: column(&null, 2 * k),
            kendall_null: column(&null, 2 * k + 1),
            spearman_boot: column(&boot, 2 * k),
            kendall_boot: column(&boot, 2 * k + 1),
        })
        .collect()
}

/// Partial Spearman draws (Freedman–Lane permutation and bootstrap) of the pairs `batch` on the
/// projects `keep_c`, where every pair and control has its values; `None` when the controls
/// are collinear there.
fn partial_batch(
    setup: &Setup<'_>,
    question: &str,
    keep_c: &[usize],
    batch: &[(usize, usize)],
    xs: &[Series],
    ys: &[Series],
) -> Option<Vec<PartialDraws>> {
    let n = keep_c.len();
    let values = |s: &Series| -> Vec<f64> { keep_c.iter().map(|&k| s.values[k]).collect() };
    let cz: Vec<Vec<f64>> = setup
        .controls
        .iter()
        .map(|c| stats::ranks(&values(c)))
        .collect();
    let reduced = stats::Residualiser::new(&cz, n)?;
    let iz: Vec<stats::RankIndex> = setup
        .controls
        .iter()
        .map(|c| stats::RankIndex::new(&values(c)))
        .collect();
    // Per variable of the batch: its rank index and its rank residuals on the controls.
    let prepare = |series: &[Series], used: &dyn Fn(usize) -> bool| {
        series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                used(i).then(|| {
                    let v = values(s);
                    (
                        stats::RankIndex::new(&v),
                        reduced.residuals(&stats::ranks(&v)),
                    )
                })
            })
            .collect::<Vec<_>>()
    };
    let px = prepare(xs, &|i| batch.iter().any(|&(a, _)| a == i));
    let py = prepare(ys, &|j| batch.iter().any(|&(_, b)| b == j));
    let label = |what: &str| format!("{question}/partial_spearman/{what}/{}", digest(keep_c));
    let b = setup.draws;
    // Freedman–Lane: each outcome's reduced-model residuals permuted and residualised again.
    let null = stats::draws(b, setup.seed, &label("permutation"), |rng| {
        let perm = stats::permutation(rng, n);
        let ry: Vec<Option<Vec<f64>>> = py
            .iter()
            .map(|p| {
                p.as_ref()
                    .map(|(_, e)| reduced.residuals_permuted(e, &perm))
            })
            .collect();
        batch
            .iter()
            .map(|&(i, j)| stats::pearson(&prepared(&px, i).1, ry[j].as_ref().expect("prepared")))
            .collect::<Vec<f64>>()
    });
    // Bootstrap: the ranks of each resample from the values sorted once, the controls fitted
    // once per resample.
    let boot = stats::draws(b, setup.seed, &label("bootstrap"), |rng| {
        let pick = stats::resample(rng, n);
        let bz: Vec<Vec<f64>> = iz.iter().map(|z| z.ranks_of(&pick)).collect();
        let Some(fit) = stats::Residualiser::new(&bz, n) else {
            return vec![f64::NAN; batch.len()];
        };
        let of = |p: &[Prepared]| -> Vec<Option<Vec<f64>>> {
            p.iter()
                .map(|p| p.as_ref().map(|(ix, _)| fit.residuals(&ix.ranks_of(&pick))))
                .collect()
        };
        let (bx, by) = (of(&px), of(&py));
        batch
            .iter()
            .map(|&(i, j)| {
                stats::pearson(
                    bx[i].as_ref().expect("prepared"),
                    by[j].as_ref().expect("prepared"),
                )
            })
            .collect::<Vec<f64>>()
    });
    Some(
        batch
            .iter()
            .enumerate()
            .map(|(k, &(i, j))| PartialDraws {
                statistic: stats::pearson(&prepared(&px, i).1, &prepared(&py, j).1),
                null: null.iter().map(|d| d[k]).collect(),
                boot: boot.iter().map(|d| d[k]).collect(),
            })
            .collect(),
    )
}

/// A prepared variable of a partial batch: its rank index and rank residuals.
type Prepared = Option<(stats::RankIndex, Vec<f64>)>;

fn prepared(v: &[Prepared], i: usize) -> &(stats::RankIndex, Vec<f64>) {
    v[i].as_ref().expect("the batch's variables are prepared")
}

/// The rows of one pair from its draws.
fn pair_rows(
    setup: &Setup<'_>,
    question: &str,
    p: &Pair<'_>,
    draws: RankDraws,
    partial: Option<PartialDraws>,
    controls_for_partial: bool,
) -> Vec<TestRow> {
    let (x, y) = (p.x, p.y);
    let mut rows = Vec::new();
    let xs: Vec<f64> = p.keep.iter().map(|&i| x.values[i]).collect();
    let ys: Vec<f64> = p.keep.iter().map(|&i| y.values[i]).collect();
    let n = xs.len();
    let b = setup.draws;
    let sources = |extra: &[&Series]| {
        let mut s: Vec<(&'static str, String, String)> = Vec::new();
        for (role, v) in [("exposure", x), ("outcome", y)] {
            for (slot, what) in &v.var.sources {
                s.push((slot, what.clone(), role.to_string()));
            }
        }
        for c in extra {
            for (slot, what) in &c.var.sources {
                s.push((slot, what.clone(), "control".to_string()));
            }
        }
        s
    };
    let boot_note = |finite: usize| {
        if finite < b {
            format!(
                " ({} of {b} resamples had a constant variable and were dropped)",
                b - finite
            )
        } else {
            String::new()
        }
    };
    // Spearman and Kendall.
    for (test, stat_name, name, null, boot) in [
        (
            "spearman",
            "rho",
            "Spearman's ρ",
            &draws.spearman_null,
            &draws.spearman_boot,
        ),
        (
            "kendall_tau_b",
            "tau_b",
            "Kendall's τ-b",
            &draws.kendall_null,
            &draws.kendall_boot,
        ),
    ] {
        let mut r = row(question, test, &x.var, &y.var, stat_name);
        r.n = n as i64;
        r.sources = sources(&[]);
        if let Some(why) = &p.why_not {
            r.method = format!("{name}; {why}");
            rows.push(r);
            continue;
        }
        r.estimate = if test == "spearman" {
            stats::spearman(&xs, &ys)
        } else {
            stats::kendall_tau_b(&xs, &ys)
        };
        r.p_value = stats::permutation_p(r.estimate, null);
        let (lo, hi, finite) = stats::percentile_interval(boot, setup.level);
        (r.ci_low, r.ci_high) = (lo, hi);
        r.method = format!(
            "{name}; two-sided Monte Carlo permutation p = (1 + #|T*| ≥ |T|)/(1 + B), B = {b}; {} percentile bootstrap interval over projects, B = {b}{}; coverage is approximate at this N; draws shared with the other tests on the same projects",
            pct(setup.level),
            boot_note(finite)
        );
        rows.push(r);
    }
    // Partial Spearman, Freedman–Lane.
    if controls_for_partial {
        let controls = setup.controls;
        let mut r = row(question, "partial_spearman", &x.var, &y.var, "partial_rho");
        r.sources = sources(&controls.iter().collect::<Vec<_>>());
        r.n = p.keep_c.len() as i64;
        let names: Vec<&str> = controls.iter().map(|c| c.var.label.as_str()).collect();
        let name = format!("partial Spearman ρ controlling for {}", names.join(" and "));
        match (&p.why_partial, partial) {
            (Some(why), _) => r.method = format!("{name}; {why}"),
            (None, None) => r.method = format!("{name}; not computed: the controls are collinear"),
            (None, Some(d)) => {
                r.estimate = d.statistic;
                r.p_value = stats::permutation_p(r.estimate, &d.null);
                let (lo, hi, finite) = stats::percentile_interval(&d.boot, setup.level);
                (r.ci_low, r.ci_high) = (lo, hi);
                r.method = format!(
                    "{name} (correlation of the rank residuals); Freedman–Lane permutation of the reduced model's residuals, B = {b}; {} percentile bootstrap interval over projects, B = {b}{}; draws shared with the other tests on the same projects",
                    pct(setup.level),
                    boot_note(finite)
                );
            }
        }
        rows.push(r);
    }
    // Fisher's exact test for a binary outcome.
    if y.binary {
        let mut r = row(
            question,
            "fisher_median_split",
            &x.var,
            &y.var,
            "odds_ratio",
        );
        r.n = n as i64;
        r.sources = sources(&[]);
        let name = "Fisher's exact test, exposure above vs at or below its median";
        if let Some(why) = &p.why_not {
            r.method = format!("{name}; {why}");
        } else {
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            let median = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
            };
            let mut t = [0u64; 4];
            for (xv, yv) in xs.iter().zip(&ys) {
                let high = *xv > median;
                let cell = match (high, *yv == 1.0) {
                    (true, true) => 0,
                    (true, false) => 1,
                    (false, true) => 2,
                    (false, false) => 3,
                };
                t[cell] += 1;
            }
            let (odds, p) = stats::fisher_exact(t);
            r.estimate = odds;
            r.p_value = p;
            // Woolf's interval on the Haldane–Anscombe corrected table (+0.5 in every cell).
            let c: Vec<f64> = t.iter().map(|&v| v as f64 + 0.5).collect();
            let log_or = (c[0] * c[3] / (c[1] * c[2])).ln();
            let se = c.iter().map(|v| 1.0 / v).sum::<f64>().sqrt();
            let z = normal_quantile(0.5 + setup.level / 2.0);
            r.ci_low = (log_or - z * se).exp();
            r.ci_high = (log_or + z * se).exp();
            r.method = format!(
                "{name} (table high/low × 1/0 = {t:?}); sample odds ratio; {} Woolf interval with 0.5 added to every cell; exact two-sided p",
                pct(setup.level)
            );
        }
        rows.push(r);
    }
    rows
}

/// The standard normal quantile.
pub(super) fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}
