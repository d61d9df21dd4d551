//! Statistics shared by the analysis stages, written once and tested against scipy and
//! statsmodels (`tests/golden/make_stats_goldens.py`, `tests/golden/stats/*.json`).
//!
//! - **Seeded resampling** ([`draws`]): `B` draws are split into fixed chunks of [`CHUNK`]
//!   draws; chunk `c` gets its own ChaCha8 generator seeded from (stage seed, label, c) by
//!   blake3, chunks run in parallel and are collected in order. The draws — and so every
//!   p-value and interval — are the same bits with 1 thread or 64 (DESIGN §3).
//! - **Permutation p-values** ([`permutation_p`]): two-sided, `(1 + #{|T*| ≥ |T|}) / (1 + B)`,
//!   never 0. **Percentile intervals** ([`percentile_interval`]): numpy's default (linear)
//!   quantiles of the finite draws.
//! - **Rank correlations**: [`spearman`] (Pearson on average ranks, as `scipy.stats.spearmanr`),
//!   [`kendall_tau_b`] (as `scipy.stats.kendalltau`, ties corrected), [`pearson`].
//! - **Fisher's exact test** ([`fisher_exact`]): statrs' two-sided test, as
//!   `scipy.stats.fisher_exact`, with the sample odds ratio.
//! - **Multiple testing**: [`holm`], [`benjamini_hochberg`] (as statsmodels' `multipletests`);
//!   NaN p-values stay NaN and do not count in the family size.
//! - **Partial association** ([`FreedmanLane`]): the correlation of `x` and `y` after regressing
//!   both on controls, with Freedman–Lane permutation of the reduced model's residuals.
//! - **Logistic regression** ([`logistic`]): IRLS on binomial counts (`successes` out of
//!   `trials` per row; 0/1 data is `trials = 1`), standard errors from the inverse Fisher
//!   information, as statsmodels' `GLM(Binomial)`. Hand-written on nalgebra because
//!   linfa-logistic gives no standard errors and picks the positive class by first appearance.
use nalgebra::{DMatrix, DVector};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use statrs::stats_tests::{fishers_exact, Alternative};

mod indexed;
pub use indexed::{KendallIndex, RankIndex};

/// Draws per chunk: each chunk has its own generator, whatever the thread count.
pub const CHUNK: usize = 250;

/// A seed for one resampling job, from the stage seed and a label naming the job
/// (e.g. `"q1/spearman/prior_closure/problem_reframing/permutation"`).
#[must_use]
pub fn derive_seed(seed: u64, label: &str) -> u64 {
    let mut h = blake3::Hasher::new_derive_key("wecare stats seed v1");
    h.update(&seed.to_le_bytes());
    h.update(&(label.len() as u64).to_le_bytes());
    h.update(label.as_bytes());
    u64::from_le_bytes(h.finalize().as_bytes()[..8].try_into().expect("8 bytes"))
}

/// `b` draws of `f`, each chunk of [`CHUNK`] draws with its own generator seeded from
/// (`seed`, `label`, chunk index); results in draw order, identical for any thread count.
pub fn draws<T, F>(b: usize, seed: u64, label: &str, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(&mut ChaCha8Rng) -> T + Sync,
{
    draws_with(b, seed, label, || (), |(), rng| f(rng))
}

/// [`draws`] with a scratch value made by `init` once per chunk and lent to every draw of it
/// (a buffer reused instead of allocated per draw); the same generators, so the same bits.
pub fn draws_with<S, T, I, F>(b: usize, seed: u64, label: &str, init: I, f: F) -> Vec<T>
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &mut ChaCha8Rng) -> T + Sync,
{
    let base = derive_seed(seed, label);
    let chunks: Vec<Vec<T>> = (0..b.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut h = blake3::Hasher::new_derive_key("wecare stats chunk v1");
            h.update(&base.to_le_bytes());
            h.update(&(c as u64).to_le_bytes());
            let s = u64::from_le_bytes(h.finalize().as_bytes()[..8].try_into().expect("8 bytes"));
            let mut rng = ChaCha8Rng::seed_from_u64(s);
            let len = CHUNK.min(b - c * CHUNK);
            let mut scratch = init();
            (0..len).map(|_| f(&mut scratch, &mut rng)).collect()
        })
        .collect();
    chunks.into_iter().flatten().collect()
}

