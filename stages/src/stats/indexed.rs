//! Rank statistics of many resamples of one sample, without a sort per resample.
//!
//! A permutation test or a bootstrap evaluates the same statistic on `B` rearrangements of one
//! sample. Sorting happens once, here: each variable's values are grouped into their distinct
//! values in increasing order ([`RankIndex`]), and a resample — a permutation, or indices drawn
//! with replacement — only counts how many draws fall in each group. The average ranks of a
//! resample then come in O(n), Kendall's counts in O(n log n) on a Fenwick tree without sorting.
//!
//! The results are the same to the bit as [`super::ranks`] and [`super::kendall_tau_b`] on the
//! materialised resample: the ranks are the same floating-point expressions of the same
//! positions, and Kendall's τ-b is the same expression of the same integer counts (tests below
//! compare them on random data with heavy ties).

/// One variable's values grouped into distinct values (`==`, so −0.0 and 0.0 are one value),
/// numbered 0.. in increasing order.
#[derive(Debug, Clone)]
pub struct RankIndex {
    /// The group (distinct value) of each unit.
    group: Vec<u32>,
    /// Units in increasing order of value (ties in unit order).
    order: Vec<u32>,
    /// Start of each group in `order`, plus the end.
    bounds: Vec<u32>,
}

impl RankIndex {
    /// Groups `values` (finite: a NaN has no place in an order).
    #[must_use]
    pub fn new(values: &[f64]) -> Self {
        let n = values.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|&a, &b| {
            values[a as usize]
                .partial_cmp(&values[b as usize])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut group = vec![0u32; n];
        let mut bounds = Vec::new();
        for (k, &i) in order.iter().enumerate() {
            if k == 0 || values[i as usize] != values[order[k - 1] as usize] {
                bounds.push(k as u32);
            }
            group[i as usize] = (bounds.len() - 1) as u32;
        }
        bounds.push(n as u32);
        Self {
            group,
            order,
            bounds,
        }
    }

    /// Number of units.
    #[must_use]
    pub fn len(&self) -> usize {
        self.group.len()
    }

    /// `true` without units.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.group.is_empty()
    }

    /// Number of distinct values.
    #[must_use]
    pub fn groups(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The average ranks (1-based, as [`super::ranks`]) of the resample that takes unit `pick[k]`
    /// as its k-th value (repeats allowed).
    #[must_use]
    pub fn ranks_of(&self, pick: &[usize]) -> Vec<f64> {
        let mut count = vec![0u32; self.groups()];
        for &i in pick {
            count[self.group[i] as usize] += 1;
        }
        // A group spanning sorted positions a..b gets b/2 + a/2 + 0.5, as statrs computes it.
        let mut rank = vec![0.0f64; self.groups()];
        let mut a = 0usize;
        for (g, &c) in count.iter().enumerate() {
            let b = a + c as usize;
            #[allow(clippy::cast_precision_loss)]
            if c > 0 {
                rank[g] = b as f64 / 2.0 + a as f64 / 2.0 + 0.5;
            }
            a = b;
        }
        pick.iter().map(|&i| rank[self.group[i] as usize]).collect()
    }
}

/// Kendall's τ-b of one pair of variables under many rearrangements.
///
/// τ-b is symmetric in its two variables, so the counts walk the one with more distinct values
/// in order and count the other's (`seq` and `counted`): with few counted values — an ordinal
/// outcome — each unit costs a few branch-free additions instead of a Fenwick-tree walk.
#[derive(Debug, Clone)]
pub struct KendallIndex {
    seq: RankIndex,
    counted: RankIndex,
    /// `true` when `seq` is `y` (and `counted` is `x`).
    swapped: bool,
}

/// Counted variables with at most this many distinct values use the direct counts.
const FEW: usize = 8;

fn pairs(t: i64) -> i64 {
    t * (t - 1) / 2
}

/// A Fenwick tree of counts over 1..=size.
struct Fenwick(Vec<i64>);

impl Fenwick {
    fn new(size: usize) -> Self {
        Self(vec![0; size + 1])
    }
    /// Sum of the counts at 1..=k.
    fn prefix(&self, mut k: usize) -> i64 {
        let mut s = 0;
        while k > 0 {
            s += self.0[k];
            k &= k - 1;
        }
        s
    }
    fn add(&mut self, mut k: usize, w: i64) {
        while k < self.0.len() {
            self.0[k] += w;
            k += k & k.wrapping_neg();
        }
    }
}

impl KendallIndex {
    /// Indexes `x` and `y` (same length, finite values).
    #[must_use]
    pub fn new(x: &[f64], y: &[f64]) -> Self {
        let (x, y) = (RankIndex::new(x), RankIndex::new(y));
        if y.groups() > x.groups() {
            Self {
                seq: y,
                counted: x,
                swapped: true,
            }
        } else {
            Self {
                seq: x,
                counted: y,
                swapped: false,
            }
        }
    }

