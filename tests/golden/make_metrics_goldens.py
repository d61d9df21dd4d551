#!/usr/bin/env python3
"""Golden values for the graph-metric core of `compute_metrics` (stages/src/compute_metrics/graph.rs).

Run from anywhere:  python3 tests/golden/make_metrics_goldens.py
It creates the virtual environment /tmp/wecare-golden-venv when absent, installs the pinned
versions below into it, re-runs itself inside it and (re)writes tests/golden/metrics/*.json.
The output is deterministic: same versions -> same bytes.

JSON conventions (read by stages/src/compute_metrics/golden_tests.rs):
- keys sorted, floats written with Python's repr (shortest round-trip form);
- NaN is written as the string "NaN" (JSON has no NaN);
- nodes are the integers 0..n-1; per-node metrics are lists indexed by node; `labels` gives the
  original node names (Florentine families: alphabetical; karate club: NetworkX's ids);
- `edges` are [u, v, w] with u < v, sorted; w = 1 for unweighted graphs.
See tests/golden/README.md for what each value is computed with.
"""

import json
import math
import os
import random
import subprocess
import sys

VENV = "/tmp/wecare-golden-venv"
PINS = ["networkx==3.6.1", "python-igraph==1.0.0", "scipy==1.17.1", "numpy==2.4.6"]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "metrics")


def ensure_venv():
    """Re-execute this script inside the pinned virtual environment."""
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "--quiet", *PINS])
    os.execv(py, [py, os.path.abspath(__file__), *sys.argv[1:]])


ensure_venv()

import igraph as ig  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402

NAN = float("nan")


# ---------------------------------------------------------------------------------------------
# graphs
# ---------------------------------------------------------------------------------------------


def from_edges(n, edges):
    """nx.Graph on nodes 0..n-1 (inserted in order) with edges (u, v, w)."""
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for u, v, w in edges:
        G.add_edge(u, v, weight=w)
    return G


def relabel_sorted(G):
    labels = sorted(G.nodes())
    index = {name: i for i, name in enumerate(labels)}
    H = nx.Graph()
    H.add_nodes_from(range(len(labels)))
    for u, v, d in G.edges(data=True):
        H.add_edge(index[u], index[v], weight=d.get("weight", 1))
    return H, labels