/// A uniformly random permutation of `0..n`.
pub fn permutation(rng: &mut ChaCha8Rng, n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(rng);
    idx
}

/// [`permutation`] of `0..out.len()` written into `out`: the same draws, no allocation.
pub fn permutation_into(rng: &mut ChaCha8Rng, out: &mut [usize]) {
    for (i, x) in out.iter_mut().enumerate() {
        *x = i;
    }
    out.shuffle(rng);
}

/// `n` indices drawn with replacement from `0..n` (one bootstrap resample).
pub fn resample(rng: &mut ChaCha8Rng, n: usize) -> Vec<usize> {
    use rand::Rng;
    (0..n).map(|_| rng.random_range(0..n)).collect()
}

/// Two-sided Monte Carlo permutation p-value: `(1 + #{|T*| ≥ |T|}) / (1 + B)`. Null draws
/// within a relative 1e-12 of `|T|` count as reaching it (ties in the statistic). NaN when
/// `observed` is not finite or there are no draws.
#[must_use]
pub fn permutation_p(observed: f64, null: &[f64]) -> f64 {
    if !observed.is_finite() || null.is_empty() {
        return f64::NAN;
    }
    let bar = observed.abs() - 1e-12 * observed.abs().max(1e-300);
    let reach = null.iter().filter(|t| t.abs() >= bar).count();
    #[allow(clippy::cast_precision_loss)]
    let p = (1 + reach) as f64 / (1 + null.len()) as f64;
    p
}

/// Percentile interval at `level` (e.g. 0.95) of the finite draws, with numpy's default
/// (linear) quantile rule, and how many draws were finite. NaN bounds when fewer than two are.
#[must_use]
pub fn percentile_interval(draws: &[f64], level: f64) -> (f64, f64, usize) {
    let mut v: Vec<f64> = draws.iter().copied().filter(|d| d.is_finite()).collect();
    if v.len() < 2 {
        return (f64::NAN, f64::NAN, v.len());
    }
    v.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    (quantile(&v, tail), quantile(&v, 1.0 - tail), v.len())
}

/// Sample standard deviation (n − 1) of the finite values; NaN with fewer than two.
#[must_use]
pub fn standard_deviation(values: &[f64]) -> f64 {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return f64::NAN;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// `estimate ± t(df, (1 + level)/2) · se`: a normal-theory interval with Student's t critical
/// values (with few clusters, `df` = clusters − 1). NaN when `df` is 0 or `se` unknown.
#[must_use]
pub fn t_interval(estimate: f64, se: f64, df: usize, level: f64) -> (f64, f64) {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if df == 0 || !se.is_finite() || !estimate.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let Ok(t) = StudentsT::new(0.0, 1.0, df as f64) else {
        return (f64::NAN, f64::NAN);
    };
    let q = t.inverse_cdf(0.5 + level / 2.0);
    (estimate - q * se, estimate + q * se)
}

/// Linear-interpolation quantile of sorted data (numpy `method="linear"`).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let h = (sorted.len() - 1) as f64 * q;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
}

/// Average ranks (1-based; ties get the mean of their ranks), as `scipy.stats.rankdata`.
#[must_use]
pub fn ranks(x: &[f64]) -> Vec<f64> {
    use statrs::statistics::{Data, OrderStatistics, RankTieBreaker};
    Data::new(x.to_vec()).ranks(RankTieBreaker::Average)
}

/// Pearson's correlation; NaN when either variable is constant or n < 2.
#[must_use]
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 || y.len() != n {
        return f64::NAN;
    }
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let mx = x.iter().sum::<f64>() / nf;
    let my = y.iter().sum::<f64>() / nf;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return f64::NAN;
    }
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// Spearman's ρ: Pearson's correlation of the average ranks.
#[must_use]
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

