//! The pure graph-metric core of `compute_metrics`: node metrics that equal NetworkX 3.x
//! (degree, betweenness, closeness, harmonic, eigenvector, clustering, core number, Burt's
//! constraint and effective size), network-level measures (density, components, Freeman
//! centralization as igraph's `centr_*` with loops excluded, transitivity, distances,
//! efficiency), the Krackhardt–Stern E-I index with its label-permutation p, and the F2
//! network-type rule (DESIGN §5) with its edge-jackknife stability. No I/O and no tables: the
//! stage turns `ties` rows into [`Net`]s and these results into rows.
//!
//! Conventions:
//! - A [`Net`] is undirected and simple, on nodes `0..n`; every function is deterministic (no
//!   hash-map iteration, sums in a fixed order), so the same input gives the same bits.
//! - "NetworkX" means NetworkX 3.6.1 called as documented on each function; the golden files in
//!   `tests/golden/metrics/` (made by `tests/golden/make_metrics_goldens.py`) pin every value to
//!   1e-9. Where NetworkX raises (eigenvector of a disconnected graph, average clustering of the
//!   null graph) or disagrees with itself (weighted effective size), the rule used here is
//!   stated on the function.
//! - NaN marks a value that is undefined (constraint of an isolate, centralization with n < 3,
//!   mean distance without a connected pair).
//! - Weighted variants read a tie weight `w > 0` as a strength: path lengths use `1 / w`.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rustworkx_core::petgraph::graph::{NodeIndex, UnGraph};

/// Relative tolerance for comparisons between floats that may be equal in exact arithmetic but
/// differ in their last bits: the thresholds of [`classify`], its betweenness tie-break, the
/// spectral radii of components in [`eigenvector`]. `x ≥ t` is read as `x ≥ t − TIE_EPS·max(1, |t|)`.
pub const TIE_EPS: f64 = 1e-9;

/// Components up to this size get their leading eigenvector from a dense symmetric
/// eigensolver (Householder tridiagonalisation, bisection, inverse iteration; O(c³)); larger
/// ones from power iteration on `A + I` (see [`eigenvector`]).
pub const DENSE_MAX: usize = 1000;

// ------------------------------------------------------------------------------------------
// The network
// ------------------------------------------------------------------------------------------

/// An undirected simple graph on nodes `0..n`; edges `(u, v, w)` with `u < v`, `w > 0` finite,
/// no duplicates, sorted by `(u, v)`. Build it with [`Net::new`] or [`Net::try_new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    pub n: usize,
    pub edges: Vec<(usize, usize, f64)>,
}

/// Why [`Net::try_new`] refused an edge list.
#[derive(Debug, Clone, PartialEq)]
pub enum NetError {
    /// An endpoint is not below `n`.
    NodeOutOfRange { node: usize, n: usize },
    /// An edge joins a node to itself.
    SelfLoop { node: usize },
    /// A weight is not finite and positive.
    BadWeight { u: usize, v: usize, w: f64 },
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::NodeOutOfRange { node, n } => {
                write!(
                    f,
                    "edge endpoint {node} is not a node of a network of {n} nodes"
                )
            }
            NetError::SelfLoop { node } => write!(f, "self-loop on node {node}"),
            NetError::BadWeight { u, v, w } => {
                write!(
                    f,
                    "edge {u}-{v} has weight {w}; weights must be finite and > 0"
                )
            }
        }
    }
}

impl std::error::Error for NetError {}

impl Net {
    /// Validates the edges, orients each as `(min, max)`, sorts them by `(u, v)` and merges
    /// duplicates (in either orientation) keeping the largest weight.
    pub fn try_new(n: usize, mut edges: Vec<(usize, usize, f64)>) -> Result<Net, NetError> {
        for e in edges.iter_mut() {
            let (u, v, w) = *e;
            for node in [u, v] {
                if node >= n {
                    return Err(NetError::NodeOutOfRange { node, n });
                }
            }
            if u == v {
                return Err(NetError::SelfLoop { node: u });
            }
            if !(w.is_finite() && w > 0.0) {
                return Err(NetError::BadWeight { u, v, w });
            }
            *e = (u.min(v), u.max(v), w);
        }
        // Largest weight first within a pair, so that `dedup_by` keeps it.
        edges.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.total_cmp(&a.2)));
        edges.dedup_by(|later, kept| later.0 == kept.0 && later.1 == kept.1);
        Ok(Net { n, edges })
    }

    /// [`Net::try_new`] for edge lists already known to be valid.
    ///
    /// # Panics
    /// On an invalid edge (endpoint ≥ n, self-loop, weight not finite and > 0).
    pub fn new(n: usize, edges: Vec<(usize, usize, f64)>) -> Net {
        match Net::try_new(n, edges) {
            Ok(net) => net,
            Err(e) => panic!("invalid network: {e}"),
        }
    }

    /// Number of ties m.
    pub fn n_ties(&self) -> usize {
        self.edges.len()
    }

    /// Degree k_i = number of ties of each node.
    pub fn degrees(&self) -> Vec<usize> {
        let mut k = vec![0usize; self.n];
        for &(u, v, _) in &self.edges {
            k[u] += 1;
            k[v] += 1;
        }
        k
    }

    /// The same network without edge number `i` (nodes kept, so an endpoint may become an isolate).
    pub fn without_edge(&self, i: usize) -> Net {
        let mut edges = self.edges.clone();
        edges.remove(i);
        Net { n: self.n, edges }
    }
}

/// Compressed adjacency: neighbours of `u` are `nbr[off[u]..off[u + 1]]`, ascending, with the
/// tie weights alongside.
struct Adj {
    off: Vec<usize>,
    nbr: Vec<usize>,
    w: Vec<f64>,
}

impl Adj {
    fn new(net: &Net) -> Adj {
        let n = net.n;
        let k = net.degrees();
        let mut off = Vec::with_capacity(n + 1);
        off.push(0);
        for ki in &k {
            let last = *off.last().unwrap_or(&0);
            off.push(last + ki);
        }
        let mut pos: Vec<usize> = off[..n].to_vec();
        let mut nbr = vec![0usize; 2 * net.edges.len()];
        let mut w = vec![0.0f64; 2 * net.edges.len()];
        // Edges are sorted by (u, v) with u < v, so every list comes out ascending.
        for &(u, v, wt) in &net.edges {
            nbr[pos[u]] = v;
            w[pos[u]] = wt;
            pos[u] += 1;
            nbr[pos[v]] = u;
            w[pos[v]] = wt;
            pos[v] += 1;
        }
        Adj { off, nbr, w }
    }

    fn n(&self) -> usize {
        self.off.len() - 1
    }

    fn nbrs(&self, u: usize) -> &[usize] {
        &self.nbr[self.off[u]..self.off[u + 1]]
    }

    fn wts(&self, u: usize) -> &[f64] {
        &self.w[self.off[u]..self.off[u + 1]]
    }

    fn deg(&self, u: usize) -> usize {
        self.off[u + 1] - self.off[u]
    }

    /// Path lengths `1 / w` aligned with `nbr`.
    fn inverse_weights(&self) -> Vec<f64> {
        self.w.iter().map(|w| 1.0 / w).collect()
    }
}

fn petgraph_of(net: &Net) -> UnGraph<(), ()> {
    let mut g = UnGraph::<(), ()>::with_capacity(net.n, net.edges.len());
    for _ in 0..net.n {
        g.add_node(());
    }
    for &(u, v, _) in &net.edges {
        g.add_edge(NodeIndex::new(u), NodeIndex::new(v), ());
    }
    g
}

// ------------------------------------------------------------------------------------------
// Shortest paths (Brandes)
// ------------------------------------------------------------------------------------------

#[derive(PartialEq)]
struct HeapItem {
    dist: f64,
    seq: usize,
    pred: usize,
    node: usize,
}

impl Eq for HeapItem {}

impl Ord for HeapItem {
    // Reversed: BinaryHeap is a max-heap and we pop the smallest (dist, seq), as NetworkX's heapq.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .dist
            .total_cmp(&self.dist)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for HeapItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Single-source shortest paths with path counts (Brandes 2001), scratch reused across sources.
struct Paths {
    dist: Vec<f64>,
    sigma: Vec<f64>,
    done: Vec<bool>,
    order: Vec<usize>,
    preds: Vec<Vec<usize>>,
    delta: Vec<f64>,
    queue: VecDeque<usize>,
    heap: BinaryHeap<HeapItem>,
}

impl Paths {
    fn new(n: usize) -> Paths {
        Paths {
            dist: vec![f64::INFINITY; n],
            sigma: vec![0.0; n],
            done: vec![false; n],
            order: Vec::with_capacity(n),
            preds: vec![Vec::new(); n],
            delta: vec![0.0; n],
            queue: VecDeque::with_capacity(n),
            heap: BinaryHeap::new(),
        }
    }

    /// Shortest paths from `s`: hop counts by breadth-first search when `lengths` is `None`,
    /// else Dijkstra on the half-edge `lengths` exactly as NetworkX's
    /// `_single_source_dijkstra_path_basic`: a heap of (distance, insertion count), a strictly
    /// shorter path resets the path count, and an *exactly* equal floating-point distance adds a
    /// path (no epsilon, as NetworkX). Afterwards `order` lists the reached nodes by
    /// non-decreasing distance, `dist`, `sigma` (number of shortest paths) and `preds` are set.
    fn run(&mut self, adj: &Adj, s: usize, lengths: Option<&[f64]>) {
        for &v in &self.order {
            self.dist[v] = f64::INFINITY;
            self.sigma[v] = 0.0;
            self.done[v] = false;
            self.preds[v].clear();
        }
        // Nodes touched by a Dijkstra run but never settled cannot exist (a node is settled
        // once reached), so clearing `order` resets everything.
        self.order.clear();
        self.dist[s] = 0.0;
        self.sigma[s] = 1.0;
        match lengths {
            None => {
                self.queue.clear();
                self.queue.push_back(s);
                while let Some(v) = self.queue.pop_front() {
                    self.order.push(v);
                    let dv = self.dist[v] + 1.0;
                    for &w in adj.nbrs(v) {
                        if self.dist[w] == f64::INFINITY {
                            self.dist[w] = dv;
                            self.queue.push_back(w);
                        }
                        if self.dist[w] == dv {
                            self.sigma[w] += self.sigma[v];
                            self.preds[w].push(v);
                        }
                    }
                }
            }
            Some(len) => {
                self.heap.clear();
                let mut seq = 0usize;
                self.heap.push(HeapItem {
                    dist: 0.0,
                    seq,
                    pred: s,
                    node: s,
                });
                while let Some(HeapItem {
                    dist,
                    pred,
                    node: v,
                    ..
                }) = self.heap.pop()
                {
                    if self.done[v] {
                        continue;
                    }
                    self.done[v] = true;
                    if v != s {
                        self.sigma[v] += self.sigma[pred];
                    }
                    self.order.push(v);
                    let lo = adj.off[v];
                    for (i, &w) in adj.nbrs(v).iter().enumerate() {
                        let vw = dist + len[lo + i];
                        if !self.done[w] && (self.dist[w] == f64::INFINITY || vw < self.dist[w]) {
                            self.dist[w] = vw;
                            seq += 1;
                            self.heap.push(HeapItem {
                                dist: vw,
                                seq,
                                pred: v,
                                node: w,
                            });
                            self.sigma[w] = 0.0;
                            self.preds[w].clear();
                            self.preds[w].push(v);
                        } else if vw == self.dist[w] {
                            self.sigma[w] += self.sigma[v];
                            self.preds[w].push(v);
                        }
                    }
                }
            }
        }
    }