def cases():
    """(name, description, graph, labels, weighted, groups)."""
    out = []

    def add(name, desc, G, labels=None, weighted=False, groups=None):
        if groups is None:
            groups = [i % 2 for i in range(G.number_of_nodes())]
        out.append((name, desc, G, labels, weighted, groups))

    add("star_k14", "star K1,4, centre 0", from_edges(5, [(0, i, 1) for i in range(1, 5)]))
    add(
        "star_k14_isolate",
        "star K1,4 (centre 0) plus the isolate 5",
        from_edges(6, [(0, i, 1) for i in range(1, 5)]),
    )
    add("path_p5", "path 0-1-2-3-4", from_edges(5, [(i, i + 1, 1) for i in range(4)]))
    add(
        "weighted_path_p5",
        "path 0-1-2-3-4 with weights 1, 2, 3, 4",
        from_edges(5, [(i, i + 1, i + 1) for i in range(4)]),
        weighted=True,
    )
    add(
        "weighted_path_p3",
        "path 0-1-2 with weights 1, 3 (methods brief: constraint of 1 = 0.625)",
        from_edges(3, [(0, 1, 1), (1, 2, 3)]),
        weighted=True,
    )
    add("complete_k5", "complete graph K5", from_edges(5, [(u, v, 1) for u in range(5) for v in range(u + 1, 5)]))
    B = nx.barbell_graph(4, 2)
    add("barbell_4_2", "nx.barbell_graph(4, 2): two K4 joined by a path of 2 nodes", from_edges(10, [(u, v, 1) for u, v in B.edges()]))
    two = [(0, 1, 1), (0, 2, 1), (1, 2, 1), (3, 4, 1), (4, 5, 1)]
    add("two_components_isolates", "triangle 0-1-2, path 3-4-5, isolates 6 and 7", from_edges(8, two))
    two_w = [(0, 1, 2), (0, 2, 1), (1, 2, 3), (3, 4, 1), (4, 5, 2)]
    add(
        "two_components_isolates_weighted",
        "triangle 0-1-2 (weights 2, 1, 3), path 3-4-5 (weights 1, 2), isolates 6 and 7",
        from_edges(8, two_w),
        weighted=True,
    )
    add(
        "two_triangles",
        "two disjoint triangles (equal spectral radius: eigenvector tie between components)",
        from_edges(6, [(0, 1, 1), (0, 2, 1), (1, 2, 1), (3, 4, 1), (3, 5, 1), (4, 5, 1)]),
    )
    K = nx.karate_club_graph()
    Kr, klabels = relabel_sorted(K)
    clubs = sorted({K.nodes[v]["club"] for v in K})
    kgroups = [clubs.index(K.nodes[name]["club"]) for name in klabels]
    add(
        "karate",
        "Zachary's karate club (nx.karate_club_graph, with its interaction-count weights); groups = club ("
        + ", ".join(f"{i} = {c}" for i, c in enumerate(clubs))
        + ")",
        Kr,
        labels=klabels,
        weighted=True,
        groups=kgroups,
    )
    F, flabels = relabel_sorted(nx.florentine_families_graph())
    add(
        "florentine",
        "Florentine families (nx.florentine_families_graph), nodes in alphabetical order; groups = index mod 3",
        F,
        labels=flabels,
        groups=[i % 3 for i in range(F.number_of_nodes())],
    )
    R = nx.gnm_random_graph(15, 30, seed=7)
    rng = random.Random(7)
    redges = [(u, v, rng.randint(1, 3)) for u, v in sorted(tuple(sorted(e)) for e in R.edges())]
    add(
        "gnm_15_30_seed7_weighted",
        "nx.gnm_random_graph(15, 30, seed=7); weights random.Random(7).randint(1, 3) over the sorted edges",
        from_edges(15, redges),
        weighted=True,
    )
    R40 = nx.gnm_random_graph(40, 70, seed=3)
    rng40 = random.Random(3)
    e40 = [(u, v, rng40.randint(1, 5)) for u, v in sorted(tuple(sorted(e)) for e in R40.edges())]
    add(
        "gnm_40_70_seed3_weighted",
        "nx.gnm_random_graph(40, 70, seed=3) (project-sized, disconnected); weights random.Random(3).randint(1, 5)",
        from_edges(40, e40),
        weighted=True,
        groups=[i % 4 for i in range(40)],
    )
    clique = [(u, v, 1) for u in range(4) for v in range(u + 1, 4)]
    add("pendant_clique", "K4 on 0-3 plus node 4 of degree 1 attached to 0", from_edges(5, clique + [(0, 4, 1)]))
    clique_w = [(0, 1, 3), (0, 2, 1), (0, 3, 2), (1, 2, 2), (1, 3, 1), (2, 3, 3)]
    add(
        "pendant_clique_weighted",
        "K4 on 0-3 with weights 1-3 plus node 4 attached to 0 with weight 2",
        from_edges(5, clique_w + [(0, 4, 2)]),
        weighted=True,
    )
    ties = [
        (0, 1, 2), (1, 2, 2), (0, 2, 1),  # 0.5 + 0.5 == 1.0: two shortest 0-2 paths
        (2, 3, 3), (3, 4, 3), (4, 5, 3), (2, 5, 1),  # 1/3 + 1/3 + 1/3 == 1.0 in floating point
        (5, 6, 10), (6, 7, 10), (7, 8, 10), (5, 8, 10 / 3),  # 0.1 * 3 != 1 / (10 / 3): no tie
        (8, 9, 1.5), (0, 9, 4),
    ]
    add(
        "weighted_ties",
        "weighted graph built so that some shortest-path lengths tie exactly in floating point and one almost ties",
        from_edges(10, ties),
        weighted=True,
    )
    add("k2", "a single edge 0-1 (n = 2)", from_edges(2, [(0, 1, 1)]))
    add("single_node", "one node, no edge (n = 1)", from_edges(1, []))
    add("edgeless_3", "three isolates", from_edges(3, []))
    return out


# ---------------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------------


def as_list(d, n):
    return [d[i] for i in range(n)]


def eigenvector_rule(G, weight):
    """Normalised projection of the all-ones vector on the dominant eigenspace of A.

    = nx.eigenvector_centrality_numpy on connected graphs with n >= 3; elsewhere (where it raises)
    the limit of nx.eigenvector_centrality (power iteration on A + I from the all-ones vector):
    components whose spectral radius is within 1e-9 (relative) of the largest share the mass in
    proportion to (1'v_c) v_c, every other node gets 0.
    """
    n = G.number_of_nodes()
    x = np.zeros(n)
    comps = sorted(sorted(c) for c in nx.connected_components(G))
    parts = []
    for c in comps:
        if len(c) == 1:
            parts.append((0.0, c, np.array([1.0])))
            continue
        A = nx.to_numpy_array(G, nodelist=c, weight=weight)
        vals, vecs = np.linalg.eigh(A)
        v = vecs[:, -1]
        v = v * np.sign(v.sum())
        parts.append((float(vals[-1]), c, v / np.linalg.norm(v)))
    lam = max(p[0] for p in parts)
    for lam_c, c, v in parts:
        if lam_c >= lam - 1e-9 * max(1.0, lam):
            x[c] = v.sum() * v
    return (x / np.linalg.norm(x)).tolist()


