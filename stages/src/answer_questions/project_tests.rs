//! Project-level tests (N = number of projects): Spearman's ρ and Kendall's τ-b with Monte
//! Carlo permutation p-values and percentile bootstrap intervals over projects; the partial
//! Spearman correlation controlling for budget and network size with Freedman–Lane permutation;
//! Fisher's exact test (exposure split at its median) for binary outcomes.
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

/// Every test of exposure `x` against outcome `y` (a binary outcome adds Fisher's test).
pub(super) fn pair_tests(
    setup: &Setup<'_>,
    question: &str,
    x: &Series,
    y: &Series,
    controls_for_partial: bool,
) -> Vec<TestRow> {
    let mut rows = Vec::new();
    let keep: Vec<usize> = (0..x.values.len())
        .filter(|&i| x.values[i].is_finite() && y.values[i].is_finite())
        .collect();
    let xs: Vec<f64> = keep.iter().map(|&i| x.values[i]).collect();
    let ys: Vec<f64> = keep.iter().map(|&i| y.values[i]).collect();
    let n = xs.len();
    let why_not = x
        .missing
        .clone()
        .or_else(|| y.missing.clone())
        .map(|m| format!("not computed: {m}"))
        .or_else(|| {
            (n < MIN_N)
                .then(|| format!("not computed: N = {n} < {MIN_N} projects with both values"))
        });
    let b = setup.draws;
    let label =
        |test: &str, what: &str| format!("{question}/{test}/{}/{}/{what}", x.var.name, y.var.name);
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
    for (test, stat_name, name) in [
        ("spearman", "rho", "Spearman's ρ"),
        ("kendall_tau_b", "tau_b", "Kendall's τ-b"),
    ] {
        let mut r = row(question, test, &x.var, &y.var, stat_name);
        r.n = n as i64;
        r.sources = sources(&[]);
        if let Some(why) = &why_not {
            r.method = format!("{name}; {why}");
            rows.push(r);
            continue;
        }
        let f: fn(&[f64], &[f64]) -> f64 = if test == "spearman" {
            stats::spearman
        } else {
            stats::kendall_tau_b
        };
        r.estimate = f(&xs, &ys);
        // Every resample is evaluated on values sorted once (stats::RankIndex, KendallIndex):
        // the same bits as materialising it and calling `f`, without a sort per draw.
        let (ix, iy) = (stats::RankIndex::new(&xs), stats::RankIndex::new(&ys));
        let kendall = (test != "spearman").then(|| stats::KendallIndex::new(&xs, &ys));
        // Permuting y against x; Spearman permutes ranks once computed.
        let (rx, ry) = (stats::ranks(&xs), stats::ranks(&ys));
        let null = stats::draws(b, setup.seed, &label(test, "permutation"), |rng| {
            let perm = stats::permutation(rng, n);
            match &kendall {
                None => {
                    let py: Vec<f64> = perm.iter().map(|&i| ry[i]).collect();
                    stats::pearson(&rx, &py)
                }
                Some(k) => k.permuted(&perm),
            }
        });
        r.p_value = stats::permutation_p(r.estimate, &null);
        let boot = stats::draws(b, setup.seed, &label(test, "bootstrap"), |rng| {
            let idx = stats::resample(rng, n);
            match &kendall {
                None => stats::pearson(&ix.ranks_of(&idx), &iy.ranks_of(&idx)),
                Some(k) => k.resampled(&idx),
            }
        });
        let (lo, hi, finite) = stats::percentile_interval(&boot, setup.level);
        (r.ci_low, r.ci_high) = (lo, hi);
        r.method = format!(
            "{name}; two-sided Monte Carlo permutation p = (1 + #|T*| ≥ |T|)/(1 + B), B = {b}; {} percentile bootstrap interval over projects, B = {b}{}; coverage is approximate at this N",
            pct(setup.level),
            boot_note(finite)
        );
        rows.push(r);
    }
    // Partial Spearman, Freedman–Lane.
    if controls_for_partial {
        let mut r = row(question, "partial_spearman", &x.var, &y.var, "partial_rho");
        let controls = setup.controls;
        r.sources = sources(&controls.iter().collect::<Vec<_>>());
        let keep_c: Vec<usize> = keep
            .iter()
            .copied()
            .filter(|&i| controls.iter().all(|c| c.values[i].is_finite()))
            .collect();
        let nc = keep_c.len();
        r.n = nc as i64;
        let names: Vec<&str> = controls.iter().map(|c| c.var.label.as_str()).collect();
        let name = format!("partial Spearman ρ controlling for {}", names.join(" and "));
        let needed = controls.len() + 3;
        let missing = controls.iter().find_map(|c| c.missing.clone());
        let why = why_not
            .clone()
            .or_else(|| missing.map(|m| format!("not computed: {m}")))
            .or_else(|| {
                (nc < needed)
                    .then(|| format!("not computed: N = {nc} < {needed} projects with every value"))
            });
        let rank_of = |v: &[f64], idx: &[usize]| -> Vec<f64> {
            stats::ranks(&idx.iter().map(|&i| v[i]).collect::<Vec<_>>())
        };
        let fl = if why.is_none() {
            let cx = rank_of(&x.values, &keep_c);
            let cy = rank_of(&y.values, &keep_c);
            let cz: Vec<Vec<f64>> = controls
                .iter()
                .map(|c| rank_of(&c.values, &keep_c))
                .collect();
            stats::FreedmanLane::new(&cx, &cy, &cz)
        } else {
            None
        };
        match (why, fl) {
            (Some(why), _) => r.method = format!("{name}; {why}"),
            (None, None) => r.method = format!("{name}; not computed: the controls are collinear"),
            (None, Some(fl)) => {
                r.estimate = fl.statistic();
                let null = stats::draws(
                    b,
                    setup.seed,
                    &label("partial_spearman", "permutation"),
                    |rng| fl.permuted(&stats::permutation(rng, nc)),
                );
                r.p_value = stats::permutation_p(r.estimate, &null);
                // Ranks of every resample from the values sorted once (same bits as ranking
                // the materialised resample).
                let index = |v: &[f64]| {
                    stats::RankIndex::new(&keep_c.iter().map(|&i| v[i]).collect::<Vec<_>>())
                };
                let (ix, iy) = (index(&x.values), index(&y.values));
                let iz: Vec<stats::RankIndex> = controls.iter().map(|c| index(&c.values)).collect();
                let boot = stats::draws(
                    b,
                    setup.seed,
                    &label("partial_spearman", "bootstrap"),
                    |rng| {
                        let pick = stats::resample(rng, nc);
                        let bz: Vec<Vec<f64>> = iz.iter().map(|z| z.ranks_of(&pick)).collect();
                        stats::partial_correlation(&ix.ranks_of(&pick), &iy.ranks_of(&pick), &bz)
                    },
                );
                let (lo, hi, finite) = stats::percentile_interval(&boot, setup.level);
                (r.ci_low, r.ci_high) = (lo, hi);
                r.method = format!(
                    "{name} (correlation of the rank residuals); Freedman–Lane permutation of the reduced model's residuals, B = {b}; {} percentile bootstrap interval over projects, B = {b}{}",
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
        if let Some(why) = &why_not {
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