    /// Adds the dependencies of source `s` to `bc` (Brandes' back-propagation):
    /// δ(v) = Σ_{w: v ∈ P(w)} σ_v/σ_w · (1 + δ(w)), bc[w] += δ(w) for w ≠ s.
    fn accumulate(&mut self, s: usize, bc: &mut [f64]) {
        for &v in &self.order {
            self.delta[v] = 0.0;
        }
        for &w in self.order.iter().rev() {
            let coeff = (1.0 + self.delta[w]) / self.sigma[w];
            for &v in &self.preds[w] {
                self.delta[v] += self.sigma[v] * coeff;
            }
            if w != s {
                bc[w] += self.delta[w];
            }
        }
    }
}

/// Betweenness, closeness and harmonic centrality from one shortest-path pass per source,
/// with path lengths `lengths` (`None` = hop counts). Definitions as in the public functions.
fn path_centralities(adj: &Adj, lengths: Option<&[f64]>) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = adj.n();
    let mut bc = vec![0.0; n];
    let mut clo = vec![0.0; n];
    let mut har = vec![0.0; n];
    let mut p = Paths::new(n);
    for (s, clo_s) in clo.iter_mut().enumerate() {
        p.run(adj, s, lengths);
        p.accumulate(s, &mut bc);
        let mut tot = 0.0;
        for &v in &p.order {
            let d = p.dist[v];
            tot += d;
            if d != 0.0 {
                har[v] += 1.0 / d;
            }
        }
        let r = p.order.len() as f64;
        if tot > 0.0 && n > 1 {
            *clo_s = (r - 1.0) / tot * ((r - 1.0) / (n as f64 - 1.0));
        }
    }
    rescale_betweenness(&mut bc);
    (bc, clo, har)
}

/// NetworkX's `_rescale(normalized=True, endpoints=False)` on the ordered-pair sums: × 1/((n−1)(n−2))
/// when n > 2, untouched otherwise (all zero then).
fn rescale_betweenness(bc: &mut [f64]) {
    let n = bc.len();
    if n > 2 {
        let scale = 1.0 / ((n - 1) * (n - 2)) as f64;
        for b in bc.iter_mut() {
            *b *= scale;
        }
    }
}

// ------------------------------------------------------------------------------------------
// Node metrics
// ------------------------------------------------------------------------------------------

/// Per-node metrics, indexed by node; see [`node_metrics`].
#[derive(Debug, Clone, PartialEq)]
pub struct NodeMetrics {
    /// Degree k_i, or strength s_i = Σ_j w_ij when weighted.
    pub degree: Vec<f64>,
    pub degree_centrality: Vec<f64>,
    pub betweenness: Vec<f64>,
    pub closeness: Vec<f64>,
    pub harmonic: Vec<f64>,
    pub eigenvector: Vec<f64>,
    pub clustering: Vec<f64>,
    pub core_number: Vec<i64>,
    pub constraint: Vec<f64>,
    pub effective_size: Vec<f64>,
}

/// All node metrics of `net`.
///
/// `weighted = false`: every tie weight 1 (NetworkX called with `weight=None`).
/// `weighted = true`: degree = strength (`G.degree(weight='weight')`); degree centrality stays
/// k/(n−1); betweenness, closeness and harmonic on path lengths 1/w (NetworkX with an edge
/// attribute `distance = 1/w`); eigenvector, clustering, constraint and effective size with
/// `weight='weight'`; core number always unweighted. See each function for its formula.
pub fn node_metrics(net: &Net, weighted: bool) -> NodeMetrics {
    let adj = Adj::new(net);
    let (betweenness, closeness, harmonic) = if weighted {
        let len = adj.inverse_weights();
        path_centralities(&adj, Some(&len))
    } else {
        let g = petgraph_of(net);
        let bc = rustworkx_core::centrality::betweenness_centrality(&g, false, true, usize::MAX);
        let cl = rustworkx_core::centrality::closeness_centrality(&g, true, usize::MAX);
        (
            bc.into_iter().map(|x| x.unwrap_or(0.0)).collect(),
            cl.into_iter().map(|x| x.unwrap_or(0.0)).collect(),
            harmonic_of(&adj, None),
        )
    };
    let degree = if weighted {
        (0..net.n).map(|u| adj.wts(u).iter().sum()).collect()
    } else {
        (0..net.n).map(|u| adj.deg(u) as f64).collect()
    };
    NodeMetrics {
        degree,
        degree_centrality: degree_centrality(net),
        betweenness,
        closeness,
        harmonic,
        eigenvector: eigenvector(net, weighted),
        clustering: clustering_of(&adj, weighted),
        core_number: core_number(net),
        constraint: constraint_of(&adj, weighted),
        effective_size: effective_size_of(&adj, weighted),
    }
}

/// Degree centrality k_i/(n−1), computed as k_i · (1/(n−1)) like NetworkX; 1.0 for every node
/// when n ≤ 1 (NetworkX's special case). Always unweighted.
pub fn degree_centrality(net: &Net) -> Vec<f64> {
    if net.n <= 1 {
        return vec![1.0; net.n];
    }
    let s = 1.0 / (net.n as f64 - 1.0);
    net.degrees().into_iter().map(|k| k as f64 * s).collect()
}

/// Betweenness b_v = Σ_{s≠v≠t} σ_st(v)/σ_st over unordered pairs, normalised by
/// (n−1)(n−2)/2 when n > 2 (`nx.betweenness_centrality(G, normalized=True, endpoints=False)`).
/// Unweighted: rustworkx-core's Brandes; weighted: Dijkstra-Brandes on lengths 1/w, equal
/// lengths compared exactly as NetworkX does.
pub fn betweenness(net: &Net, weighted: bool) -> Vec<f64> {
    if weighted {
        let adj = Adj::new(net);
        let len = adj.inverse_weights();
        path_centralities(&adj, Some(&len)).0
    } else {
        let g = petgraph_of(net);
        rustworkx_core::centrality::betweenness_centrality(&g, false, true, usize::MAX)
            .into_iter()
            .map(|x| x.unwrap_or(0.0))
            .collect()
    }
}

/// Closeness with Wasserman–Faust scaling (`nx.closeness_centrality(G, wf_improved=True)`):
/// C(u) = (r−1)/Σ_v d(u,v) · (r−1)/(n−1) over the r nodes reachable from u (u included);
/// 0 when u reaches nobody. Weighted: d on lengths 1/w.
pub fn closeness(net: &Net, weighted: bool) -> Vec<f64> {
    if weighted {
        let adj = Adj::new(net);
        let len = adj.inverse_weights();
        path_centralities(&adj, Some(&len)).1
    } else {
        let g = petgraph_of(net);
        rustworkx_core::centrality::closeness_centrality(&g, true, usize::MAX)
            .into_iter()
            .map(|x| x.unwrap_or(0.0))
            .collect()
    }
}

/// Harmonic centrality H(u) = Σ_{v≠u, reachable} 1/d(v,u), not normalised
/// (`nx.harmonic_centrality(G)`; weighted: d on lengths 1/w). Sums run over sources v in
/// index order, as NetworkX's loop.
pub fn harmonic(net: &Net, weighted: bool) -> Vec<f64> {
    let adj = Adj::new(net);
    if weighted {
        let len = adj.inverse_weights();
        harmonic_of(&adj, Some(&len))
    } else {
        harmonic_of(&adj, None)
    }
}

fn harmonic_of(adj: &Adj, lengths: Option<&[f64]>) -> Vec<f64> {
    let n = adj.n();
    let mut har = vec![0.0; n];
    let mut p = Paths::new(n);
    for s in 0..n {
        p.run(adj, s, lengths);
        for &v in &p.order {
            let d = p.dist[v];
            if d != 0.0 {
                har[v] += 1.0 / d;
            }
        }
    }
    har
}

/// Core number (largest k such that the node is in the k-core; Batagelj–Zaversnik), always
/// unweighted (`nx.core_number(G)`; computed by rustworkx-core).
pub fn core_number(net: &Net) -> Vec<i64> {
    let mut out = vec![0i64; net.n];
    if net.n == 0 {
        return out;
    }
    let cores = rustworkx_core::connectivity::core_number(petgraph_of(net));
    for (node, k) in cores.iter() {
        out[node.index()] = *k as i64;
    }
    out
}

/// Local clustering. Unweighted (`nx.clustering(G)`): c_i = 2T_i/(k_i(k_i−1)), T_i the ties
/// among i's neighbours, 0 when k_i < 2. Weighted (`nx.clustering(G, weight='weight')`):
/// c_i = 2/(k_i(k_i−1)) · Σ_{j<k ∈ N(i), j~k} (ŵ_ij ŵ_jk ŵ_ki)^{1/3}, ŵ = w / max w over all ties.
pub fn clustering(net: &Net, weighted: bool) -> Vec<f64> {
    clustering_of(&Adj::new(net), weighted)
}

fn clustering_of(adj: &Adj, weighted: bool) -> Vec<f64> {
    let n = adj.n();
    let max_w = if weighted {
        adj.w.iter().copied().fold(f64::NAN, f64::max)
    } else {
        1.0
    };
    let max_w = if max_w.is_nan() { 1.0 } else { max_w };
    let mut mark = vec![0.0f64; n]; // ŵ_ik for k ∈ N(i), 0 elsewhere
    let mut out = vec![0.0; n];
    for (i, out_i) in out.iter_mut().enumerate() {
        let k = adj.deg(i);
        for (&j, &w) in adj.nbrs(i).iter().zip(adj.wts(i)) {
            mark[j] = w / max_w;
        }
        let mut t = 0.0f64; // Σ over triangles counted once
        let mut tri = 0usize;
        for (&j, &wij) in adj.nbrs(i).iter().zip(adj.wts(i)) {
            for (&q, &wjq) in adj.nbrs(j).iter().zip(adj.wts(j)) {
                if q > j && mark[q] != 0.0 {
                    tri += 1;
                    if weighted {
                        t += ((wij / max_w) * (wjq / max_w) * mark[q]).cbrt();
                    }
                }
            }
        }
        for &j in adj.nbrs(i) {
            mark[j] = 0.0;
        }
        let twice = if weighted { 2.0 * t } else { (2 * tri) as f64 };
        *out_i = if twice == 0.0 {
            0.0
        } else {
            twice / (k * (k - 1)) as f64
        };
    }
    out
}