def eigenvector(G, weight):
    n = G.number_of_nodes()
    rule = eigenvector_rule(G, weight)
    if n >= 3 and nx.is_connected(G):
        # ARPACK starts from a random vector, so its last digits change from run to run: the
        # file keeps the deterministic numpy.linalg.eigh value, asserted equal to NetworkX's.
        ref = as_list(nx.eigenvector_centrality_numpy(G, weight=weight), n)
        assert max(abs(a - b) for a, b in zip(ref, rule)) < 1e-10, "eigh rule != networkx numpy"
        return rule, "numpy.linalg.eigh, asserted equal to nx.eigenvector_centrality_numpy within 1e-10"
    power = as_list(nx.eigenvector_centrality(G, max_iter=100000, tol=1e-13, weight=weight), n)
    assert max(abs(a - b) for a, b in zip(power, rule)) < 1e-6, (power, rule)
    return rule, "projection rule with numpy.linalg.eigh (NetworkX's numpy version raises); checked against nx.eigenvector_centrality to 1e-6"


def structural_holes(G, weight):
    """Burt's constraint and effective size as NetworkX computes them.

    Constraint: nx.constraint(G, weight=...) (its scipy path); checked against the per-node path.
    Effective size: the per-node path, nx.effective_size(G, nodes=list(G), weight=...), which is
    NetworkX's documented formula (m_jq normalised by j's largest mutual weight). NetworkX 3.6.1's
    scipy path (used by the default call nodes=None) divides by the wrong axis on weighted graphs
    (networkx/networkx PR #8906, open); for unweighted graphs the two paths agree. The scipy-path
    values are kept in the JSON as `networkx_sparse_effective_size` when they differ.
    """
    n = G.number_of_nodes()
    con = as_list(nx.constraint(G, weight=weight), n)
    con2 = nx.constraint(G, nodes=list(G), weight=weight)
    esz = as_list(nx.effective_size(G, nodes=list(G), weight=weight), n)
    esz_sparse = as_list(nx.effective_size(G, weight=weight), n)
    same = lambda a, b: (math.isnan(a) and math.isnan(b)) or abs(a - b) < 1e-12  # noqa: E731
    assert all(same(con[i], con2[i]) for i in range(n))
    differs = not all(same(esz[i], esz_sparse[i]) for i in range(n))
    assert not (differs and weight is None), "unweighted effective size: paths must agree"
    return con, esz, (esz_sparse if differs else None)


def node_metrics(G, weighted):
    n = G.number_of_nodes()
    src = {}
    if weighted:
        H = G.copy()
        for _, _, d in H.edges(data=True):
            d["distance"] = 1.0 / d["weight"]
        deg = [float(G.degree(v, weight="weight")) for v in range(n)]
        bet = nx.betweenness_centrality(H, normalized=True, endpoints=False, weight="distance")
        clo = nx.closeness_centrality(H, distance="distance", wf_improved=True)
        har = nx.harmonic_centrality(H, distance="distance")
        w = "weight"
    else:
        deg = [float(G.degree(v)) for v in range(n)]
        bet = nx.betweenness_centrality(G, normalized=True, endpoints=False, weight=None)
        clo = nx.closeness_centrality(G, wf_improved=True)
        har = nx.harmonic_centrality(G)
        w = None
    eig, src["eigenvector"] = eigenvector(G, w)
    con, esz, esz_sparse = structural_holes(G, w)
    if esz_sparse is not None:
        src["effective_size"] = "nx.effective_size(G, nodes=list(G), weight='weight') (per-node path; see README)"
        src["networkx_sparse_effective_size"] = esz_sparse
    return {
        "degree": deg,
        "degree_centrality": [float(x) for x in as_list(nx.degree_centrality(G), n)],
        "betweenness": as_list(bet, n),
        "closeness": as_list(clo, n),
        "harmonic": [float(x) for x in as_list(har, n)],
        "eigenvector": eig,
        "clustering": [float(x) for x in as_list(nx.clustering(G, weight=w), n)],
        "core_number": as_list(nx.core_number(G), n),
        "constraint": con,
        "effective_size": esz,
    }, src


def igraph_centralization(scores, tmax):
    """igraph_centralization(scores, tmax, normalized=TRUE) = sum(max - s) / tmax."""
    if len(scores) == 0 or tmax == 0:
        return NAN
    m = max(scores)
    return float(sum(m - s for s in scores) / tmax)


