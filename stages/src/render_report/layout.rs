//! A deterministic force-directed layout (Fruchterman–Reingold): start positions from a seeded
//! ChaCha stream, a fixed number of iterations with linear cooling, every loop sequential and in
//! node order, and coordinates rounded to 1/1000 of the unit square, so the same graph and seed
//! give the same picture on any machine and thread count.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A node to place.
#[derive(Debug, Clone)]
pub struct Node {
    /// Sector (colour).
    pub sector: String,
    /// Whether it is an ente gestore (marked).
    pub ente_gestore: bool,
    /// Degree in the drawn graph (size).
    pub degree: usize,
    /// Position in the unit square.
    pub pos: (f64, f64),
}

/// A laid-out graph: nodes with positions and edges as node indices.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    /// Nodes sorted by id.
    pub nodes: Vec<Node>,
    /// Edges (indices into `nodes`), sorted.
    pub edges: Vec<(usize, usize)>,
}

/// Iterations of the layout.
pub const ITERATIONS: usize = 300;

/// Positions for `n` nodes with `edges` (index pairs) in the unit square.
#[must_use]
pub fn fruchterman_reingold(n: usize, edges: &[(usize, usize)], seed: u64) -> Vec<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.random::<f64>(), rng.random::<f64>()))
        .collect();
    if n <= 1 {
        return vec![(0.5, 0.5); n];
    }
    #[allow(clippy::cast_precision_loss)]
    let k = (1.0 / n as f64).sqrt();
    let mut temp = 0.1;
    let cool = temp / (ITERATIONS as f64 + 1.0);
    for _ in 0..ITERATIONS {
        let mut disp = vec![(0.0f64, 0.0f64); n];
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
                let f = k * k / dist;
                disp[i].0 += dx / dist * f;
                disp[i].1 += dy / dist * f;
                disp[j].0 -= dx / dist * f;
                disp[j].1 -= dy / dist * f;
            }
        }
        for &(a, b) in edges {
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
            let f = dist * dist / k;
            disp[a].0 -= dx / dist * f;
            disp[a].1 -= dy / dist * f;
            disp[b].0 += dx / dist * f;
            disp[b].1 += dy / dist * f;
        }
        for i in 0..n {
            // A weak pull to the centre keeps components and isolates on the canvas.
            disp[i].0 += (0.5 - pos[i].0) * k;
            disp[i].1 += (0.5 - pos[i].1) * k;
            let len = (disp[i].0 * disp[i].0 + disp[i].1 * disp[i].1)
                .sqrt()
                .max(1e-9);
            let step = len.min(temp);
            pos[i].0 += disp[i].0 / len * step;
            pos[i].1 += disp[i].1 / len * step;
        }
        temp -= cool;
    }
    // Fit to the unit square and round.
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &pos {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let span = (x1 - x0).max(y1 - y0).max(1e-9);
    pos.iter()
        .map(|&(x, y)| {
            let fx = (x - x0) / span + (1.0 - (x1 - x0) / span) / 2.0;
            let fy = (y - y0) / span + (1.0 - (y1 - y0) / span) / 2.0;
            (
                (fx * 1000.0).round() / 1000.0,
                (fy * 1000.0).round() / 1000.0,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_deterministic_and_inside_the_square() {
        let edges = vec![(0, 1), (1, 2), (2, 0), (2, 3)];
        let a = fruchterman_reingold(5, &edges, 7);
        assert_eq!(a, fruchterman_reingold(5, &edges, 7));
        assert_ne!(a, fruchterman_reingold(5, &edges, 8));
        assert!(a
            .iter()
            .all(|&(x, y)| (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y)));
        // Tied nodes end up closer than the isolate is to anything.
        let d = |i: usize, j: usize| ((a[i].0 - a[j].0).powi(2) + (a[i].1 - a[j].1).powi(2)).sqrt();
        assert!(d(0, 1) < d(4, 0).max(d(4, 1)));
    }
}