/// Kendall's τ-b: (concordant − discordant) / √((pairs not tied in x)·(pairs not tied in y)).
/// NaN when either variable is constant. Knight's O(n log n) count (as scipy's `kendalltau`) from
/// n = 64 up, the direct O(n²) count below that or when a value is NaN; both count the same
/// integers, so the result is the same to the bit.
#[must_use]
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    if y.len() != n {
        return f64::NAN;
    }
    let (s, untied_x, untied_y) = if n < 64 || x.iter().chain(y).any(|v| v.is_nan()) {
        kendall_counts_direct(x, y)
    } else {
        kendall_counts_knight(x, y)
    };
    if untied_x == 0 || untied_y == 0 {
        return f64::NAN;
    }
    #[allow(clippy::cast_precision_loss)]
    let tau = s as f64 / ((untied_x as f64) * (untied_y as f64)).sqrt();
    tau.clamp(-1.0, 1.0)
}

/// (concordant − discordant, pairs not tied in x, pairs not tied in y), pair by pair.
fn kendall_counts_direct(x: &[f64], y: &[f64]) -> (i64, i64, i64) {
    let n = x.len();
    let (mut s, mut untied_x, mut untied_y) = (0i64, 0i64, 0i64);
    for i in 0..n {
        for j in (i + 1)..n {
            let dx = sign(x[i] - x[j]);
            let dy = sign(y[i] - y[j]);
            s += dx * dy;
            untied_x += dx.abs();
            untied_y += dy.abs();
        }
    }
    (s, untied_x, untied_y)
}

/// The same counts in O(n log n) for values without NaN: sort by (x, y), count the pairs tied in
/// x, in y and in both, and the discordant pairs as the strict inversions of y (a Fenwick tree
/// over y's dense ranks); concordant − discordant = all − tied x − tied y + tied both − 2·discordant.
fn kendall_counts_knight(x: &[f64], y: &[f64]) -> (i64, i64, i64) {
    let n = x.len();
    // Dense ranks 1.. (−0.0 and 0.0 are one value, as in the direct count).
    let dense = |v: &[f64]| -> (Vec<usize>, usize) {
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &b| v[a].partial_cmp(&v[b]).unwrap_or(std::cmp::Ordering::Equal));
        let mut rank = vec![0usize; n];
        let mut r = 0;
        for (k, &i) in idx.iter().enumerate() {
            if k == 0 || v[i] != v[idx[k - 1]] {
                r += 1;
            }
            rank[i] = r;
        }
        (rank, r)
    };
    let (rx, _) = dense(x);
    let (ry, max_y) = dense(y);
    let pairs = |t: i64| t * (t - 1) / 2;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&i| (rx[i], ry[i]));
    let (mut tied_x, mut tied_both) = (0i64, 0i64);
    let (mut run_x, mut run_both) = (1i64, 1i64);
    for k in 1..n {
        let (a, b) = (order[k - 1], order[k]);
        if rx[a] == rx[b] {
            run_x += 1;
            if ry[a] == ry[b] {
                run_both += 1;
            } else {
                tied_both += pairs(run_both);
                run_both = 1;
            }
        } else {
            tied_x += pairs(run_x);
            tied_both += pairs(run_both);
            run_x = 1;
            run_both = 1;
        }
    }
    tied_x += pairs(run_x);
    tied_both += pairs(run_both);
    let mut count_y = vec![0i64; max_y + 1];
    for &r in &ry {
        count_y[r] += 1;
    }
    let tied_y: i64 = count_y.iter().map(|&c| pairs(c.max(1))).sum();
    // Strict inversions of y in (x, y) order: earlier elements with a larger y rank.
    let mut tree = vec![0i64; max_y + 1];
    let mut discordant = 0i64;
    for (seen, &i) in order.iter().enumerate() {
        let mut at_most = 0i64;
        let mut k = ry[i];
        while k > 0 {
            at_most += tree[k];
            k &= k - 1;
        }
        discordant += seen as i64 - at_most;
        let mut k = ry[i];
        while k <= max_y {
            tree[k] += 1;
            k += k & k.wrapping_neg();
        }
    }
    let all = pairs(n as i64);
    (
        all - tied_x - tied_y + tied_both - 2 * discordant,
        all - tied_x,
        all - tied_y,
    )
}