def network_metrics(G, unweighted_nodes):
    n = G.number_of_nodes()
    g = ig.Graph(n=n, edges=[(u, v) for u, v in G.edges()], directed=False)
    src = {}
    connected = n > 0 and nx.is_connected(G)
    cd = igraph_centralization(g.degree(loops=False), (n - 1) * (n - 2))
    cb = igraph_centralization(g.betweenness(directed=False), (n - 1) * (n - 1) * (n - 2) / 2.0)
    tmax_c = (n - 1) * (n - 2) / (2.0 * n - 3) if n > 0 else 0
    if connected:
        cc = igraph_centralization(g.closeness(normalized=True), tmax_c)
        alt = igraph_centralization(unweighted_nodes["closeness"], tmax_c)
        assert (math.isnan(cc) and math.isnan(alt)) or abs(cc - alt) < 1e-12
        src["closeness_centralization"] = "igraph closeness(normalized=True), tmax (n-1)(n-2)/(2n-3)"
    else:
        cc = igraph_centralization(unweighted_nodes["closeness"], tmax_c)
        src["closeness_centralization"] = (
            "disconnected: NetworkX WF closeness in Freeman's formula with igraph's tmax (n-1)(n-2)/(2n-3)"
        )
    reachable_pairs = sum(len(c) * (len(c) - 1) for c in nx.connected_components(G))
    if reachable_pairs == 0:
        mean_d, diam = NAN, NAN
        src["diameter"] = "no reachable pair: NaN (igraph would return 0 for n >= 1)"
    else:
        mean_d = g.average_path_length(directed=False, unconn=True)
        diam = float(g.diameter(directed=False, unconn=True))
    comps = [len(c) for c in nx.connected_components(G)]
    return {
        "n_actors": n,
        "n_ties": G.number_of_edges(),
        "density": float(nx.density(G)),
        "components": nx.number_connected_components(G),
        "largest_component_share": max(comps) / n if n else NAN,
        "isolates": nx.number_of_isolates(G),
        "degree_centralization": cd,
        "betweenness_centralization": cb,
        "closeness_centralization": cc,
        "transitivity": float(nx.transitivity(G)),
        "average_clustering": float(nx.average_clustering(G)) if n else NAN,
        "mean_distance": float(mean_d),
        "diameter": diam,
        "global_efficiency": float(nx.global_efficiency(G)),
    }, src


def ei_index(G, groups):
    n = G.number_of_nodes()
    ext = sum(1 for u, v in G.edges() if groups[u] != groups[v])
    internal = G.number_of_edges() - ext
    ei = (ext - internal) / (ext + internal) if ext + internal else NAN
    sizes = {}
    for gid in groups:
        sizes[gid] = sizes.get(gid, 0) + 1
    s = [sizes[k] for k in sorted(sizes)]
    cross = sum(s[i] * s[j] for i in range(len(s)) for j in range(i + 1, len(s)))
    expected = 2.0 * cross / (n * (n - 1) / 2.0) - 1.0 if n >= 2 else NAN
    return {"ei": ei, "expected": expected, "external": ext, "internal": internal}


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------


def clean(x):
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    if isinstance(x, float) and math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, (np.floating,)):
        return clean(float(x))
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def main():
    os.makedirs(OUT, exist_ok=True)
    versions = {
        "networkx": nx.__version__,
        "python-igraph": ig.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }
    written = []
    for name, desc, G, labels, weighted, groups in cases():
        n = G.number_of_nodes()
        assert list(G.nodes()) == list(range(n))
        edges = sorted((min(u, v), max(u, v), d["weight"]) for u, v, d in G.edges(data=True))
        unw, src_u = node_metrics(G, weighted=False)
        doc = {
            "name": name,
            "description": desc,
            "versions": versions,
            "n": n,
            "labels": labels,
            "edges": [[u, v, float(w)] for u, v, w in edges],
            "groups": groups,
            "node_metrics": {"unweighted": unw},
            "sources": {"unweighted": src_u},
        }
        if weighted:
            wm, src_w = node_metrics(G, weighted=True)
            doc["node_metrics"]["weighted"] = wm
            doc["sources"]["weighted"] = src_w
        doc["network_metrics"], doc["sources"]["network"] = network_metrics(G, unw)
        doc["ei"] = ei_index(G, groups)
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(clean(doc), f, sort_keys=True, indent=1, allow_nan=False)
            f.write("\n")
        written.append(path)
    for p in written:
        print("wrote", os.path.relpath(p, os.path.dirname(os.path.dirname(HERE))))


if __name__ == "__main__":
    main()