/// Triangle and connected-triple counts: (Σ_i 2T_i, Σ_i k_i(k_i−1)).
fn triangle_counts(adj: &Adj) -> (usize, usize) {
    let n = adj.n();
    let mut mark = vec![false; n];
    let (mut tri, mut triples) = (0usize, 0usize);
    for i in 0..n {
        let k = adj.deg(i);
        triples += k * k.saturating_sub(1);
        for &j in adj.nbrs(i) {
            mark[j] = true;
        }
        for &j in adj.nbrs(i) {
            tri += adj.nbrs(j).iter().filter(|&&q| q > j && mark[q]).count();
        }
        for &j in adj.nbrs(i) {
            mark[j] = false;
        }
    }
    (2 * tri, triples)
}

/// Burt's constraint (`nx.constraint(G)` / `weight='weight'`):
/// c_i = Σ_{j∈N(i)} (p_ij + Σ_{q∈N(i)∩N(j)} p_iq p_qj)², with p_ij = w_ij / Σ_{k∈N(i)} w_ik
/// (NetworkX's mutual weights w_ij + w_ji = 2w_ij cancel in the ratio). NaN for isolates.
pub fn constraint(net: &Net, weighted: bool) -> Vec<f64> {
    constraint_of(&Adj::new(net), weighted)
}

fn strengths(adj: &Adj, weighted: bool) -> Vec<f64> {
    (0..adj.n())
        .map(|u| {
            if weighted {
                adj.wts(u).iter().sum()
            } else {
                adj.deg(u) as f64
            }
        })
        .collect()
}

fn constraint_of(adj: &Adj, weighted: bool) -> Vec<f64> {
    let n = adj.n();
    let s = strengths(adj, weighted);
    let wt = |x: f64| if weighted { x } else { 1.0 };
    let mut p_i = vec![0.0f64; n]; // p_iq for q ∈ N(i)
    let mut out = vec![f64::NAN; n];
    for i in 0..n {
        if adj.deg(i) == 0 {
            continue;
        }
        for (&q, &w) in adj.nbrs(i).iter().zip(adj.wts(i)) {
            p_i[q] = wt(w) / s[i];
        }
        let mut c = 0.0;
        for &j in adj.nbrs(i) {
            let mut indirect = 0.0;
            for (&q, &wqj) in adj.nbrs(j).iter().zip(adj.wts(j)) {
                if p_i[q] != 0.0 {
                    indirect += p_i[q] * (wt(wqj) / s[q]);
                }
            }
            let l = p_i[j] + indirect;
            c += l * l;
        }
        out[i] = c;
        for &q in adj.nbrs(i) {
            p_i[q] = 0.0;
        }
    }
    out
}

/// Burt's effective size. Unweighted (Borgatti's form, which NetworkX uses for `weight=None`):
/// e_i = k_i − 2t_i/k_i, t_i the ties among i's neighbours. Weighted: NetworkX's documented
/// formula e_i = Σ_{j∈N(i)} (1 − Σ_{q∈N(i)∩N(j)} p_iq m_jq), p_iq = w_iq/Σ_k w_ik,
/// m_jq = w_jq / max_k w_jk — what `nx.effective_size(G, nodes=list(G), weight='weight')` and
/// NetworkX without SciPy return. (NetworkX 3.6.1's SciPy path, taken by the default call,
/// divides m by the wrong node's maximum on weighted graphs: networkx PR #8906.) NaN for isolates.
pub fn effective_size(net: &Net, weighted: bool) -> Vec<f64> {
    effective_size_of(&Adj::new(net), weighted)
}