fn sign(d: f64) -> i64 {
    if d > 0.0 {
        1
    } else if d < 0.0 {
        -1
    } else {
        0
    }
}

/// Fisher's exact test on the 2×2 table `[[a, b], [c, d]]` (row-major): the sample odds ratio
/// `ad/bc` (∞ when `bc = 0 < ad`, NaN when a row or column is empty) and the two-sided p-value.
#[must_use]
pub fn fisher_exact(table: [u64; 4]) -> (f64, f64) {
    let [a, b, c, d] = table;
    #[allow(clippy::cast_precision_loss)]
    let odds = if (a + b == 0) || (c + d == 0) || (a + c == 0) || (b + d == 0) {
        f64::NAN
    } else if b * c == 0 {
        if a * d == 0 {
            f64::NAN
        } else {
            f64::INFINITY
        }
    } else {
        (a * d) as f64 / (b * c) as f64
    };
    let p = fishers_exact(&table, Alternative::TwoSided).unwrap_or(f64::NAN);
    (odds, p.min(1.0))
}

/// Holm's step-down adjustment. NaN entries stay NaN and are not counted.
#[must_use]
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (k, &i) in order.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let adj = ((m - k) as f64 * p[i]).min(1.0);
        running = running.max(adj);
        out[i] = running;
    }
    out
}

/// Benjamini–Hochberg step-up adjustment (false discovery rate). NaN entries stay NaN and are
/// not counted.
#[must_use]
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 1.0;
    for (k, &i) in order.iter().enumerate().rev() {
        #[allow(clippy::cast_precision_loss)]
        let adj = (m as f64 * p[i] / (k + 1) as f64).min(1.0);
        running = running.min(adj);
        out[i] = running;
    }
    out
}

/// An `n × (k+1)` design: an intercept column and the given columns.
fn with_intercept(columns: &[Vec<f64>], n: usize) -> DMatrix<f64> {
    DMatrix::from_fn(n, columns.len() + 1, |i, j| {
        if j == 0 {
            1.0
        } else {
            columns[j - 1][i]
        }
    })
}

/// The hat-matrix pieces of an OLS on `z`: `(Z'Z)⁻¹Z'`. `None` when `Z'Z` is singular.
fn projector(z: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let ztz = z.transpose() * z;
    let chol = ztz.cholesky()?;
    Some(chol.solve(&z.transpose()))
}

/// OLS residuals on a fixed set of controls with an intercept: the reduced model of a partial
/// correlation. Built once per set of controls and applied to any number of variables, so a
/// resample that shares its controls across many pairs fits the controls once.
#[derive(Debug, Clone)]
pub struct Residualiser {
    z: DMatrix<f64>,
    /// `(Z'Z)⁻¹Z'`.
    proj: DMatrix<f64>,
}

impl Residualiser {
    /// `None` when the controls are collinear or leave fewer than 2 degrees of freedom for a
    /// correlation of the residuals (n < controls + 3).
    #[must_use]
    pub fn new(controls: &[Vec<f64>], n: usize) -> Option<Self> {
        if n < controls.len() + 3 {
            return None;
        }
        let z = with_intercept(controls, n);
        let proj = projector(&z)?;
        Some(Self { z, proj })
    }

    /// `v` minus its OLS fit on the controls.
    #[must_use]
    pub fn residuals(&self, v: &[f64]) -> Vec<f64> {
        self.residuals_of(DVector::from_column_slice(v))
    }

