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
        let p = self.cols();
        let kt = self.tie_pos.len();
        let mut h = DMatrix::<f64>::zeros(p, p);
        let mut g = DVector::<f64>::zeros(p);
        let bt: Vec<f64> = self.tie_pos.iter().map(|&c| beta[c]).collect();
        let mut a = vec![0.0; kt * kt];
        let mut c = vec![0.0; kt];
        let mut gt = vec![0.0; kt];
        for (block, &m) in self.blocks.iter().zip(times) {
            if m == 0 {
                continue;
            }
            let offset: f64 = block
                .project
                .iter()
                .zip(&self.project_pos)
                .map(|(v, &col)| v * beta[col])
                .sum();
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
            let m = f64::from(m);
            let pv = &block.project;
            for u in 0..kt {
                let cu = self.tie_pos[u];
                g[cu] += m * gt[u];
                for v in u..kt {
                    let cv = self.tie_pos[v];
                    let add = m * a[u * kt + v];
                    h[(cu, cv)] += add;
                    if u != v {
                        h[(cv, cu)] += add;
                    }
                }
                for (q, &cq) in self.project_pos.iter().enumerate() {
                    let add = m * c[u] * pv[q];
                    h[(cu, cq)] += add;
                    h[(cq, cu)] += add;
                }
            }
            for (q, &cq) in self.project_pos.iter().enumerate() {
                g[cq] += m * g0 * pv[q];
                for (s, &cs) in self.project_pos.iter().enumerate() {
                    h[(cq, cs)] += m * s0 * pv[q] * pv[s];
                }
            }
        }
        (h, g)
    }

    /// The coefficients of the logistic fit of the design taking project `j` `times[j]` times,
    /// by Newton–Raphson from `start`.
    pub fn fit(&self, times: &[u32], start: &[f64]) -> Option<Vec<f64>> {
        let mut beta = start.to_vec();
        for _ in 0..100 {
            let (h, g) = self.information(times, &beta);
            let step = h.cholesky()?.solve(&g);
            let mut biggest: f64 = 0.0;
            for (b, s) in beta.iter_mut().zip(step.iter()) {
                *b += s;
                biggest = biggest.max(s.abs());
            }
            if !biggest.is_finite() || beta.iter().any(|b| b.abs() > 30.0) {
                return None;
            }
            if biggest < 1e-10 {
                return Some(beta);
            }
        }
        None
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
    }
}