fn effective_size_of(adj: &Adj, weighted: bool) -> Vec<f64> {
    let n = adj.n();
    let mut out = vec![f64::NAN; n];
    if !weighted {
        let mut mark = vec![false; n];
        for (i, e) in out.iter_mut().enumerate() {
            let k = adj.deg(i);
            if k == 0 {
                continue;
            }
            for &j in adj.nbrs(i) {
                mark[j] = true;
            }
            let mut t = 0usize;
            for &j in adj.nbrs(i) {
                t += adj.nbrs(j).iter().filter(|&&q| q > j && mark[q]).count();
            }
            for &j in adj.nbrs(i) {
                mark[j] = false;
            }
            *e = k as f64 - (2 * t) as f64 / k as f64;
        }
        return out;
    }
    let s = strengths(adj, true);
    let max_w: Vec<f64> = (0..n)
        .map(|u| adj.wts(u).iter().copied().fold(0.0, f64::max))
        .collect();
    let mut p_i = vec![0.0f64; n];
    for (i, e) in out.iter_mut().enumerate() {
        if adj.deg(i) == 0 {
            continue;
        }
        for (&q, &w) in adj.nbrs(i).iter().zip(adj.wts(i)) {
            p_i[q] = w / s[i];
        }
        let mut total = 0.0;
        for &j in adj.nbrs(i) {
            let mut redundancy = 0.0;
            for (&q, &wjq) in adj.nbrs(j).iter().zip(adj.wts(j)) {
                if p_i[q] != 0.0 {
                    redundancy += p_i[q] * (wjq / max_w[j]);
                }
            }
            total += 1.0 - redundancy;
        }
        *e = total;
        for &q in adj.nbrs(i) {
            p_i[q] = 0.0;
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// Eigenvector centrality
// ------------------------------------------------------------------------------------------

/// Eigenvector centrality x with A x = λ_max x, unit L2 norm, entries ≥ 0 (A weighted when
/// `weighted`).
///
/// Connected graphs: the Perron vector, equal to `nx.eigenvector_centrality_numpy(G)`.
/// Everywhere (NetworkX's numpy version raises for disconnected graphs and for n ≤ 2): the
/// normalised projection of the all-ones vector on the dominant eigenspace, which is the limit
/// of `nx.eigenvector_centrality` (power iteration on A + I from the all-ones vector):
/// x ∝ Σ_{c: λ_c = λ_max} (1ᵀv_c) v_c over the components c whose spectral radius λ_c equals
/// the largest (within [`TIE_EPS`]), v_c the unit Perron vector of c; other nodes get 0.
/// So two equal triangles share the mass, a triangle beside a path of 3 takes all of it, and
/// an edgeless graph gives 1/√n everywhere. Empty vector for n = 0.
///
/// Each component's (λ_c, v_c) comes from its dense adjacency matrix (size ≤ [`DENSE_MAX`]):
/// Householder reduction to a tridiagonal T, λ_c by Sturm-sequence bisection on T, v_c by
/// inverse iteration on T − λ_c I and back-transformation (accurate to ~1e-14; tested against
/// cyclic Jacobi), or, for larger components, from power
/// iteration on A + I until successive iterates differ by < 1e-14 (accuracy ~1e-9 or better
/// unless the spectral gap is tiny).
pub fn eigenvector(net: &Net, weighted: bool) -> Vec<f64> {
    eigenvector_with(net, weighted, DENSE_MAX)
}

fn eigenvector_with(net: &Net, weighted: bool, dense_max: usize) -> Vec<f64> {
    let n = net.n;
    if n == 0 {
        return Vec::new();
    }
    let adj = Adj::new(net);
    let (label, n_comp) = component_labels(&adj);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_comp];
    for (v, &c) in label.iter().enumerate() {
        members[c].push(v);
    }
    let mut local = vec![0usize; n];
    let mut parts: Vec<(f64, Vec<f64>)> = Vec::with_capacity(n_comp);
    for comp in &members {
        if comp.len() == 1 {
            parts.push((0.0, vec![1.0]));
            continue;
        }
        for (i, &v) in comp.iter().enumerate() {
            local[v] = i;
        }
        let c = comp.len();
        let (lam, mut vec) = if c <= dense_max {
            let mut a = vec![0.0f64; c * c];
            for (i, &u) in comp.iter().enumerate() {
                for (&v, &w) in adj.nbrs(u).iter().zip(adj.wts(u)) {
                    a[i * c + local[v]] = if weighted { w } else { 1.0 };
                }
            }
            symmetric_top(&mut a, c)
        } else {
            power_top(&adj, comp, &local, weighted)
        };
        let sum: f64 = vec.iter().sum();
        let norm = vec.iter().map(|x| x * x).sum::<f64>().sqrt();
        let scale = if sum < 0.0 { -1.0 / norm } else { 1.0 / norm };
        for x in vec.iter_mut() {
            *x *= scale;
        }
        parts.push((lam, vec));
    }
    let lam_max = parts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let cut = lam_max - TIE_EPS * lam_max.abs().max(1.0);
    let mut x = vec![0.0f64; n];
    for (comp, (lam, v)) in members.iter().zip(&parts) {
        if *lam >= cut {
            let s: f64 = v.iter().sum();
            for (&u, &vu) in comp.iter().zip(v) {
                x[u] = s * vu;
            }
        }
    }
    let norm = x.iter().map(|a| a * a).sum::<f64>().sqrt();
    for a in x.iter_mut() {
        *a /= norm;
    }
    x
}

/// Largest eigenvalue λ and a unit eigenvector of the symmetric c×c row-major matrix `a`
/// (destroyed), for c ≥ 2 and λ simple (a connected component's adjacency matrix):
/// 1. Householder reduction A = Q T Qᵀ: for column k, v ∝ x − αe₁ with x = A[k+1.., k],
///    α = −sgn(x₀)‖x‖, H = I − 2vvᵀ, and B ← HBH = B − 2vqᵀ − 2qvᵀ on the trailing block,
///    where p = Bv, q = p − (vᵀp)v.
/// 2. λ = largest eigenvalue of T by bisection on the Sturm count (number of negative pivots of
///    T − xI) inside the Gershgorin interval, to the last bit.
/// 3. z = eigenvector of T by three steps of inverse iteration on T − λI (tridiagonal LU with
///    partial pivoting, zero pivots replaced by ε‖T‖) from the all-ones vector.
/// 4. v = H₀H₁⋯z.
fn symmetric_top(a: &mut [f64], c: usize) -> (f64, Vec<f64>) {
    debug_assert!(c >= 2);
    // 1. Householder tridiagonalisation; vs[k] is the reflector of step k (acting on k+1..c).
    let mut vs: Vec<Vec<f64>> = Vec::with_capacity(c.saturating_sub(2));
    let mut p = vec![0.0f64; c];
    for k in 0..c.saturating_sub(2) {
        let r = c - k - 1;
        let x: Vec<f64> = (0..r).map(|i| a[(k + 1 + i) * c + k]).collect();
        let sigma = x.iter().map(|t| t * t).sum::<f64>().sqrt();
        if sigma == 0.0 || x[1..].iter().all(|&t| t == 0.0) {
            vs.push(Vec::new());
            continue;
        }
        let alpha = if x[0] > 0.0 { -sigma } else { sigma };
        let mut v = x;
        v[0] -= alpha;
        let vn = v.iter().map(|t| t * t).sum::<f64>().sqrt();
        for t in v.iter_mut() {
            *t /= vn;
        }
        // p = B v, K = vᵀp, q = p − K v (stored in p)
        for (i, pi) in p[..r].iter_mut().enumerate() {
            let row = (k + 1 + i) * c + k + 1;
            *pi = a[row..row + r].iter().zip(&v).map(|(b, w)| b * w).sum();
        }
        let kk: f64 = p[..r].iter().zip(&v).map(|(a, b)| a * b).sum();
        for (pi, vi) in p[..r].iter_mut().zip(&v) {
            *pi -= kk * vi;
        }
        for i in 0..r {
            let row = (k + 1 + i) * c + k + 1;
            for j in 0..r {
                a[row + j] -= 2.0 * (v[i] * p[j] + p[i] * v[j]);
            }
        }
        a[(k + 1) * c + k] = alpha;
        a[k * c + k + 1] = alpha;
        for i in 1..r {
            a[(k + 1 + i) * c + k] = 0.0;
            a[k * c + k + 1 + i] = 0.0;
        }
        vs.push(v);
    }
    let d: Vec<f64> = (0..c).map(|i| a[i * c + i]).collect();
    let e: Vec<f64> = (0..c - 1).map(|i| a[(i + 1) * c + i]).collect();

    // 2. Bisection for the largest eigenvalue of T.
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for i in 0..c {
        let r = if i > 0 { e[i - 1].abs() } else { 0.0 } + if i + 1 < c { e[i].abs() } else { 0.0 };
        lo = lo.min(d[i] - r);
        hi = hi.max(d[i] + r);
    }
    let norm = lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE);
    let tiny = f64::EPSILON * norm;
    // Number of eigenvalues of T below x.
    let below = |x: f64| -> usize {
        let mut count = 0;
        let mut q = 1.0f64;
        for i in 0..c {
            let off = if i > 0 { e[i - 1] * e[i - 1] / q } else { 0.0 };
            q = d[i] - x - off;
            if q == 0.0 {
                q = -tiny;
            }
            if q < 0.0 {
                count += 1;
            }
        }
        count
    };
    // λ_max is the infimum of {x : below(x) = c}.
    let mut left = lo - tiny;
    let mut right = hi + tiny;
    for _ in 0..200 {
        let mid = 0.5 * (left + right);
        if mid <= left || mid >= right {
            break;
        }
        if below(mid) == c {
            right = mid;
        } else {
            left = mid;
        }
    }
    let lam = right;

    // 3. Inverse iteration on T − λI.
    let mut z = vec![1.0f64; c];
    for _ in 0..3 {
        tridiagonal_solve(&d, &e, lam, tiny, &mut z);
        let zn = z.iter().map(|t| t * t).sum::<f64>().sqrt();
        for t in z.iter_mut() {
            *t /= zn;
        }
    }

    // 4. Back-transformation z ← H₀(H₁(⋯ z)).
    for (k, v) in vs.iter().enumerate().rev() {
        if v.is_empty() {
            continue;
        }
        let dot: f64 = v.iter().zip(&z[k + 1..]).map(|(a, b)| a * b).sum();
        for (zi, vi) in z[k + 1..].iter_mut().zip(v) {
            *zi -= 2.0 * dot * vi;
        }
    }
    (lam, z)
}

/// Solves (T − σI) y = b in place for the symmetric tridiagonal T (diagonal d, off-diagonal
/// e) by Gaussian elimination with partial pivoting (LAPACK's dgttrf/dgttrs); a zero pivot is
/// replaced by `tiny`.
fn tridiagonal_solve(d: &[f64], e: &[f64], sigma: f64, tiny: f64, b: &mut [f64]) {
    let n = d.len();
    let mut diag: Vec<f64> = d.iter().map(|x| x - sigma).collect();
    let mut up: Vec<f64> = e.to_vec();
    let mut low: Vec<f64> = e.to_vec();
    let mut up2 = vec![0.0f64; n];
    let mut swap = vec![false; n];
    for i in 0..n - 1 {
        if diag[i].abs() >= low[i].abs() {
            if diag[i] == 0.0 {
                diag[i] = tiny;
            }
            let f = low[i] / diag[i];
            low[i] = f;
            diag[i + 1] -= f * up[i];
        } else {
            let f = diag[i] / low[i];
            diag[i] = low[i];
            low[i] = f;
            let t = up[i];
            up[i] = diag[i + 1];
            diag[i + 1] = t - f * diag[i + 1];
            if i + 2 < n {
                up2[i] = up[i + 1];
                up[i + 1] *= -f;
            }
            swap[i] = true;
        }
    }
    if diag[n - 1] == 0.0 {
        diag[n - 1] = tiny;
    }
    for i in 0..n - 1 {
        if swap[i] {
            let t = b[i];
            b[i] = b[i + 1];
            b[i + 1] = t - low[i] * b[i];
        } else {
            b[i + 1] -= low[i] * b[i];
        }
    }
    for i in (0..n).rev() {
        let mut x = b[i];
        if i + 1 < n {
            x -= up[i] * b[i + 1];
        }
        if i + 2 < n {
            x -= up2[i] * b[i + 2];
        }
        b[i] = x / diag[i];
    }
}

/// Largest eigenvalue and its eigenvector of the symmetric c×c row-major matrix `a` by cyclic
/// Jacobi rotations (the matrix is destroyed). Rotation (p, q): θ = (a_qq − a_pp)/(2a_pq),
/// t = sgn θ/(|θ| + √(θ²+1)), c = 1/√(t²+1), s = t·c; A ← JᵀAJ, V ← VJ; sweeps until the
/// off-diagonal mass is below 1e-30 of the total (at most 100 sweeps). Slow (≈1 ms for
/// c = 30) but simple: the test oracle for [`symmetric_top`].
#[cfg(test)]
fn jacobi_top(a: &mut [f64], c: usize) -> (f64, Vec<f64>) {
    let mut v = vec![0.0f64; c * c];
    for i in 0..c {
        v[i * c + i] = 1.0;
    }
    for _sweep in 0..100 {
        let mut off = 0.0;
        let mut total = 0.0;
        for p in 0..c {
            for q in 0..c {
                let x = a[p * c + q] * a[p * c + q];
                total += x;
                if p != q {
                    off += x;
                }
            }
        }
        if off <= 1e-30 * total {
            break;
        }
        for p in 0..c {
            for q in p + 1..c {
                let apq = a[p * c + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * c + q] - a[p * c + p]) / (2.0 * apq);
                let t = if theta.abs() > 1e150 {
                    0.5 / theta
                } else {
                    theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let cs = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * cs;
                for k in 0..c {
                    let akp = a[k * c + p];
                    let akq = a[k * c + q];
                    a[k * c + p] = cs * akp - sn * akq;
                    a[k * c + q] = sn * akp + cs * akq;
                }
                for k in 0..c {
                    let apk = a[p * c + k];
                    let aqk = a[q * c + k];
                    a[p * c + k] = cs * apk - sn * aqk;
                    a[q * c + k] = sn * apk + cs * aqk;
                }
                for k in 0..c {
                    let vkp = v[k * c + p];
                    let vkq = v[k * c + q];
                    v[k * c + p] = cs * vkp - sn * vkq;
                    v[k * c + q] = sn * vkp + cs * vkq;
                }
            }
        }
    }
    let mut best = 0;
    for i in 1..c {
        if a[i * c + i] > a[best * c + best] {
            best = i;
        }
    }
    let vec = (0..c).map(|k| v[k * c + best]).collect();
    (a[best * c + best], vec)
}

/// Leading eigenpair of a connected component by power iteration on A + I from the uniform
/// vector (as NetworkX's `eigenvector_centrality`), stopping when max |x_{t+1} − x_t| < 1e-14
/// or after 1,000,000 iterations; λ is the Rayleigh quotient xᵀAx.
fn power_top(adj: &Adj, comp: &[usize], local: &[usize], weighted: bool) -> (f64, Vec<f64>) {
    let c = comp.len();
    let mut x = vec![1.0 / (c as f64).sqrt(); c];
    let mut y = vec![0.0f64; c];
    let ax = |x: &[f64], out: &mut [f64]| {
        for (i, &u) in comp.iter().enumerate() {
            let mut acc = 0.0;
            for (&v, &w) in adj.nbrs(u).iter().zip(adj.wts(u)) {
                acc += if weighted { w } else { 1.0 } * x[local[v]];
            }
            out[i] = acc;
        }
    };
    for _ in 0..1_000_000 {
        ax(&x, &mut y);
        for (yi, xi) in y.iter_mut().zip(&x) {
            *yi += xi;
        }
        let norm = y.iter().map(|a| a * a).sum::<f64>().sqrt();
        let mut diff = 0.0f64;
        for (yi, xi) in y.iter_mut().zip(&x) {
            *yi /= norm;
            diff = diff.max((*yi - xi).abs());
        }
        std::mem::swap(&mut x, &mut y);
        if diff < 1e-14 {
            break;
        }
    }
    ax(&x, &mut y);
    let lam = x.iter().zip(&y).map(|(a, b)| a * b).sum();
    (lam, x)
}

// ------------------------------------------------------------------------------------------
// Components and network-level metrics
// ------------------------------------------------------------------------------------------

/// Component label of each node (components numbered by their smallest node) and their number.
fn component_labels(adj: &Adj) -> (Vec<usize>, usize) {
    let n = adj.n();
    let mut label = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut count = 0;
    for s in 0..n {
        if label[s] != usize::MAX {
            continue;
        }
        label[s] = count;
        stack.push(s);
        while let Some(u) = stack.pop() {
            for &v in adj.nbrs(u) {
                if label[v] == usize::MAX {
                    label[v] = count;
                    stack.push(v);
                }
            }
        }
        count += 1;
    }
    (label, count)
}

/// Network-level measures; see [`network_metrics`].
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkMetrics {
    pub n_actors: usize,
    pub n_ties: usize,
    pub density: f64,
    pub components: usize,
    pub largest_component_share: f64,
    pub isolates: usize,
    pub degree_centralization: f64,
    pub betweenness_centralization: f64,
    pub closeness_centralization: f64,
    pub transitivity: f64,
    pub average_clustering: f64,
    pub mean_distance: f64,
    pub diameter: f64,
    pub global_efficiency: f64,
}

/// Freeman degree centralization C_D = Σ_i (k_max − k_i) / ((n−1)(n−2)) (igraph's
/// `centr_degree(loops = FALSE)`); 1 for a star, 0 for a regular graph, NaN when n < 3.
pub fn degree_centralization(degrees: &[usize]) -> f64 {
    let n = degrees.len();
    if n < 3 {
        return f64::NAN;
    }
    let kmax = degrees.iter().copied().max().unwrap_or(0);
    let sum: usize = degrees.iter().map(|&k| kmax - k).sum();
    sum as f64 / ((n - 1) * (n - 2)) as f64
}

/// Σ_i (max − x_i) / tmax, NaN when n < 3 (igraph's `igraph_centralization`).
fn freeman(scores: &[f64], tmax: f64) -> f64 {
    if scores.len() < 3 {
        return f64::NAN;
    }
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    scores.iter().map(|&x| max - x).sum::<f64>() / tmax
}

/// Network-level measures of `net`; `node` must be `node_metrics(net, false)`.
///
/// - `density` = 2m/(n(n−1)), 0 when m = 0 or n ≤ 1 (`nx.density`).
/// - `components` (`nx.number_connected_components`), `largest_component_share` = size of the
///   largest component / n (NaN for n = 0), `isolates` = nodes of degree 0.
/// - Freeman centralization against igraph's theoretical maxima (undirected, no loops), NaN
///   when n < 3: degree Σ(k_max−k)/((n−1)(n−2)); betweenness on raw betweenness
///   Σ(b_max−b)/((n−1)²(n−2)/2), i.e. Σ(b'_max−b')/(n−1) on NetworkX's normalised b';
///   closeness Σ(c_max−c)/((n−1)(n−2)/(2n−3)) on NetworkX's Wasserman–Faust closeness — on a
///   connected graph that is igraph's normalised closeness, so this equals igraph's
///   `centr_clo`; on a disconnected graph (where igraph's closeness ignores unreachable nodes)
///   it is our rule: WF closeness, which counts unreachable nodes against a node.
/// - `transitivity` = 3·triangles / connected triples, 0 without triples (`nx.transitivity`);
///   `average_clustering` = mean of the local clustering with zeros (`nx.average_clustering`),
///   NaN for n = 0.
/// - `mean_distance` = mean hop distance over ordered reachable pairs u ≠ v (igraph
///   `mean_distance(unconnected = TRUE)`), `diameter` = the largest of them (igraph
///   `diameter(unconnected = TRUE)`); both NaN when no pair is connected (igraph gives 0 for
///   the diameter then). `global_efficiency` = Σ_{u≠v} 1/d(u,v) / (n(n−1)), 0 when n ≤ 1
///   (`nx.global_efficiency`). All distances unweighted.
pub fn network_metrics(net: &Net, node: &NodeMetrics) -> NetworkMetrics {
    let n = net.n;
    let m = net.edges.len();
    debug_assert_eq!(node.betweenness.len(), n);
    let adj = Adj::new(net);
    let degrees = net.degrees();
    let (label, n_comp) = component_labels(&adj);
    let mut sizes = vec![0usize; n_comp];
    for &c in &label {
        sizes[c] += 1;
    }
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let nf = n as f64;
    let (tri, triples) = triangle_counts(&adj);

    let mut p = Paths::new(n);
    let (mut sum_d, mut pairs, mut diam, mut eff) = (0.0f64, 0usize, 0.0f64, 0.0f64);
    for s in 0..n {
        p.run(&adj, s, None);
        for &v in &p.order {
            let d = p.dist[v];
            if d > 0.0 {
                sum_d += d;
                pairs += 1;
                diam = diam.max(d);
                eff += 1.0 / d;
            }
        }
    }

    NetworkMetrics {
        n_actors: n,
        n_ties: m,
        density: if m == 0 || n <= 1 {
            0.0
        } else {
            m as f64 / (n * (n - 1)) as f64 * 2.0
        },
        components: n_comp,
        largest_component_share: if n == 0 {
            f64::NAN
        } else {
            largest as f64 / nf
        },
        isolates: degrees.iter().filter(|&&k| k == 0).count(),
        degree_centralization: degree_centralization(&degrees),
        betweenness_centralization: freeman(&node.betweenness, nf - 1.0),
        closeness_centralization: freeman(
            &node.closeness,
            (nf - 1.0) * (nf - 2.0) / (2.0 * nf - 3.0),
        ),
        transitivity: if tri == 0 {
            0.0
        } else {
            tri as f64 / triples as f64
        },
        average_clustering: if n == 0 {
            f64::NAN
        } else {
            node.clustering.iter().sum::<f64>() / nf
        },
        mean_distance: if pairs == 0 {
            f64::NAN
        } else {
            sum_d / pairs as f64
        },
        diameter: if pairs == 0 { f64::NAN } else { diam },
        global_efficiency: if n <= 1 {
            0.0
        } else {
            eff / (n * (n - 1)) as f64
        },
    }
}

// ------------------------------------------------------------------------------------------
// E-I index
// ------------------------------------------------------------------------------------------

/// Krackhardt–Stern E-I index with its random-mixing expectation and permutation p.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EiResult {
    pub ei: f64,
    pub expected: f64,
    pub p: f64,
}