    /// τ-b from the counts: (concordant − discordant, pairs untied in x, pairs untied in y).
    fn tau((s, untied_x, untied_y): (i64, i64, i64)) -> f64 {
        if untied_x == 0 || untied_y == 0 {
            return f64::NAN;
        }
        #[allow(clippy::cast_precision_loss)]
        let tau = s as f64 / ((untied_x as f64) * (untied_y as f64)).sqrt();
        tau.clamp(-1.0, 1.0)
    }

    /// The counts of units weighted by `weight` (how many times each unit is drawn), where unit
    /// `i` carries the `seq` value of unit `i` and the `counted` value of unit `c_of(i)`. Units
    /// are visited group by group of `seq`; within a group every unit is looked up before any is
    /// inserted, so pairs tied in `seq` are never counted as discordant.
    fn counts(
        &self,
        weight: impl Fn(usize) -> i64,
        c_of: impl Fn(usize) -> usize,
    ) -> (i64, i64, i64) {
        let ny = self.counted.groups();
        if ny <= 4 {
            self.counts_few::<4>(weight, c_of)
        } else if ny <= FEW {
            self.counts_few::<FEW>(weight, c_of)
        } else {
            self.counts_fenwick(weight, c_of)
        }
    }

    /// [`Self::counts`] on a Fenwick tree over the counted values.
    fn counts_fenwick(
        &self,
        weight: impl Fn(usize) -> i64,
        c_of: impl Fn(usize) -> usize,
    ) -> (i64, i64, i64) {
        let ny = self.counted.groups();
        let mut tree = Fenwick::new(ny);
        let mut in_group = vec![0i64; ny];
        let mut per_y = vec![0i64; ny];
        let (mut n, mut seen, mut discordant) = (0i64, 0i64, 0i64);
        let (mut tied_x, mut tied_both) = (0i64, 0i64);
        for g in 0..self.seq.groups() {
            let members =
                &self.seq.order[self.seq.bounds[g] as usize..self.seq.bounds[g + 1] as usize];
            let mut group_weight = 0i64;
            for &i in members {
                let w = weight(i as usize);
                if w == 0 {
                    continue;
                }
                let r = self.counted.group[c_of(i as usize)] as usize;
                // Earlier units (smaller seq value) with a strictly larger counted value.
                discordant += w * (seen - tree.prefix(r + 1));
                tied_both += w * in_group[r] + pairs(w);
                in_group[r] += w;
                group_weight += w;
            }
            for &i in members {
                let w = weight(i as usize);
                if w == 0 {
                    continue;
                }
                let r = self.counted.group[c_of(i as usize)] as usize;
                tree.add(r + 1, w);
                in_group[r] = 0;
                per_y[r] += w;
            }
            seen += group_weight;
            n += group_weight;
            tied_x += pairs(group_weight);
        }
        Self::finish(n, tied_x, tied_both, discordant, &per_y)
    }

    /// [`Self::counts`] for at most `L` ≤ [`FEW`] counted values: `greater[r]` holds the weight seen
    /// with a counted value above `r`, updated without branches; a group of one unit (every
    /// group of a continuous variable) needs no deferred insertion.
    fn counts_few<const L: usize>(
        &self,
        weight: impl Fn(usize) -> i64,
        c_of: impl Fn(usize) -> usize,
    ) -> (i64, i64, i64) {
        let ny = self.counted.groups();
        let mut greater = [0i64; L];
        let mut in_group = [0i64; L];
        let mut per_y = [0i64; L];
        let (mut n, mut discordant) = (0i64, 0i64);
        let (mut tied_x, mut tied_both) = (0i64, 0i64);
        let insert = |greater: &mut [i64; L], r: usize, w: i64| {
            for (s, g) in greater.iter_mut().enumerate() {
                *g += w & -i64::from(s < r);
            }
        };
        for g in 0..self.seq.groups() {
            let (a, b) = (self.seq.bounds[g] as usize, self.seq.bounds[g + 1] as usize);
            if b - a == 1 {
                let i = self.seq.order[a] as usize;
                let w = weight(i);
                let r = self.counted.group[c_of(i)] as usize;
                discordant += w * greater[r];
                let p = pairs(w);
                tied_both += p;
                tied_x += p;
                per_y[r] += w;
                n += w;
                insert(&mut greater, r, w);
                continue;
            }
            let members = &self.seq.order[a..b];
            let mut group_weight = 0i64;
            for &i in members {
                let w = weight(i as usize);
                let r = self.counted.group[c_of(i as usize)] as usize;
                discordant += w * greater[r];
                tied_both += w * in_group[r] + pairs(w);
                in_group[r] += w;
                group_weight += w;
            }
            for r in 0..ny {
                let w = std::mem::take(&mut in_group[r]);
                per_y[r] += w;
                insert(&mut greater, r, w);
            }
            n += group_weight;
            tied_x += pairs(group_weight);
        }
        Self::finish(n, tied_x, tied_both, discordant, &per_y[..ny])
    }

    /// (concordant − discordant, pairs untied in `seq`, pairs untied in `counted`).
    fn finish(
        n: i64,
        tied_x: i64,
        tied_both: i64,
        discordant: i64,
        per_y: &[i64],
    ) -> (i64, i64, i64) {
        let tied_y: i64 = per_y.iter().map(|&c| pairs(c.max(1))).sum();
        let all = pairs(n.max(1));
        (
            all - tied_x - tied_y + tied_both - 2 * discordant,
            all - tied_x,
            all - tied_y,
        )
    }