    /// The residuals of `v[perm[0]], v[perm[1]], …`.
    #[must_use]
    pub fn residuals_permuted(&self, v: &[f64], perm: &[usize]) -> Vec<f64> {
        self.residuals_of(DVector::from_iterator(
            perm.len(),
            perm.iter().map(|&i| v[i]),
        ))
    }

    fn residuals_of(&self, v: DVector<f64>) -> Vec<f64> {
        let fitted = &self.z * (&self.proj * &v);
        (v - fitted).iter().copied().collect()
    }
}

/// Partial correlation of `x` and `y` given controls, with a Freedman–Lane permutation test:
/// the reduced model `y ~ controls` is fitted once; each draw permutes its residuals, adds them
/// back to its fitted values and recomputes the partial correlation. Pass ranks for a partial
/// Spearman.
#[derive(Debug, Clone)]
pub struct FreedmanLane {
    /// `x` residualised on the controls (fixed across draws).
    rx: Vec<f64>,
    /// Residuals of the reduced model `y ~ controls`.
    ey: Vec<f64>,
    /// The reduced model, to residualise a permuted `y` on the controls.
    reduced: Residualiser,
}

impl FreedmanLane {
    /// Sets up the test; `None` when the controls are collinear or leave fewer than 2 degrees
    /// of freedom.
    #[must_use]
    pub fn new(x: &[f64], y: &[f64], controls: &[Vec<f64>]) -> Option<Self> {
        let reduced = Residualiser::new(controls, x.len())?;
        Some(Self {
            rx: reduced.residuals(x),
            ey: reduced.residuals(y),
            reduced,
        })
    }

    /// The observed partial correlation.
    #[must_use]
    pub fn statistic(&self) -> f64 {
        pearson(&self.rx, &self.ey)
    }

    /// The partial correlation with the reduced-model residuals in the order `perm`.
    #[must_use]
    pub fn permuted(&self, perm: &[usize]) -> f64 {
        pearson(&self.rx, &self.reduced.residuals_permuted(&self.ey, perm))
    }
}

/// Partial correlation of `x` and `y` given controls (correlation of the OLS residuals of each
/// on the controls with an intercept); NaN when it cannot be computed.
#[must_use]
pub fn partial_correlation(x: &[f64], y: &[f64], controls: &[Vec<f64>]) -> f64 {
    FreedmanLane::new(x, y, controls).map_or(f64::NAN, |f| f.statistic())
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogitFit {
    /// Coefficients (log-odds), in the order of the design's columns.
    pub coef: Vec<f64>,
    /// Standard errors from the inverse Fisher information at the estimate.
    pub se: Vec<f64>,
    /// Log-likelihood of the binomial counts (without the binomial coefficients).
    pub log_likelihood: f64,
    /// Newton (IRLS) iterations used.
    pub iterations: usize,
}

/// A design for [`logistic`]: `rows × cols`, row-major, with binomial counts per row.
#[derive(Debug, Clone, Default)]
pub struct LogitData {
    /// Number of columns (include an intercept column yourself).
    pub cols: usize,
    /// Row-major values, `rows × cols`.
    pub x: Vec<f64>,
    /// Successes per row.
    pub successes: Vec<f64>,
    /// Trials per row (1 for 0/1 data); rows with 0 trials are ignored.
    pub trials: Vec<f64>,
}

impl LogitData {
    /// Number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.successes.len()
    }

    /// Row `i` as a slice.
    #[must_use]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.cols..(i + 1) * self.cols]
    }

    /// Appends a row.
    pub fn push(&mut self, row: &[f64], successes: f64, trials: f64) {
        debug_assert_eq!(row.len(), self.cols);
        self.x.extend_from_slice(row);
        self.successes.push(successes);
        self.trials.push(trials);
    }
}

