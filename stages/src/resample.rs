//! Resampling helpers every statistical stage shares: seeds derived from the stage seed, the
//! percentile bootstrap over units (projects), permutation p-values (Monte Carlo or exact), and
//! the QAP correlation of two networks on one node set.
//!
//! Determinism (DESIGN §3): every random stream is a `ChaCha8Rng` seeded from the stage seed and
//! a label through [`derive_seed`]; bootstrap replicates are drawn in fixed chunks of
//! [`CHUNK`] replicates, each chunk with its own seed, and collected in chunk order, so the
//! replicates are the same bits with one thread or many. Permutation tests draw sequentially
//! from one stream (parallelise across tests, not inside one).
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Bootstrap replicates per chunk (each chunk has its own seed).
pub const CHUNK: usize = 256;

/// A seed from a parent seed and a label made of parts (length-prefixed, so parts never run
/// into each other): blake3 in derive-key mode, the first 8 bytes little-endian.
#[must_use]
pub fn derive_seed(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = blake3::Hasher::new_derive_key("wecare resample seed v1");
    h.update(&seed.to_le_bytes());
    for part in parts {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let bytes = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes.as_bytes()[..8]);
    u64::from_le_bytes(first)
}

/// The random stream of a seed.
#[must_use]
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `b` bootstrap replicates of `stat` over `n` units: each replicate draws `n` unit indices
/// uniformly with replacement and evaluates `stat` on them (indices in draw order). Chunk `c`
/// (replicates `c·CHUNK ..`) draws from `rng(derive_seed(seed, ["bootstrap", c]))`. Returns the
/// replicates in order; empty when `n` or `b` is 0.
pub fn bootstrap<F>(n: usize, b: usize, seed: u64, stat: F) -> Vec<f64>
where
    F: Fn(&[usize]) -> f64 + Sync,
{
    if n == 0 || b == 0 {
        return Vec::new();
    }
    let n32 = u32::try_from(n).unwrap_or(u32::MAX);
    let chunks = b.div_ceil(CHUNK);
    let per_chunk: Vec<Vec<f64>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut rng = rng(derive_seed(
                seed,
                &[b"bootstrap", &(c as u64).to_le_bytes()],
            ));
            let count = CHUNK.min(b - c * CHUNK);
            let mut idx = vec![0usize; n];
            (0..count)
                .map(|_| {
                    for slot in &mut idx {
                        *slot = rng.random_range(0..n32) as usize;
                    }
                    stat(&idx)
                })
                .collect()
        })
        .collect();
    per_chunk.into_iter().flatten().collect()
}

/// The `q`-quantile (0 ≤ q ≤ 1) of sorted values with linear interpolation between order
/// statistics (numpy's default `method="linear"`); NaN when empty.
#[must_use]
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(clippy::cast_precision_loss)]
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    #[allow(clippy::cast_precision_loss)]
    let frac = h - lo as f64;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// A percentile interval from bootstrap replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound (the (1 − confidence)/2 quantile).
    pub low: f64,
    /// Upper bound (the (1 + confidence)/2 quantile).
    pub high: f64,
    /// Replicates with a finite value (the others were left out).
    pub finite: usize,
}

/// The percentile interval at `confidence` (e.g. 0.95) of the finite replicates; NaN bounds
/// when none is finite.
#[must_use]
pub fn percentile_interval(replicates: &[f64], confidence: f64) -> Interval {
    let mut sorted: Vec<f64> = replicates
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    sorted.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Interval {
        low: percentile(&sorted, tail),
        high: percentile(&sorted, 1.0 - tail),
        finite: sorted.len(),
    }
}

/// A permutation p-value with how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermutationP {
    /// One-sided p of a statistic at least as large as the observed one.
    pub p: f64,
    /// Permutations evaluated.
    pub permutations: usize,
    /// `true` when every permutation was enumerated.
    pub exact: bool,
}

