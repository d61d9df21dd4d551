//! The logistic refits of a project-cluster bootstrap, without building the resampled design.
//!
//! A cluster-bootstrap resample takes project `j` some `m_j` times (0, 1, 2, …). Refitting on the
//! stacked design repeats every row of a repeated project; instead, each IRLS step here sums every
//! drawn project's contribution once and scales it by `m_j`. The design's columns are of two
//! kinds: tie-level (they vary between a project's rows) and project-level (the intercept, the
//! Mundlak means, the protocol: one value per project). A project's contribution to `X'WX` is
//! then built from its rows' sums over the tie-level columns only (`Σw`, `Σw·t`, `Σw·t·t'`) and
//! the outer products with its project-level values, once per project — about a third of the
//! work per row of the full `X'WX`, and none for the projects a resample leaves out.
//!
//! Same Newton iterations and stopping rule as [`crate::stats::logistic_coefficients`] (from a
//! start, largest step below 1e-10, at most 100 steps, `None` when singular, not converging or
//! a coefficient beyond ±30); the sums run in another order, so the coefficients agree with it
//! to rounding (test: within 1e-10 on a design with repeats), not to the bit.
use nalgebra::{DMatrix, DVector};

/// One project's rows: tie-level values (row-major, `tie_cols` per row), successes and trials;
/// and its project-level values.
#[derive(Debug, Clone, Default)]
pub(super) struct Block {
    pub ties: Vec<f64>,
    pub successes: Vec<f64>,
    pub trials: Vec<f64>,
    pub project: Vec<f64>,
}

/// One project's sums over its rows at the current coefficients: `Σw·t·t'` (row-major, upper
/// triangle used), `Σw·t`, `Σr·t`, `Σw`, `Σr` (w the IRLS weight, r the residual).
struct Sums<'a> {
    a: &'a [f64],
    c: &'a [f64],
    gt: &'a [f64],
    s0: f64,
    g0: f64,
}

/// A design split into per-project blocks.
#[derive(Debug, Clone)]
pub(super) struct Blocks {
    /// Column (in the full design) of each tie-level value.
    pub tie_pos: Vec<usize>,
    /// Column (in the full design) of each project-level value.
    pub project_pos: Vec<usize>,
    pub blocks: Vec<Block>,
}

impl Blocks {
    fn cols(&self) -> usize {
        self.tie_pos.len() + self.project_pos.len()
    }

    /// `X'WX` and the score at `beta` of the design taking project `j` `times[j]` times.
    fn information(&self, times: &[u32], beta: &[f64]) -> (DMatrix<f64>, DVector<f64>) {
        // The row loop with the number of tie-level columns known at compile time (unrolled,
        // no bounds checks): the same sums in the same order as the general loop.
        match self.tie_pos.len() {
            1 => self.information_k::<1>(times, beta),
            2 => self.information_k::<2>(times, beta),
            3 => self.information_k::<3>(times, beta),
            4 => self.information_k::<4>(times, beta),
            5 => self.information_k::<5>(times, beta),
            6 => self.information_k::<6>(times, beta),
            _ => self.information_any(times, beta),
        }
    }

    /// The linear predictor's project-level part for `block`.
    fn offset(&self, block: &Block, beta: &[f64]) -> f64 {
        block
            .project
            .iter()
            .zip(&self.project_pos)
            .map(|(v, &col)| v * beta[col])
            .sum()
    }

    /// [`Self::information`] for `K` tie-level columns.
    fn information_k<const K: usize>(
        &self,
        times: &[u32],
        beta: &[f64],
    ) -> (DMatrix<f64>, DVector<f64>) {
        let p = self.cols();
        let mut h = vec![0.0; p * p];
        let mut g = vec![0.0; p];
        let mut bt = [0.0; K];
        for (b, &c) in bt.iter_mut().zip(&self.tie_pos) {
            *b = beta[c];
        }
        for (block, &m) in self.blocks.iter().zip(times) {
            if m == 0 {
                continue;
            }
            let offset = self.offset(block, beta);
            // Row-major K × K (K ≤ 6).
            let mut a = [0.0f64; 36];
            let mut c = [0.0f64; K];
            let mut gt = [0.0f64; K];
            let (mut s0, mut g0) = (0.0, 0.0);
            for ((t, &y), &n) in block
                .ties
                .chunks_exact(K)
                .zip(&block.successes)
                .zip(&block.trials)
            {
                if n <= 0.0 {
                    continue;
                }
                let t: &[f64; K] = t.try_into().expect("K values a row");
                let mut eta = offset;
                for u in 0..K {
                    eta += t[u] * bt[u];
                }
                let mu = crate::stats::logistic_fn(eta);
                let w = n * mu * (1.0 - mu);
                let r = y - n * mu;
                s0 += w;
                g0 += r;
                for u in 0..K {
                    let wu = w * t[u];
                    c[u] += wu;
                    gt[u] += r * t[u];
                    for v in u..K {
                        a[u * K + v] += wu * t[v];
                    }
                }
            }
            self.add_block(
                &mut h,
                &mut g,
                f64::from(m),
                block,
                &Sums {
                    a: &a[..K * K],
                    c: &c,
                    gt: &gt,
                    s0,
                    g0,
                },
            );
        }
        self.to_design(&h, &g)
    }