pub(crate) fn logistic_fn(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// `X'WX` and the score `X'(y − nμ)` at `beta`, with the log-likelihood.
fn information(data: &LogitData, beta: &[f64], with_ll: bool) -> (DMatrix<f64>, DVector<f64>, f64) {
    let p = data.cols;
    let mut h = vec![0.0; p * p];
    let mut g = vec![0.0; p];
    let mut ll = 0.0;
    for i in 0..data.rows() {
        let n = data.trials[i];
        if n <= 0.0 {
            continue;
        }
        let x = data.row(i);
        let eta: f64 = x.iter().zip(beta).map(|(a, b)| a * b).sum();
        let mu = logistic_fn(eta);
        let y = data.successes[i];
        // log μ = −log(1 + e^{−η}), log(1 − μ) = −log(1 + e^{η}), computed stably.
        if with_ll {
            ll += y * -softplus(-eta) + (n - y) * -softplus(eta);
        }
        let w = n * mu * (1.0 - mu);
        let r = y - n * mu;
        for a in 0..p {
            g[a] += x[a] * r;
            let wa = w * x[a];
            if wa != 0.0 {
                for b in a..p {
                    h[a * p + b] += wa * x[b];
                }
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            h[a * p + b] = h[b * p + a];
        }
    }
    (DMatrix::from_row_slice(p, p, &h), DVector::from_vec(g), ll)
}

fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x + (-x).exp()
    } else {
        x.exp().ln_1p()
    }
}

/// Fits a logistic regression by IRLS (Newton–Raphson on the binomial log-likelihood), from
/// `start` or zero, until the largest coefficient change is below 1e-10 (at most 100
/// iterations). `None` when the information matrix is singular, the fit does not converge or a
/// coefficient runs off (|β| > 30: complete separation).
#[must_use]
pub fn logistic(data: &LogitData, start: Option<&[f64]>) -> Option<LogitFit> {
    let (beta, iterations) = irls(data, start)?;
    let p = data.cols;
    let (h, _, ll) = information(data, &beta, true);
    let inv = h.cholesky()?.inverse();
    let se = (0..p).map(|j| inv[(j, j)].max(0.0).sqrt()).collect();
    Some(LogitFit {
        coef: beta,
        se,
        log_likelihood: ll,
        iterations,
    })
}

/// The coefficients of [`logistic`] alone (no standard errors, no log-likelihood): what a
/// bootstrap refit needs.
#[must_use]
pub fn logistic_coefficients(data: &LogitData, start: Option<&[f64]>) -> Option<Vec<f64>> {
    irls(data, start).map(|(beta, _)| beta)
}

fn irls(data: &LogitData, start: Option<&[f64]>) -> Option<(Vec<f64>, usize)> {
    let p = data.cols;
    if p == 0 || data.rows() == 0 {
        return None;
    }
    let beta: Vec<f64> = start.map_or_else(|| vec![0.0; p], <[f64]>::to_vec);
    newton(beta, |b| {
        let (h, g, _) = information(data, b, false);
        (h, g)
    })
}

/// Newton–Raphson on a log-likelihood from `beta`, given its information matrix and score at a
/// point: until the largest coefficient change is below 1e-10 (at most 100 steps). `None` when
/// the information is singular, a step is not finite or a coefficient runs off (|β| > 30:
/// complete separation). Returns the coefficients and the steps taken.
pub(crate) fn newton<F>(beta: Vec<f64>, info: F) -> Option<(Vec<f64>, usize)>
where
    F: FnMut(&[f64]) -> (DMatrix<f64>, DVector<f64>),
{
    newton_to(beta, 1e-10, info)
}

/// [`newton`] until the largest step is below `tolerance`. Newton's method converges
/// quadratically: after a step of size s the error left is about C·s² (C of order 1 for these
/// likelihoods), so a tolerance of 1e-6 leaves about 1e-12.
pub(crate) fn newton_to<F>(
    mut beta: Vec<f64>,
    tolerance: f64,
    mut info: F,
) -> Option<(Vec<f64>, usize)>
where
    F: FnMut(&[f64]) -> (DMatrix<f64>, DVector<f64>),
{
    for iteration in 1..=100 {
        let (h, g) = info(&beta);
        let step = h.cholesky()?.solve(&g);
        let mut biggest: f64 = 0.0;
        for (b, s) in beta.iter_mut().zip(step.iter()) {
            *b += s;
            biggest = biggest.max(s.abs());
        }
        if !biggest.is_finite() || beta.iter().any(|b| b.abs() > 30.0) {
            return None;
        }
        if biggest < tolerance {
            return Some((beta, iteration));
        }
    }
    None
}