/// E-I index EI = (E − I)/(E + I) over ties, E ties between different groups, I within
/// (`groups[i]` = group of node i, e.g. its sector).
///
/// `expected` = EI under random mixing given the group sizes n_g: p_ext = Σ_{g<h} n_g n_h /
/// (n(n−1)/2), expected = 2·p_ext − 1 (NaN when n < 2).
/// `p` = two-sided label-permutation p = (1 + #{|EI* − expected| ≥ |EI − expected|})/(1 + b),
/// the labels shuffled b times (Fisher–Yates, `ChaCha8Rng::seed_from_u64(seed)`, each shuffle
/// applied to the previous order); a distance within 1e-12 of the observed counts as ≥.
/// `ei` and `p` are NaN when there are no ties; `p` is NaN when b = 0.
///
/// # Panics
/// When `groups.len() != net.n`.
pub fn ei_index(net: &Net, groups: &[u32], b: usize, seed: u64) -> EiResult {
    assert_eq!(groups.len(), net.n, "one group per node");
    let expected = ei_expected(groups);
    let m = net.edges.len();
    if m == 0 {
        return EiResult {
            ei: f64::NAN,
            expected,
            p: f64::NAN,
        };
    }
    let ei_of = |g: &[u32]| {
        let ext = net.edges.iter().filter(|&&(u, v, _)| g[u] != g[v]).count();
        (ext as f64 - (m - ext) as f64) / m as f64
    };
    let ei = ei_of(groups);
    let p = if b == 0 {
        f64::NAN
    } else {
        let observed = (ei - expected).abs() - 1e-12;
        let mut labels = groups.to_vec();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut hits = 0usize;
        for _ in 0..b {
            labels.shuffle(&mut rng);
            if (ei_of(&labels) - expected).abs() >= observed {
                hits += 1;
            }
        }
        (1 + hits) as f64 / (1 + b) as f64
    };
    EiResult { ei, expected, p }
}

/// 2·Σ_{g<h} n_g n_h / (n(n−1)/2) − 1; NaN when n < 2.
fn ei_expected(groups: &[u32]) -> f64 {
    let n = groups.len();
    if n < 2 {
        return f64::NAN;
    }
    let mut sorted = groups.to_vec();
    sorted.sort_unstable();
    let mut same_pairs = 0usize; // Σ_g n_g(n_g − 1)/2
    let mut run = 1usize;
    for i in 1..=n {
        if i < n && sorted[i] == sorted[i - 1] {
            run += 1;
        } else {
            same_pairs += run * (run - 1) / 2;
            run = 1;
        }
    }
    let all_pairs = n * (n - 1) / 2;
    let cross = all_pairs - same_pairs;
    2.0 * cross as f64 / all_pairs as f64 - 1.0
}

// ------------------------------------------------------------------------------------------
// Network type (F2)
// ------------------------------------------------------------------------------------------

/// Thresholds of the network-type rule (DESIGN §5); `Default` gives the DESIGN values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeParams {
    /// C_D at or above which a network can be centred (0.5).
    pub centred_cd: f64,
    /// Top actor's betweenness share at or above which a network can be centred (0.5).
    pub centred_betweenness_share: f64,
    /// Minimum k_h / k_2 for a centred network (1.5).
    pub dominance: f64,
    /// A hub has degree ≥ hub_ratio · k_h (0.8).
    pub hub_ratio: f64,
    /// C_D below which a network can be polycentric (0.35).
    pub polycentric_cd: f64,
    /// Betweenness share below which a network can be polycentric (0.3).
    pub polycentric_betweenness_share: f64,
    /// Grey zone: k_2/k_h at or above which two top actors of different groups make it polycentric (0.75).
    pub grey_partner_ratio: f64,
}

impl Default for TypeParams {
    fn default() -> Self {
        TypeParams {
            centred_cd: 0.5,
            centred_betweenness_share: 0.5,
            dominance: 1.5,
            hub_ratio: 0.8,
            polycentric_cd: 0.35,
            polycentric_betweenness_share: 0.3,
            grey_partner_ratio: 0.75,
        }
    }
}

/// The class a network gets from [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetClass {
    Centred,
    Polycentric,
    /// Grey zone, centred on the top actor with a weak centre.
    GreyCentred,
    /// Grey zone, two comparable top actors of different groups.
    GreyPolycentric,
    /// No ties, or fewer than 3 nodes.
    Empty,
}

impl NetClass {
    /// Snake-case name for tables: `centred`, `polycentric`, `grey_centred`, `grey_polycentric`, `empty`.
    pub fn as_str(self) -> &'static str {
        match self {
            NetClass::Centred => "centred",
            NetClass::Polycentric => "polycentric",
            NetClass::GreyCentred => "grey_centred",
            NetClass::GreyPolycentric => "grey_polycentric",
            NetClass::Empty => "empty",
        }
    }

    /// Whether the class names a centre (`Centred`, `GreyCentred`).
    pub fn has_centre(self) -> bool {
        matches!(self, NetClass::Centred | NetClass::GreyCentred)
    }
}

/// The result of [`classify`]: the inputs of the rule, the class, and the clause that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeCall {
    /// Top actor h (None for `Empty`).
    pub top: Option<usize>,
    /// Second actor (the top among the others, same ordering).
    pub second: Option<usize>,
    pub degree_centralization: f64,
    /// b_h / Σ_i b_i, 0 when Σ b = 0.
    pub top_betweenness_share: f64,
    /// k_h / k_2; NaN for `Empty` (k_2 ≥ 1 whenever there is a tie, so +∞, kept for k_2 = 0,
    /// does not arise).
    pub dominance: f64,
    /// Nodes with k ≥ hub_ratio · k_h (h included).
    pub hubs: usize,
    pub class: NetClass,
    /// The clause that fired, in words with the numbers.
    pub rule: String,
}

/// `x ≥ t` up to [`TIE_EPS`].
fn ge(x: f64, t: f64) -> bool {
    x >= t - TIE_EPS * t.abs().max(1.0)
}

/// Whether node a ranks above node b: higher degree, then higher betweenness (equal within
/// [`TIE_EPS`] relative counts as a tie), then lower index.
fn ranks_above(a: usize, b: usize, k: &[usize], bc: &[f64]) -> bool {
    if k[a] != k[b] {
        return k[a] > k[b];
    }
    let scale = bc[a].abs().max(bc[b].abs()).max(1e-300);
    if (bc[a] - bc[b]).abs() > TIE_EPS * scale {
        return bc[a] > bc[b];
    }
    a < b
}