    /// τ-b of x against y permuted: unit `i` is paired with the y of unit `perm[i]`.
    #[must_use]
    pub fn permuted(&self, perm: &[usize]) -> f64 {
        if self.swapped {
            // Unit k carries y of k and x of the unit paired with it, perm⁻¹(k).
            let mut inverse = vec![0usize; perm.len()];
            for (i, &k) in perm.iter().enumerate() {
                inverse[k] = i;
            }
            Self::tau(self.counts(|_| 1, |k| inverse[k]))
        } else {
            Self::tau(self.counts(|_| 1, |i| perm[i]))
        }
    }

    /// τ-b of the bootstrap resample made of units `pick` (repeats allowed).
    #[must_use]
    pub fn resampled(&self, pick: &[usize]) -> f64 {
        let mut times = vec![0i64; self.seq.len()];
        for &i in pick {
            times[i] += 1;
        }
        Self::tau(self.counts(|i| times[i], |i| i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn sample(rng: &mut ChaCha8Rng, n: usize, levels: u32) -> (Vec<f64>, Vec<f64>) {
        let x: Vec<f64> = (0..n)
            .map(|_| f64::from(rng.random_range(0..levels)))
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| x[i] * 0.5 + f64::from(rng.random_range(0..levels)) - 1.0)
            .collect();
        (x, y)
    }

    #[test]
    fn resample_ranks_and_taus_are_the_materialised_ones_to_the_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for n in [1usize, 2, 3, 10, 63, 64, 65, 300, 2000] {
            for levels in [1u32, 2, 3, 4, 5, 7, 9, 100_000] {
                let (x, mut y) = sample(&mut rng, n, levels);
                if n > 2 {
                    y[0] = -0.0;
                    y[1] = 0.0;
                }
                let rx = RankIndex::new(&x);
                let k = KendallIndex::new(&x, &y);
                for _ in 0..5 {
                    let pick: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                    let bx: Vec<f64> = pick.iter().map(|&i| x[i]).collect();
                    let by: Vec<f64> = pick.iter().map(|&i| y[i]).collect();
                    let want = super::super::ranks(&bx);
                    let got = rx.ranks_of(&pick);
                    assert_eq!(
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "ranks n = {n}, levels = {levels}"
                    );
                    let (a, b) = (super::super::kendall_tau_b(&bx, &by), k.resampled(&pick));
                    assert!(
                        a.to_bits() == b.to_bits(),
                        "boot n={n} levels={levels}: {a} {b}"
                    );
                    let mut perm: Vec<usize> = (0..n).collect();
                    rand::seq::SliceRandom::shuffle(perm.as_mut_slice(), &mut rng);
                    let py: Vec<f64> = perm.iter().map(|&i| y[i]).collect();
                    let (a, b) = (super::super::kendall_tau_b(&x, &py), k.permuted(&perm));
                    assert!(
                        a.to_bits() == b.to_bits(),
                        "perm n={n} levels={levels}: {a} {b}"
                    );
                    // A three-level variable against x (few counted values, either way).
                    let z: Vec<f64> = (0..n)
                        .map(|_| f64::from(rng.random_range(0..3u8)))
                        .collect();
                    let pz: Vec<f64> = perm.iter().map(|&i| z[i]).collect();
                    let bz: Vec<f64> = pick.iter().map(|&i| z[i]).collect();
                    for (k, want_p, want_b) in [
                        (
                            KendallIndex::new(&x, &z),
                            super::super::kendall_tau_b(&x, &pz),
                            super::super::kendall_tau_b(&bx, &bz),
                        ),
                        (
                            KendallIndex::new(&z, &x),
                            super::super::kendall_tau_b(
                                &z,
                                &perm.iter().map(|&i| x[i]).collect::<Vec<_>>(),
                            ),
                            super::super::kendall_tau_b(&bz, &bx),
                        ),
                    ] {
                        assert_eq!(
                            want_p.to_bits(),
                            k.permuted(&perm).to_bits(),
                            "perm z n={n} levels={levels}"
                        );
                        assert_eq!(
                            want_b.to_bits(),
                            k.resampled(&pick).to_bits(),
                            "boot z n={n} levels={levels}"
                        );
                    }
                    // The other orientation (y walked in order, x counted).
                    let kyx = KendallIndex::new(&y, &x);
                    let px: Vec<f64> = perm.iter().map(|&i| x[i]).collect();
                    let (a, b) = (super::super::kendall_tau_b(&y, &px), kyx.permuted(&perm));
                    assert!(
                        a.to_bits() == b.to_bits(),
                        "perm yx n={n} levels={levels}: {a} {b}"
                    );
                    let (a, b) = (super::super::kendall_tau_b(&by, &bx), kyx.resampled(&pick));
                    assert!(
                        a.to_bits() == b.to_bits(),
                        "boot yx n={n} levels={levels}: {a} {b}"
                    );
                }
            }
        }
    }
}