/// Score-test pieces of a logistic model: per-row residuals `y − nμ` and IRLS weights `nμ(1−μ)`
/// at `beta`.
#[must_use]
pub fn logistic_residuals(data: &LogitData, beta: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut r = Vec::with_capacity(data.rows());
    let mut w = Vec::with_capacity(data.rows());
    for i in 0..data.rows() {
        let eta: f64 = data.row(i).iter().zip(beta).map(|(a, b)| a * b).sum();
        let mu = logistic_fn(eta);
        let n = data.trials[i];
        r.push(data.successes[i] - n * mu);
        w.push(n * mu * (1.0 - mu));
    }
    (r, w)
}

/// Weighted least-squares residuals of `v` on the columns of `data` (weights `w`): the part of a
/// covariate the other covariates do not explain (Dekker, Krackhardt & Snijders' semi-partialling).
/// `None` when the weighted design is singular.
#[must_use]
pub fn weighted_residuals(data: &LogitData, w: &[f64], v: &[f64]) -> Option<Vec<f64>> {
    let p = data.cols;
    let mut xtwx = vec![0.0; p * p];
    let mut xtwv = vec![0.0; p];
    for i in 0..data.rows() {
        let x = data.row(i);
        for a in 0..p {
            let wa = w[i] * x[a];
            xtwv[a] += wa * v[i];
            for b in 0..p {
                xtwx[a * p + b] += wa * x[b];
            }
        }
    }
    let coef = DMatrix::from_row_slice(p, p, &xtwx)
        .cholesky()?
        .solve(&DVector::from_vec(xtwv));
    Some(
        (0..data.rows())
            .map(|i| {
                v[i] - data
                    .row(i)
                    .iter()
                    .zip(coef.iter())
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
            })
            .collect(),
    )
}