fn best_node(n: usize, skip: Option<usize>, k: &[usize], bc: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for v in 0..n {
        if Some(v) == skip {
            continue;
        }
        best = match best {
            Some(b) if !ranks_above(v, b, k, bc) => Some(b),
            _ => Some(v),
        };
    }
    best
}

/// Network type (DESIGN §5), on the binary network; `node` must be `node_metrics(net, false)`
/// (only its betweenness is read) and `groups[i]` is node i's group (sector).
///
/// Top actor h = highest degree (ties: higher betweenness, then lower index); the second actor
/// is the top of the others. C_D = Freeman degree centralization; betweenness share = b_h/Σb
/// (0 when Σb = 0); dominance = k_h/k_2 (+∞ when k_2 = 0); hubs = #{i : k_i ≥ hub_ratio·k_h}.
/// In this order:
/// 1. `Empty` when n < 3 or there is no tie.
/// 2. `Centred` when (C_D ≥ centred_cd or share ≥ centred_betweenness_share) and
///    dominance ≥ p.dominance and hubs = 1.
/// 3. `Polycentric` when C_D < polycentric_cd and (hubs ≥ 2 or share < polycentric_betweenness_share).
/// 4. Grey zone: `GreyPolycentric` when h and the second actor are in different groups and
///    k_2/k_h ≥ grey_partner_ratio, else `GreyCentred` (centred on h, weak centre).
///
/// Every comparison with a threshold allows [`TIE_EPS`] (values within it count as equal).
pub fn classify(net: &Net, node: &NodeMetrics, groups: &[u32], p: &TypeParams) -> TypeCall {
    classify_parts(net, &net.degrees(), &node.betweenness, groups, p)
}

/// [`classify`] computing the unweighted betweenness itself (breadth-first Brandes in this
/// module, equal to rustworkx-core's to ~1e-15; the rule's tie-breaks allow [`TIE_EPS`]).
pub fn classify_net(net: &Net, groups: &[u32], p: &TypeParams) -> TypeCall {
    let mut paths = Paths::new(net.n);
    classify_with(net, &mut paths, groups, p)
}

fn classify_with(net: &Net, paths: &mut Paths, groups: &[u32], p: &TypeParams) -> TypeCall {
    let adj = Adj::new(net);
    let mut bc = vec![0.0; net.n];
    for s in 0..net.n {
        paths.run(&adj, s, None);
        paths.accumulate(s, &mut bc);
    }
    rescale_betweenness(&mut bc);
    classify_parts(net, &net.degrees(), &bc, groups, p)
}

fn classify_parts(net: &Net, k: &[usize], bc: &[f64], groups: &[u32], p: &TypeParams) -> TypeCall {
    let n = net.n;
    assert_eq!(groups.len(), n, "one group per node");
    let cd = degree_centralization(k);
    let sum_b: f64 = bc.iter().sum();
    if n < 3 || net.edges.is_empty() {
        let why = if n < 3 {
            format!("empty: n = {n} < 3")
        } else {
            "empty: no ties".to_string()
        };
        return TypeCall {
            top: None,
            second: None,
            degree_centralization: cd,
            top_betweenness_share: if n < 3 { f64::NAN } else { 0.0 },
            dominance: f64::NAN,
            hubs: 0,
            class: NetClass::Empty,
            rule: why,
        };
    }
    let h = best_node(n, None, k, bc).unwrap_or(0);
    let s = best_node(n, Some(h), k, bc).unwrap_or(0);
    let (kh, k2) = (k[h] as f64, k[s] as f64);
    let share = if sum_b > 0.0 { bc[h] / sum_b } else { 0.0 };
    let dominance = if k[s] == 0 { f64::INFINITY } else { kh / k2 };
    let hub_cut = p.hub_ratio * kh;
    let hubs = k.iter().filter(|&&ki| ge(ki as f64, hub_cut)).count();

    let cd_high = ge(cd, p.centred_cd);
    let share_high = ge(share, p.centred_betweenness_share);
    let dominant = ge(dominance, p.dominance);
    let one_hub = hubs == 1;
    let cd_low = !ge(cd, p.polycentric_cd);
    let share_low = !ge(share, p.polycentric_betweenness_share);

    let hub_words = |h: usize| {
        if h == 1 {
            "1 hub".to_string()
        } else {
            format!("{h} hubs")
        }
    };
    let (class, rule) = if (cd_high || share_high) && dominant && one_hub {
        let why = if cd_high {
            format!("C_D {cd:.2} ≥ {:.2}", p.centred_cd)
        } else {
            format!(
                "betweenness share {share:.2} ≥ {:.2} (C_D {cd:.2} < {:.2})",
                p.centred_betweenness_share, p.centred_cd
            )
        };
        (
            NetClass::Centred,
            format!(
                "centred on {h}: {why}, dominance {dominance:.2} ≥ {:.2}, 1 hub",
                p.dominance
            ),
        )
    } else if cd_low && (hubs >= 2 || share_low) {
        let why = if hubs >= 2 {
            format!("{} ≥ 2", hub_words(hubs))
        } else {
            format!(
                "betweenness share {share:.2} < {:.2}",
                p.polycentric_betweenness_share
            )
        };
        (
            NetClass::Polycentric,
            format!("polycentric: C_D {cd:.2} < {:.2}, {why}", p.polycentric_cd),
        )
    } else {
        let mut not_centred = Vec::new();
        if !(cd_high || share_high) {
            not_centred.push(format!(
                "C_D {cd:.2} < {:.2} and betweenness share {share:.2} < {:.2}",
                p.centred_cd, p.centred_betweenness_share
            ));
        }
        if !dominant {
            not_centred.push(format!("dominance {dominance:.2} < {:.2}", p.dominance));
        }
        if !one_hub {
            not_centred.push(hub_words(hubs));
        }
        let not_poly = if !cd_low {
            format!("C_D {cd:.2} ≥ {:.2}", p.polycentric_cd)
        } else {
            format!(
                "1 hub and betweenness share {share:.2} ≥ {:.2}",
                p.polycentric_betweenness_share
            )
        };
        let ratio = k2 / kh;
        let head = format!(
            "grey zone (not centred: {}; not polycentric: {not_poly})",
            not_centred.join(", ")
        );
        if groups[h] != groups[s] && ge(ratio, p.grey_partner_ratio) {
            (
                NetClass::GreyPolycentric,
                format!(
                    "{head}: top actors {h} and {s} in different groups, k2/kh {ratio:.2} ≥ {:.2}",
                    p.grey_partner_ratio
                ),
            )
        } else {
            let why = if groups[h] == groups[s] {
                format!("top actors {h} and {s} in the same group")
            } else {
                format!("k2/kh {ratio:.2} < {:.2}", p.grey_partner_ratio)
            };
            (
                NetClass::GreyCentred,
                format!("{head}: weak centre on {h}, {why}"),
            )
        }
    };
    TypeCall {
        top: Some(h),
        second: Some(s),
        degree_centralization: cd,
        top_betweenness_share: share,
        dominance,
        hubs,
        class,
        rule,
    }
}