/// n! when it is at most `cap`, else `None`.
fn factorial_up_to(n: usize, cap: usize) -> Option<usize> {
    let mut f: usize = 1;
    for k in 2..=n {
        f = f.checked_mul(k)?;
        if f > cap {
            return None;
        }
    }
    Some(f)
}

/// One-sided (upper) permutation p of `observed` under relabelling `n` units: `stat` gets a
/// permutation π of `0..n` (unit i takes label π[i]). When n! ≤ `b`, every permutation is
/// enumerated (Heap's algorithm; the identity included) and p = #{T* ≥ T}/n!; otherwise `b`
/// uniform shuffles (Fisher–Yates from `rng(seed)`, each applied to the previous order) give
/// p = (1 + #{T* ≥ T})/(1 + b). A statistic within 1e-12 of the observed one counts as ≥.
/// NaN p when `b` is 0 or `observed` is not finite.
pub fn permutation_p<F>(n: usize, observed: f64, b: usize, seed: u64, mut stat: F) -> PermutationP
where
    F: FnMut(&[usize]) -> f64,
{
    if b == 0 || !observed.is_finite() {
        return PermutationP {
            p: f64::NAN,
            permutations: 0,
            exact: false,
        };
    }
    let bar = observed - 1e-12;
    let mut perm: Vec<usize> = (0..n).collect();
    #[allow(clippy::cast_precision_loss)]
    if let Some(total) = factorial_up_to(n, b) {
        // Heap's algorithm, iterative.
        let mut hits = usize::from(stat(&perm) >= bar);
        let mut c = vec![0usize; n];
        let mut i = 0;
        while i < n {
            if c[i] < i {
                if i % 2 == 0 {
                    perm.swap(0, i);
                } else {
                    perm.swap(c[i], i);
                }
                hits += usize::from(stat(&perm) >= bar);
                c[i] += 1;
                i = 0;
            } else {
                c[i] = 0;
                i += 1;
            }
        }
        return PermutationP {
            p: hits as f64 / total as f64,
            permutations: total,
            exact: true,
        };
    }
    let mut rng = rng(seed);
    let mut hits = 0usize;
    for _ in 0..b {
        perm.shuffle(&mut rng);
        hits += usize::from(stat(&perm) >= bar);
    }
    #[allow(clippy::cast_precision_loss)]
    PermutationP {
        p: (1 + hits) as f64 / (1 + b) as f64,
        permutations: b,
        exact: false,
    }
}

/// QAP correlation of two binary undirected networks on the same `n` nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Qap {
    /// Pearson r between the upper-triangle cells of the two adjacency matrices.
    pub r: f64,
    /// One-sided permutation p of r* ≥ r (see [`permutation_p`]).
    pub p: f64,
    /// Permutations evaluated.
    pub permutations: usize,
    /// Whether they were enumerated exactly.
    pub exact: bool,
}

/// Pearson r between the n(n−1)/2 upper-triangle cells of two 0/1 matrices given their tie
/// counts and the count of cells tied in both: r = (N·s_ab − s_a·s_b)/√((N·s_a − s_a²)(N·s_b −
/// s_b²)), N = cells. NaN when either matrix is constant (no ties, or every pair tied).
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn binary_pearson(cells: usize, s_a: usize, s_b: usize, s_ab: usize) -> f64 {
    let (n, a, b, ab) = (cells as f64, s_a as f64, s_b as f64, s_ab as f64);
    let va = n * a - a * a;
    let vb = n * b - b * b;
    if va <= 0.0 || vb <= 0.0 {
        return f64::NAN;
    }
    (n * ab - a * b) / (va * vb).sqrt()
}