#[cfg(test)]
mod golden_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knight_kendall_counts_equal_the_pairwise_counts() {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for n in [2usize, 3, 10, 64, 65, 200, 1000] {
            for levels in [2u32, 5, 1000] {
                let x: Vec<f64> = (0..n)
                    .map(|_| f64::from(rng.random_range(0..levels)))
                    .collect();
                let y: Vec<f64> = (0..n)
                    .map(|i| x[i] * 0.5 + f64::from(rng.random_range(0..levels)))
                    .collect();
                assert_eq!(
                    kendall_counts_knight(&x, &y),
                    kendall_counts_direct(&x, &y),
                    "n = {n}, levels = {levels}"
                );
            }
        }
        // Signed zeros are one value; a constant variable gives NaN either way.
        let x = [0.0, -0.0, 1.0, 2.0];
        let y = [1.0, 2.0, 3.0, 3.0];
        assert_eq!(kendall_counts_knight(&x, &y), kendall_counts_direct(&x, &y));
        let big: Vec<f64> = (0..100).map(f64::from).collect();
        assert!(kendall_tau_b(&big, &vec![1.0; 100]).is_nan());
        assert!((kendall_tau_b(&big, &big) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn draws_do_not_depend_on_the_thread_count() {
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    draws(1234, 7, "t", |rng| {
                        let p = permutation(rng, 10);
                        p[0] * 100 + p[9]
                    })
                })
        };
        let one = run(1);
        assert_eq!(one.len(), 1234);
        assert_eq!(one, run(4));
        let other_seed = draws(1234, 8, "t", |rng| {
            let p = permutation(rng, 10);
            p[0] * 100 + p[9]
        });
        assert_ne!(one, other_seed);
        // A reused buffer, project segment by segment: the same permutations as fresh vectors.
        let sizes = [0usize, 1, 2, 5, 17, 3];
        let fresh = draws(300, 7, "u", |rng| {
            sizes
                .iter()
                .flat_map(|&n| permutation(rng, n))
                .collect::<Vec<_>>()
        });
        let reused = draws_with(
            300,
            7,
            "u",
            || vec![0usize; sizes.iter().sum()],
            |buf, rng| {
                let mut at = 0;
                for &n in &sizes {
                    permutation_into(rng, &mut buf[at..at + n]);
                    at += n;
                }
                buf.clone()
            },
        );
        assert_eq!(fresh, reused);
    }

    #[test]
    fn permutation_p_counts_ties_and_is_never_zero() {
        assert!((permutation_p(0.5, &[0.1, -0.5, 0.7, 0.2]) - 3.0 / 5.0).abs() < 1e-15);
        assert!((permutation_p(2.0, &[0.1, 0.2]) - 1.0 / 3.0).abs() < 1e-15);
        assert!(permutation_p(f64::NAN, &[0.1]).is_nan());
    }

    #[test]
    fn percentile_interval_is_numpys_linear_rule() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        let (lo, hi, n) = percentile_interval(&v, 0.95);
        assert!((lo - 2.5).abs() < 1e-12 && (hi - 97.5).abs() < 1e-12 && n == 101);
        let (lo, hi, _) = percentile_interval(&[1.0, 2.0, 4.0, f64::NAN], 0.5);
        // numpy.quantile([1, 2, 4], [0.25, 0.75]) = [1.5, 3.0]
        assert!((lo - 1.5).abs() < 1e-12 && (hi - 3.0).abs() < 1e-12);
    }

    #[test]
    fn t_interval_uses_students_quantile() {
        // scipy.stats.t.ppf(0.975, 21) = 2.079613844727662
        let (lo, hi) = t_interval(1.0, 0.5, 21, 0.95);
        assert!((hi - 1.0 - 0.5 * 2.079_613_844_727_679_5).abs() < 1e-9);
        assert!((1.0 - lo - 0.5 * 2.079_613_844_727_679_5).abs() < 1e-9);
        assert!((standard_deviation(&[1.0, 2.0, 3.0, f64::NAN]) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn kendall_and_spearman_on_hand_cases() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((kendall_tau_b(&x, &[1.0, 2.0, 3.0, 4.0]) - 1.0).abs() < 1e-15);
        assert!((kendall_tau_b(&x, &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-15);
        // One discordant pair of six: (6 − 2·1)/6.
        assert!((kendall_tau_b(&x, &[1.0, 3.0, 2.0, 4.0]) - 4.0 / 6.0).abs() < 1e-15);
        assert!(kendall_tau_b(&x, &[1.0, 1.0, 1.0, 1.0]).is_nan());
        assert!((spearman(&x, &[10.0, 20.0, 30.0, 400.0]) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn holm_and_bh_on_a_hand_case() {
        let p = [0.01, 0.04, f64::NAN, 0.03];
        let h = holm(&p);
        // sorted 0.01, 0.03, 0.04 → 0.03, 0.06, 0.06
        assert!((h[0] - 0.03).abs() < 1e-15 && (h[3] - 0.06).abs() < 1e-15);
        assert!((h[1] - 0.06).abs() < 1e-15 && h[2].is_nan());
        let b = benjamini_hochberg(&p);
        // 0.01·3/1 = 0.03; 0.03·3/2 = 0.045; 0.04·3/3 = 0.04 → min from the top: 0.03, 0.04, 0.04
        assert!((b[0] - 0.03).abs() < 1e-15 && (b[3] - 0.04).abs() < 1e-15);
        assert!((b[1] - 0.04).abs() < 1e-15);
    }

    #[test]
    fn logistic_refuses_separated_data() {
        let mut d = LogitData {
            cols: 2,
            ..LogitData::default()
        };
        for (x, y) in [(0.0, 0.0), (1.0, 0.0), (2.0, 1.0), (3.0, 1.0)] {
            d.push(&[1.0, x], y, 1.0);
        }
        assert!(logistic(&d, None).is_none());
    }
}