    /// Adds one project's sums, `m` times, into `X'WX` and the score, both in local order (the
    /// tie-level columns, then the project-level ones), upper triangle of `h` only.
    fn add_block(&self, h: &mut [f64], g: &mut [f64], m: f64, block: &Block, s: &Sums<'_>) {
        let kt = self.tie_pos.len();
        let p = self.cols();
        let pv = &block.project;
        for u in 0..kt {
            g[u] += m * s.gt[u];
            let row = &mut h[u * p..(u + 1) * p];
            for (cell, a) in row[u..kt].iter_mut().zip(&s.a[u * kt + u..(u + 1) * kt]) {
                *cell += m * a;
            }
            let mc = m * s.c[u];
            for (q, x) in pv.iter().enumerate() {
                row[kt + q] += mc * x;
            }
        }
        let ms0 = m * s.s0;
        for (q, xq) in pv.iter().enumerate() {
            g[kt + q] += m * s.g0 * xq;
            let row = &mut h[(kt + q) * p..(kt + q + 1) * p];
            let f = ms0 * xq;
            for (r, xr) in pv.iter().enumerate().skip(q) {
                row[kt + r] += f * xr;
            }
        }
    }

    /// `X'WX` and the score in the design's column order from their local-order sums.
    fn to_design(&self, h: &[f64], g: &[f64]) -> (DMatrix<f64>, DVector<f64>) {
        let p = self.cols();
        let col: Vec<usize> = self
            .tie_pos
            .iter()
            .chain(&self.project_pos)
            .copied()
            .collect();
        let mut hd = DMatrix::<f64>::zeros(p, p);
        let mut gd = DVector::<f64>::zeros(p);
        for i in 0..p {
            gd[col[i]] = g[i];
            for j in i..p {
                hd[(col[i], col[j])] = h[i * p + j];
                hd[(col[j], col[i])] = h[i * p + j];
            }
        }
        (hd, gd)
    }

    /// [`Self::information`] for any number of tie-level columns.
    fn information_any(&self, times: &[u32], beta: &[f64]) -> (DMatrix<f64>, DVector<f64>) {
        let p = self.cols();
        let kt = self.tie_pos.len();
        let mut h = vec![0.0; p * p];
        let mut g = vec![0.0; p];
        let bt: Vec<f64> = self.tie_pos.iter().map(|&c| beta[c]).collect();
        let mut a = vec![0.0; kt * kt];
        let mut c = vec![0.0; kt];
        let mut gt = vec![0.0; kt];
        for (block, &m) in self.blocks.iter().zip(times) {
            if m == 0 {
                continue;
            }
            let offset = self.offset(block, beta);
            a.fill(0.0);
            c.fill(0.0);
            gt.fill(0.0);
            let (mut s0, mut g0) = (0.0, 0.0);
            for (i, (&y, &n)) in block.successes.iter().zip(&block.trials).enumerate() {
                if n <= 0.0 {
                    continue;
                }
                let t = &block.ties[i * kt..(i + 1) * kt];
                let eta = offset + t.iter().zip(&bt).map(|(x, b)| x * b).sum::<f64>();
                let mu = crate::stats::logistic_fn(eta);
                let w = n * mu * (1.0 - mu);
                let r = y - n * mu;
                s0 += w;
                g0 += r;
                for u in 0..kt {
                    let wu = w * t[u];
                    c[u] += wu;
                    gt[u] += r * t[u];
                    if wu != 0.0 {
                        for v in u..kt {
                            a[u * kt + v] += wu * t[v];
                        }
                    }
                }
            }
            let sums = Sums {
                a: &a,
                c: &c,
                gt: &gt,
                s0,
                g0,
            };
            self.add_block(&mut h, &mut g, f64::from(m), block, &sums);
        }
        self.to_design(&h, &g)
    }

    /// The coefficients of the logistic fit of the design taking project `j` `times[j]` times,
    /// by Newton–Raphson from `start`.
    pub fn fit(&self, times: &[u32], start: &[f64]) -> Option<Vec<f64>> {
        crate::stats::newton(start.to_vec(), |beta| self.information(times, beta)).map(|(b, _)| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{self, LogitData};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn block_refit_equals_the_stacked_refit() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // Columns: intercept (project), t0 (tie), m0 (project), t1 (tie), protocol (project).
        let tie_pos = vec![1, 3];
        let project_pos = vec![0, 2, 4];
        let mut blocks = Vec::new();
        for j in 0..40 {
            let mut b = Block {
                project: vec![1.0, rng.random::<f64>(), f64::from(j % 2)],
                ..Block::default()
            };
            for _ in 0..rng.random_range(1..12) {
                b.ties.push(f64::from(rng.random_range(0..2u8)));
                b.ties.push(f64::from(rng.random_range(0..4u8)));
                let t = f64::from(rng.random_range(1..5u8));
                b.successes.push((t * rng.random::<f64>()).round());
                b.trials.push(t);
            }
            blocks.push(b);
        }
        let design = Blocks {
            tie_pos,
            project_pos,
            blocks,
        };
        let times: Vec<u32> = (0..40).map(|_| rng.random_range(0..3u32)).collect();
        let mut stacked = LogitData {
            cols: 5,
            ..LogitData::default()
        };
        for (b, &m) in design.blocks.iter().zip(&times) {
            for _ in 0..m {
                for i in 0..b.trials.len() {
                    let row = [
                        b.project[0],
                        b.ties[2 * i],
                        b.project[1],
                        b.ties[2 * i + 1],
                        b.project[2],
                    ];
                    stacked.push(&row, b.successes[i], b.trials[i]);
                }
            }
        }
        let want = stats::logistic_coefficients(&stacked, None).expect("fits");
        let got = design.fit(&times, &[0.0; 5]).expect("fits");
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 1e-10, "{want:?} vs {got:?}");
        }
        // The unrolled loop (2 tie-level columns here) and the general one give the same sums.
        let beta = [0.1, -0.2, 0.3, 0.05, -0.4];
        let (h2, g2) = design.information_k::<2>(&times, &beta);
        let (ha, ga) = design.information_any(&times, &beta);
        assert!((h2 - ha).abs().max() < 1e-9 && (g2 - ga).abs().max() < 1e-9);
    }
}