/// QAP (Krackhardt 1987; `sna::qaptest` with `gcor`): r between the tie indicators of `a` and
/// `b` (edges as node-index pairs on `0..n`, each pair once, no loops) over the n(n−1)/2 dyads,
/// and its one-sided p under joint row/column permutations of `a`'s node labels, `b`
/// permutations (exact when n! ≤ `permutations`). Only the count of dyads tied in both changes
/// under relabelling, so the test compares that integer and r* ≥ r exactly. NaN r and p when
/// either network is constant on the dyads.
#[must_use]
pub fn qap_correlation(
    n: usize,
    a: &[(usize, usize)],
    b: &[(usize, usize)],
    permutations: usize,
    seed: u64,
) -> Qap {
    let cells = n * n.saturating_sub(1) / 2;
    let mut in_b = vec![false; n * n];
    for &(u, v) in b {
        in_b[u * n + v] = true;
        in_b[v * n + u] = true;
    }
    let both = |perm: &[usize]| {
        a.iter()
            .filter(|&&(u, v)| in_b[perm[u] * n + perm[v]])
            .count()
    };
    let identity: Vec<usize> = (0..n).collect();
    let s_ab = both(&identity);
    let r = binary_pearson(cells, a.len(), b.len(), s_ab);
    if !r.is_finite() {
        return Qap {
            r,
            p: f64::NAN,
            permutations: 0,
            exact: false,
        };
    }
    #[allow(clippy::cast_precision_loss)]
    let test = permutation_p(n, s_ab as f64, permutations, seed, |perm| both(perm) as f64);
    Qap {
        r,
        p: test.p,
        permutations: test.permutations,
        exact: test.exact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_depend_on_every_part_and_its_boundaries() {
        let a = derive_seed(1, &[b"ab", b"c"]);
        assert_ne!(a, derive_seed(1, &[b"a", b"bc"]));
        assert_ne!(a, derive_seed(2, &[b"ab", b"c"]));
        assert_eq!(a, derive_seed(1, &[b"ab", b"c"]));
    }

    #[test]
    fn percentile_is_numpys_linear_rule() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 90]) = [1.75, 2.5, 3.7]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((percentile(&v, 0.25) - 1.75).abs() < 1e-12);
        assert!((percentile(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((percentile(&v, 0.9) - 3.7).abs() < 1e-12);
        assert_eq!(percentile(&[5.0], 0.3), 5.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn bootstrap_is_the_same_bits_whatever_the_thread_count() {
        let values: Vec<f64> = (0..23).map(|i| f64::from(i).sqrt()).collect();
        let mean = |idx: &[usize]| idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64;
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| bootstrap(values.len(), 1000, 7, mean));
        let eight = rayon::ThreadPoolBuilder::new()
            .num_threads(8)
            .build()
            .unwrap()
            .install(|| bootstrap(values.len(), 1000, 7, mean));
        assert_eq!(one.len(), 1000);
        assert!(one
            .iter()
            .zip(&eight)
            .all(|(x, y)| x.to_bits() == y.to_bits()));
        // A different seed gives different draws; the interval covers the sample mean.
        assert_ne!(one, bootstrap(values.len(), 1000, 8, mean));
        let sample = mean(&(0..23).collect::<Vec<_>>());
        let ci = percentile_interval(&one, 0.95);
        assert!(ci.low < sample && sample < ci.high, "{ci:?} vs {sample}");
        assert_eq!(ci.finite, 1000);
    }

    #[test]
    fn bootstrap_of_a_constant_is_that_constant_and_nan_replicates_are_left_out() {
        let reps = bootstrap(5, 300, 1, |_| 0.25);
        let ci = percentile_interval(&reps, 0.95);
        assert_eq!((ci.low, ci.high), (0.25, 0.25));
        // Units 0 and 1 are NaN: a replicate drawing only those is NaN and left out.
        let values = [f64::NAN, f64::NAN, 1.0];
        let reps = bootstrap(3, 500, 2, |idx| {
            let v: Vec<f64> = idx
                .iter()
                .map(|&i| values[i])
                .filter(|x| x.is_finite())
                .collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        });
        let ci = percentile_interval(&reps, 0.9);
        // P(a replicate is NaN) = (2/3)³ ≈ 0.30: about 352 of 500 are finite.
        assert!((300..400).contains(&ci.finite), "{}", ci.finite);
        assert_eq!((ci.low, ci.high), (1.0, 1.0));
        assert!(percentile_interval(&[f64::NAN], 0.95).low.is_nan());
    }

    #[test]
    fn exact_enumeration_visits_every_permutation_once() {
        let mut seen = std::collections::BTreeSet::new();
        let p = permutation_p(4, 0.0, 24, 0, |perm| {
            seen.insert(perm.to_vec());
            0.0
        });
        assert!(p.exact);
        assert_eq!((p.permutations, seen.len(), p.p), (24, 24, 1.0));
        // 4! = 24 > 23 draws: Monte Carlo, (1 + hits)/(1 + b).
        let mc = permutation_p(4, 10.0, 23, 0, |_| 0.0);
        assert!(!mc.exact);
        assert!((mc.p - 1.0 / 24.0).abs() < 1e-15);
    }

    #[test]
    fn pearson_of_tie_indicators_by_hand() {
        // 4 nodes, 6 dyads. a = {01, 12, 23}, b = {01, 12, 03}: both = 2.
        // x = [1,0,0,1,0,1], y = [1,0,1,1,0,0] over (01,02,03,12,13,23):
        // mean 0.5 each, cov = (0.25+0.25−0.25+0.25+0.25−0.25)/6 = 1/12, var = 1/4 → r = 1/3.
        let r = binary_pearson(6, 3, 3, 2);
        assert!((r - 1.0 / 3.0).abs() < 1e-15);
        let q = qap_correlation(
            4,
            &[(0, 1), (1, 2), (2, 3)],
            &[(0, 1), (1, 2), (0, 3)],
            999,
            3,
        );
        assert!((q.r - 1.0 / 3.0).abs() < 1e-15);
        // 4! = 24 ≤ 999: exact; the share of the 24 relabellings of `a` that keep at least 2
        // of its ties inside `b`, counted by brute force below.
        assert!(q.exact);
        assert_eq!(q.permutations, 24);
        let mut hits = 0u32;
        let b: std::collections::BTreeSet<(usize, usize)> =
            [(0, 1), (1, 2), (0, 3)].into_iter().collect();
        let perms = all_perms(4);
        for perm in &perms {
            let kept = [(0, 1), (1, 2), (2, 3)]
                .iter()
                .filter(|&&(u, v)| {
                    let (x, y) = (perm[u].min(perm[v]), perm[u].max(perm[v]));
                    b.contains(&(x, y))
                })
                .count();
            hits += u32::from(kept >= 2);
        }
        assert!(
            (q.p - f64::from(hits) / 24.0).abs() < 1e-15,
            "{} vs {hits}/24",
            q.p
        );
        // Identical networks: r = 1; no ties: NaN.
        let same = qap_correlation(3, &[(0, 1)], &[(0, 1)], 99, 1);
        assert_eq!(same.r, 1.0);
        assert!((same.p - 2.0 / 6.0).abs() < 1e-15, "{}", same.p);
        assert!(qap_correlation(3, &[], &[(0, 1)], 99, 1).r.is_nan());
        assert!(qap_correlation(1, &[], &[], 99, 1).p.is_nan());
    }

    fn all_perms(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in all_perms(n - 1) {
            for i in 0..=p.len() {
                let mut q = p.clone();
                q.insert(i, n - 1);
                out.push(q);
            }
        }
        out
    }

    #[test]
    fn monte_carlo_qap_is_seeded_and_small_for_a_strong_association() {
        // 12 nodes: b = a plus one tie; r close to 1, p at its floor 1/(1 + B).
        let a: Vec<(usize, usize)> = (0..11).map(|i| (i, i + 1)).collect();
        let mut b = a.clone();
        b.push((0, 11));
        let q = qap_correlation(12, &a, &b, 499, 5);
        assert!(!q.exact);
        assert_eq!(q.permutations, 499);
        assert!(q.p < 0.01, "{}", q.p);
        assert_eq!(q, qap_correlation(12, &a, &b, 499, 5));
    }
}