/// Edge-jackknife stability of the network type: the share of the m leave-one-edge-out
/// replicates (each edge removed once, nodes kept) whose [`classify_net`] class equals the
/// full network's and, when that class has a centre (`Centred`, `GreyCentred`), whose top
/// actor is the same node. NaN when m = 0.
pub fn jackknife_stability(net: &Net, groups: &[u32], p: &TypeParams) -> f64 {
    let m = net.edges.len();
    if m == 0 {
        return f64::NAN;
    }
    let mut paths = Paths::new(net.n);
    let full = classify_with(net, &mut paths, groups, p);
    let mut same = 0usize;
    for e in 0..m {
        let call = classify_with(&net.without_edge(e), &mut paths, groups, p);
        if call.class == full.class && (!full.class.has_centre() || call.top == full.top) {
            same += 1;
        }
    }
    same as f64 / m as f64
}

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(n: usize, edges: &[(usize, usize)]) -> Net {
        Net::new(n, edges.iter().map(|&(u, v)| (u, v, 1.0)).collect())
    }

    fn star(leaves: usize) -> Net {
        unit(
            leaves + 1,
            &(1..=leaves).map(|i| (0, i)).collect::<Vec<_>>(),
        )
    }

    fn complete(n: usize) -> Net {
        let mut e = Vec::new();
        for u in 0..n {
            for v in u + 1..n {
                e.push((u, v));
            }
        }
        unit(n, &e)
    }

    fn path(n: usize) -> Net {
        unit(
            n,
            &(0..n.saturating_sub(1))
                .map(|i| (i, i + 1))
                .collect::<Vec<_>>(),
        )
    }

    /// A deterministic pseudo-random graph with weights in 1..=3.
    fn random_net(n: usize, m: usize, seed: u64) -> Net {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut edges = Vec::new();
        while edges.len() < m {
            let u = rng.random_range(0..n);
            let v = rng.random_range(0..n);
            if u != v {
                edges.push((u, v, rng.random_range(1..=3) as f64));
            }
        }
        Net::new(n, edges)
    }

    fn close(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    fn assert_all_close(got: &[f64], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(close(*g, *w), "{what}[{i}]: got {g}, want {w}");
        }
    }

    #[test]
    fn net_new_orients_sorts_and_keeps_max_weight() {
        let net = Net::new(4, vec![(2, 1, 1.0), (0, 3, 2.0), (1, 2, 5.0), (3, 0, 1.5)]);
        assert_eq!(net.edges, vec![(0, 3, 2.0), (1, 2, 5.0)]);
        assert_eq!(net.degrees(), vec![1, 1, 1, 1]);
        assert_eq!(net.without_edge(0).edges, vec![(1, 2, 5.0)]);
    }

    #[test]
    fn net_try_new_rejects_bad_edges() {
        assert_eq!(
            Net::try_new(2, vec![(0, 2, 1.0)]),
            Err(NetError::NodeOutOfRange { node: 2, n: 2 })
        );
        assert_eq!(
            Net::try_new(2, vec![(1, 1, 1.0)]),
            Err(NetError::SelfLoop { node: 1 })
        );
        assert!(matches!(
            Net::try_new(2, vec![(0, 1, 0.0)]),
            Err(NetError::BadWeight { .. })
        ));
        assert!(matches!(
            Net::try_new(2, vec![(0, 1, f64::NAN)]),
            Err(NetError::BadWeight { .. })
        ));
        assert!(Net::try_new(2, vec![(0, 1, -1.0)])
            .unwrap_err()
            .to_string()
            .contains("> 0"));
    }

    #[test]
    fn star_k14_hand_values() {
        let m = node_metrics(&star(4), false);
        assert_all_close(&m.degree, &[4.0, 1.0, 1.0, 1.0, 1.0], "degree");
        assert_all_close(
            &m.degree_centrality,
            &[1.0, 0.25, 0.25, 0.25, 0.25],
            "degree_centrality",
        );
        assert_all_close(&m.betweenness, &[1.0, 0.0, 0.0, 0.0, 0.0], "betweenness");
        let leaf = 4.0 / 7.0;
        assert_all_close(&m.closeness, &[1.0, leaf, leaf, leaf, leaf], "closeness");
        assert_all_close(&m.harmonic, &[4.0, 2.5, 2.5, 2.5, 2.5], "harmonic");
        let (c, l) = (0.5f64.sqrt(), 0.125f64.sqrt()); // 0.7071, 0.3536
        assert_all_close(&m.eigenvector, &[c, l, l, l, l], "eigenvector");
        assert_all_close(&m.clustering, &[0.0; 5], "clustering");
        assert_eq!(m.core_number, vec![1; 5]);
        assert_all_close(&m.constraint, &[0.25, 1.0, 1.0, 1.0, 1.0], "constraint");
        assert_all_close(
            &m.effective_size,
            &[4.0, 1.0, 1.0, 1.0, 1.0],
            "effective_size",
        );
        // Unit weights: the weighted variant is the same.
        let w = node_metrics(&star(4), true);
        assert_eq!(w.core_number, m.core_number);
        for (a, b, what) in [
            (&w.betweenness, &m.betweenness, "betweenness"),
            (&w.closeness, &m.closeness, "closeness"),
            (&w.constraint, &m.constraint, "constraint"),
            (&w.effective_size, &m.effective_size, "effective_size"),
            (&w.eigenvector, &m.eigenvector, "eigenvector"),
        ] {
            assert_all_close(a, b, what);
        }
    }

    #[test]
    fn weighted_path_constraint_is_0_625() {
        let net = Net::new(3, vec![(0, 1, 1.0), (1, 2, 3.0)]);
        let c = constraint(&net, true);
        assert_all_close(&c, &[1.0, 0.625, 1.0], "constraint");
        assert_all_close(
            &constraint(&net, false),
            &[1.0, 0.5, 1.0],
            "unweighted constraint",
        );
        // Strength and weighted distances: 0-1 is 1, 1-2 is 1/3.
        let m = node_metrics(&net, true);
        assert_all_close(&m.degree, &[1.0, 4.0, 3.0], "strength");
        assert_all_close(
            &m.harmonic,
            &[1.0 + 1.0 / (4.0 / 3.0), 1.0 + 3.0, 3.0 + 0.75],
            "harmonic",
        );
    }

    #[test]
    fn isolates_get_nan_structural_holes_and_zero_elsewhere() {
        let net = unit(4, &[(0, 1), (1, 2)]);
        let m = node_metrics(&net, false);
        assert!(m.constraint[3].is_nan() && m.effective_size[3].is_nan());
        assert_eq!(m.betweenness[3], 0.0);
        assert_eq!(m.closeness[3], 0.0);
        assert_eq!(m.harmonic[3], 0.0);
        assert_eq!(m.eigenvector[3], 0.0);
        assert_eq!(m.core_number[3], 0);
    }

    #[test]
    fn tiny_and_empty_networks() {
        let m0 = node_metrics(&Net::new(0, vec![]), false);
        assert!(m0.degree.is_empty() && m0.eigenvector.is_empty());
        let n0 = network_metrics(&Net::new(0, vec![]), &m0);
        assert_eq!(n0.components, 0);
        assert!(n0.largest_component_share.is_nan() && n0.average_clustering.is_nan());
        assert!(n0.degree_centralization.is_nan() && n0.mean_distance.is_nan());
        assert_eq!(n0.density, 0.0);
        let one = Net::new(1, vec![]);
        let m1 = node_metrics(&one, true);
        assert_eq!(m1.degree_centrality, vec![1.0]);
        assert_eq!(m1.eigenvector, vec![1.0]);
        assert_eq!(m1.betweenness, vec![0.0]);
        let k2 = node_metrics(&unit(2, &[(0, 1)]), false);
        assert_all_close(&k2.eigenvector, &[0.5f64.sqrt(); 2], "K2 eigenvector");
        assert_eq!(k2.betweenness, vec![0.0, 0.0]);
    }

    #[test]
    fn own_brandes_equals_rustworkx_on_unit_weights() {
        for (i, net) in [
            star(4),
            path(6),
            complete(5),
            random_net(12, 20, 1),
            random_net(25, 40, 2),
        ]
        .into_iter()
        .enumerate()
        {
            let unit_net = Net::new(
                net.n,
                net.edges.iter().map(|&(u, v, _)| (u, v, 1.0)).collect(),
            );
            let adj = Adj::new(&unit_net);
            let ones = vec![1.0; adj.nbr.len()];
            let (bw, cw, hw) = path_centralities(&adj, Some(&ones));
            let (bb, cb, hb) = path_centralities(&adj, None);
            assert_all_close(
                &bw,
                &betweenness(&unit_net, false),
                &format!("{i}: dijkstra betweenness"),
            );
            assert_all_close(
                &bb,
                &betweenness(&unit_net, false),
                &format!("{i}: bfs betweenness"),
            );
            assert_all_close(
                &cw,
                &closeness(&unit_net, false),
                &format!("{i}: closeness"),
            );
            assert_all_close(
                &cb,
                &closeness(&unit_net, false),
                &format!("{i}: bfs closeness"),
            );
            assert_all_close(&hw, &hb, &format!("{i}: harmonic"));
            assert_all_close(
                &betweenness(&unit_net, true),
                &bb,
                &format!("{i}: weighted api"),
            );
        }
    }

    #[test]
    fn weighted_shortest_paths_count_exact_ties() {
        // 0-2 direct (length 1) and 0-1-2 (0.5 + 0.5 = 1.0 exactly): two shortest paths, so
        // node 1 lies on half of the 0-2 paths; 3 hangs off 2.
        let net = Net::new(4, vec![(0, 1, 2.0), (1, 2, 2.0), (0, 2, 1.0), (2, 3, 1.0)]);
        let b = betweenness(&net, true);
        // 0-3 also has two shortest paths (0-2-3 and 0-1-2-3, both 2.0), both through 2.
        // raw: node 1 gets 1/2 (pair 0-2) + 1/2 (pair 0-3); node 2 gets 1 (0-3) + 1 (1-3).
        let scale = 1.0 / 3.0; // 2/((n−1)(n−2)) on unordered-pair values
        assert_all_close(&b, &[0.0, 1.0 * scale, 2.0 * scale, 0.0], "betweenness");
    }

    #[test]
    fn eigenvector_rule_on_disconnected_graphs() {
        // Two equal triangles share the mass: 1/√6 everywhere.
        let two = unit(6, &[(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)]);
        assert_all_close(
            &eigenvector(&two, false),
            &[1.0 / 6f64.sqrt(); 6],
            "two triangles",
        );
        // Triangle (λ = 2) beside a path of 3 (λ = √2) and an isolate: only the triangle.
        let mixed = unit(7, &[(0, 1), (1, 2), (3, 4), (3, 5), (4, 5)]);
        let x = eigenvector(&mixed, false);
        let t = 1.0 / 3f64.sqrt();
        assert_all_close(&x, &[0.0, 0.0, 0.0, t, t, t, 0.0], "triangle wins");
        // Edgeless: uniform.
        assert_all_close(
            &eigenvector(&Net::new(4, vec![]), false),
            &[0.5; 4],
            "edgeless",
        );
        // A star with weights: λ and v of [[0,a,b],[a,0,0],[b,0,0]] are √(a²+b²), (1, a/λ, b/λ)/√2.
        let w = Net::new(3, vec![(0, 1, 3.0), (0, 2, 4.0)]);
        let r = 0.5f64.sqrt();
        assert_all_close(
            &eigenvector(&w, true),
            &[r, r * 0.6, r * 0.8],
            "weighted star",
        );
    }

    #[test]
    fn eigenvector_power_iteration_path_matches_jacobi() {
        for seed in 0..4 {
            let net = random_net(30, 60, seed);
            let a = eigenvector_with(&net, true, DENSE_MAX);
            let b = eigenvector_with(&net, true, 0);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-9, "seed {seed}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn dense_solver_matches_jacobi() {
        let mut nets = vec![
            star(5),
            path(2),
            path(7),
            path(40),
            complete(6),
            complete(2),
        ];
        nets.push(unit(6, &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 5)])); // even cycle
        nets.push(unit(
            7,
            &[
                (0, 4),
                (0, 5),
                (0, 6),
                (1, 4),
                (1, 5),
                (1, 6),
                (2, 4),
                (3, 6),
            ],
        ));
        for seed in 0..40 {
            nets.push(random_net(
                8 + (seed as usize % 30),
                12 + 2 * (seed as usize % 30),
                seed,
            ));
        }
        for (i, net) in nets.iter().enumerate() {
            let adj = Adj::new(net);
            let (label, _) = component_labels(&adj);
            // the component of node 0, densely
            let comp: Vec<usize> = (0..net.n).filter(|&v| label[v] == label[0]).collect();
            let c = comp.len();
            if c < 2 {
                continue;
            }
            let mut local = vec![0; net.n];
            for (k, &v) in comp.iter().enumerate() {
                local[v] = k;
            }
            let mut a = vec![0.0; c * c];
            for (k, &u) in comp.iter().enumerate() {
                for (&v, &w) in adj.nbrs(u).iter().zip(adj.wts(u)) {
                    a[k * c + local[v]] = w;
                }
            }
            let (l1, v1) = symmetric_top(&mut a.clone(), c);
            let (l2, v2) = jacobi_top(&mut a, c);
            assert!(
                (l1 - l2).abs() < 1e-12 * l2.abs().max(1.0),
                "{i}: λ {l1} vs {l2}"
            );
            let s1: f64 = v1.iter().sum::<f64>().signum();
            let s2: f64 = v2.iter().sum::<f64>().signum();
            for (x, y) in v1.iter().zip(&v2) {
                assert!((x * s1 - y * s2).abs() < 1e-11, "{i}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn jacobi_top_on_known_matrix() {
        // Path of 3: eigenvalues ±√2, 0; top vector (1, √2, 1)/2.
        let mut a = vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let (lam, v) = jacobi_top(&mut a, 3);
        assert!((lam - 2f64.sqrt()).abs() < 1e-14);
        let s = if v[1] < 0.0 { -1.0 } else { 1.0 };
        assert_all_close(
            &v.iter().map(|x| x * s).collect::<Vec<_>>(),
            &[0.5, 0.5f64.sqrt(), 0.5],
            "v",
        );
    }

    #[test]
    fn clustering_and_triangles() {
        // K4 minus one edge (2-3): nodes 0, 1 have 2 triangles among 3 neighbours.
        let net = unit(4, &[(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)]);
        assert_all_close(
            &clustering(&net, false),
            &[2.0 / 3.0, 2.0 / 3.0, 1.0, 1.0],
            "clustering",
        );
        // Weighted triangle with weights 1, 2, 4 (max 4): geometric mean (1/4·2/4·4/4)^(1/3) = 0.5.
        let tri = Net::new(3, vec![(0, 1, 1.0), (1, 2, 2.0), (0, 2, 4.0)]);
        assert_all_close(&clustering(&tri, true), &[0.5; 3], "weighted clustering");
        let nm = network_metrics(&net, &node_metrics(&net, false));
        // triangles 2, connected triples: 3·2 + 3·2 + 2·1 + 2·1 = 16 ordered → 3·2/ (16/2)
        assert!(close(nm.transitivity, 12.0 / 16.0));
    }

    #[test]
    fn effective_size_weighted_uses_each_alters_own_maximum() {
        // Triangle 0-1-2 with weights w01 = 2, w02 = 1, w12 = 3 (as in the golden file);
        // row maxima 2, 3, 3. e_1 = (1 − p_12·m_02) + (1 − p_10·m_20) = (1 − 0.6·1/2) + (1 − 0.4·1/3)
        // = 1.5666…, where NetworkX's SciPy path gives 1.6 (m normalised by the wrong row).
        let net = Net::new(3, vec![(0, 1, 2.0), (0, 2, 1.0), (1, 2, 3.0)]);
        let e = effective_size(&net, true);
        let e0 = (1.0 - 2.0 / 3.0 * 1.0) + (1.0 - 1.0 / 3.0 * 1.0); // m_12 = 3/3, m_21 = 3/3
        let e1 = (1.0 - 0.6 * 0.5) + (1.0 - 0.4 / 3.0);
        let e2 = (1.0 - 0.75 * 1.0) + (1.0 - 0.25 * 2.0 / 3.0); // m_01 = 2/2, m_10 = 2/3
        assert_all_close(&e, &[e0, e1, e2], "effective size");
    }

    #[test]
    fn centralization_star_one_complete_zero_small_nan() {
        for leaves in 3..8 {
            let net = star(leaves);
            let nm = network_metrics(&net, &node_metrics(&net, false));
            assert!(close(nm.degree_centralization, 1.0));
            assert!(close(nm.betweenness_centralization, 1.0));
            assert!(close(nm.closeness_centralization, 1.0));
        }
        let k5 = complete(5);
        let nm = network_metrics(&k5, &node_metrics(&k5, false));
        assert_eq!(
            (
                nm.degree_centralization,
                nm.betweenness_centralization,
                nm.closeness_centralization
            ),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(
            (
                nm.transitivity,
                nm.average_clustering,
                nm.diameter,
                nm.global_efficiency
            ),
            (1.0, 1.0, 1.0, 1.0)
        );
        let k2 = unit(2, &[(0, 1)]);
        let nm = network_metrics(&k2, &node_metrics(&k2, false));
        assert!(nm.degree_centralization.is_nan() && nm.betweenness_centralization.is_nan());
        assert!(nm.closeness_centralization.is_nan());
        assert_eq!(nm.mean_distance, 1.0);
    }

    #[test]
    fn distances_over_reachable_pairs() {
        // Path 0-1-2 plus edge 3-4: ordered pairs 6 + 2, distances 1,1,2 (×2) and 1 (×2).
        let net = unit(6, &[(0, 1), (1, 2), (3, 4)]);
        let nm = network_metrics(&net, &node_metrics(&net, false));
        assert!(close(nm.mean_distance, 10.0 / 8.0));
        assert_eq!(nm.diameter, 2.0);
        assert_eq!((nm.components, nm.isolates), (3, 1));
        assert!(close(nm.largest_component_share, 0.5));
        assert!(close(nm.global_efficiency, (4.0 + 2.0 * 0.5 + 2.0) / 30.0));
        // Methods brief: WF closeness of node 3 is 0.25, of node 1 is 0.5 (n = 5 there).
        let five = unit(5, &[(0, 1), (1, 2), (3, 4)]);
        let c = closeness(&five, false);
        assert!(close(c[3], 0.25) && close(c[1], 0.5));
        let edgeless = Net::new(3, vec![]);
        let nm = network_metrics(&edgeless, &node_metrics(&edgeless, false));
        assert!(nm.mean_distance.is_nan() && nm.diameter.is_nan());
        assert_eq!(nm.global_efficiency, 0.0);
    }

    #[test]
    fn ei_index_values_and_permutation_p() {
        // Groups 0,0,1,1; ties 0-1 (internal), 1-2, 2-3 (internal), 0-3 → E = 2, I = 2.
        let net = unit(4, &[(0, 1), (1, 2), (2, 3), (0, 3)]);
        let g = [0, 0, 1, 1];
        let r = ei_index(&net, &g, 999, 42);
        assert_eq!(r.ei, 0.0);
        // 4 cross pairs of 6: expected = 2·4/6 − 1 = 1/3.
        assert!(close(r.expected, 1.0 / 3.0));
        assert!(r.p > 0.0 && r.p <= 1.0);
        assert_eq!(
            r.p.to_bits(),
            ei_index(&net, &g, 999, 42).p.to_bits(),
            "same seed, same p"
        );
        // Resolution 1/(1 + b).
        assert!(((r.p * 1000.0) - (r.p * 1000.0).round()).abs() < 1e-9);
        // One group: EI = −1 = expected, every permutation ties → p = 1.
        let same = ei_index(&net, &[7, 7, 7, 7], 50, 1);
        assert_eq!((same.ei, same.expected, same.p), (-1.0, -1.0, 1.0));
        // No ties → NaN EI and p; expected still defined.
        let none = ei_index(&Net::new(3, vec![]), &[0, 1, 1], 10, 1);
        assert!(none.ei.is_nan() && none.p.is_nan());
        assert!(close(none.expected, 2.0 * 2.0 / 3.0 - 1.0));
        assert!(ei_index(&net, &g, 0, 1).p.is_nan());
    }

    #[test]
    fn ei_p_is_small_for_strong_homophily() {
        // Two cliques of 6, one bridge, groups = cliques: EI far below expectation.
        let mut e = Vec::new();
        for base in [0, 6] {
            for u in 0..6 {
                for v in u + 1..6 {
                    e.push((base + u, base + v));
                }
            }
        }
        e.push((0, 6));
        let net = unit(12, &e);
        let g: Vec<u32> = (0..12).map(|i| (i / 6) as u32).collect();
        let r = ei_index(&net, &g, 999, 3);
        assert!(r.ei < -0.9 && r.p < 0.01, "{r:?}");
    }

    #[test]
    fn classify_star_complete_and_empty() {
        let p = TypeParams::default();
        let s = star(6);
        let call = classify(&s, &node_metrics(&s, false), &[0; 7], &p);
        assert_eq!(
            (call.class, call.top, call.hubs),
            (NetClass::Centred, Some(0), 1)
        );
        assert_eq!(call.dominance, 6.0);
        assert!(
            call.rule.starts_with("centred on 0: C_D 1.00 ≥ 0.50"),
            "{}",
            call.rule
        );
        let k = complete(5);
        let call = classify(&k, &node_metrics(&k, false), &[0; 5], &p);
        assert_eq!(
            (call.class, call.hubs, call.top),
            (NetClass::Polycentric, 5, Some(0))
        );
        assert!(call.rule.contains("5 hubs ≥ 2"), "{}", call.rule);
        let e = Net::new(4, vec![]);
        assert_eq!(classify_net(&e, &[0; 4], &p).class, NetClass::Empty);
        assert_eq!(
            classify_net(&unit(2, &[(0, 1)]), &[0; 2], &p).class,
            NetClass::Empty
        );
    }

    #[test]
    fn classify_grey_zone_and_tie_breaks() {
        let p = TypeParams::default();
        // Double star: hubs 0 and 1 joined, each with 3 leaves. C_D = Σ(4−k)/((n−1)(n−2)) =
        // 6·3/(7·6) = 0.43: not centred (dominance 1), not polycentric (C_D ≥ 0.35).
        let net = unit(8, &[(0, 1), (0, 2), (0, 3), (0, 4), (1, 5), (1, 6), (1, 7)]);
        let same = classify_net(&net, &[0; 8], &p);
        assert_eq!(
            (same.class, same.top, same.second),
            (NetClass::GreyCentred, Some(0), Some(1))
        );
        assert!(same.rule.contains("same group"), "{}", same.rule);
        let mut g = [0u32; 8];
        g[1] = 1;
        let diff = classify_net(&net, &g, &p);
        assert_eq!(diff.class, NetClass::GreyPolycentric);
        assert!(diff.rule.contains("k2/kh 1.00 ≥ 0.75"), "{}", diff.rule);
        // Equal degrees, higher betweenness wins: path 0-1-2-3-4, nodes 1, 2, 3 have degree 2,
        // node 2 the highest betweenness.
        let pth = path(5);
        let call = classify_net(&pth, &[0; 5], &p);
        assert_eq!(call.top, Some(2));
        // Equal degree and betweenness: lowest index (1 and 3 tie after 2).
        assert_eq!(call.second, Some(1));
    }

    #[test]
    fn classify_net_equals_classify_with_node_metrics() {
        let p = TypeParams::default();
        for seed in 0..30 {
            let net = random_net(10 + seed as usize % 20, 12 + seed as usize, seed);
            let g: Vec<u32> = (0..net.n).map(|i| (i % 3) as u32).collect();
            let a = classify(&net, &node_metrics(&net, false), &g, &p);
            let b = classify_net(&net, &g, &p);
            assert_eq!(
                (a.class, a.top, a.second, a.hubs),
                (b.class, b.top, b.second, b.hubs)
            );
            assert!(close(a.top_betweenness_share, b.top_betweenness_share));
        }
    }

    #[test]
    fn jackknife_star_is_stable_and_path_is_not_always() {
        let p = TypeParams::default();
        assert_eq!(jackknife_stability(&star(4), &[0; 5], &p), 1.0);
        assert!(jackknife_stability(&Net::new(3, vec![]), &[0; 3], &p).is_nan());
        let s = jackknife_stability(&path(6), &[0; 6], &p);
        assert!((0.0..=1.0).contains(&s));
    }

    #[test]
    fn results_are_bitwise_deterministic() {
        let net = random_net(20, 45, 9);
        let a = node_metrics(&net, true);
        let b = node_metrics(&net, true);
        let bits = |m: &NodeMetrics| -> Vec<u64> {
            [
                &m.betweenness,
                &m.closeness,
                &m.harmonic,
                &m.eigenvector,
                &m.clustering,
                &m.constraint,
                &m.effective_size,
            ]
            .iter()
            .flat_map(|v| v.iter().map(|x| x.to_bits()))
            .collect()
        };
        assert_eq!(bits(&a), bits(&b));
        let u = node_metrics(&net, false);
        let x = network_metrics(&net, &u);
        let y = network_metrics(&net, &node_metrics(&net, false));
        assert_eq!(format!("{x:?}"), format!("{y:?}"));
    }
}
