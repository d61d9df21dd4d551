#!/usr/bin/env python3
"""Golden values for the wave comparisons of `compare_waves` (stages/src/compare_waves/change.rs)
and the QAP correlation of `stages/src/resample.rs`.

Run from anywhere:  python3 tests/golden/make_waves_goldens.py
Like make_metrics_goldens.py it creates the virtual environment /tmp/wecare-golden-venv when
absent, installs the pinned versions into it, re-runs itself inside it and (re)writes
tests/golden/waves/comparisons.json. Same versions -> same bytes.

Each case is a pair of networks (`from`, `to`) on integer node sets that overlap partly (actors
joining and leaving). Computed here independently of the Rust code, with numpy on adjacency
matrices:
- on the actors present in both waves: N11, N10, N01, N00 over the upper triangle, Jaccard
  N11/(N11+N10+N01), Hamming N10+N01, persistence N11/(N11+N10), formation N01/(N01+N11);
- `jaccard_all`: |E_from ∩ E_to| / |E_from ∪ E_to| on all actors;
- `qap_r`: numpy.corrcoef of the upper-triangle cells of the two adjacency matrices on the common
  actors (as sna::gcor);
- `qap_p_exact` (common actors ≤ 7): the share of all n! relabellings of `from` whose count of
  dyads tied in both is at least the observed one (r* ≥ r), by itertools.permutations.
NaN is written as the string "NaN".
"""

import itertools
import json
import os
import subprocess
import sys

VENV = "/tmp/wecare-golden-venv"
PINS = ["networkx==3.6.1", "python-igraph==1.0.0", "scipy==1.17.1", "numpy==2.4.6"]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "waves")


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

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

NAN = float("nan")


def clean(x):
    if isinstance(x, float) and x != x:
        return "NaN"
    return x


def ratio(a, b):
    return a / b if b else NAN


def edges_of(G):
    return sorted((min(u, v), max(u, v)) for u, v in G.edges())


def compare(name, description, from_nodes, from_edges, to_nodes, to_edges):
    common = sorted(set(from_nodes) & set(to_nodes))
    n = len(common)
    idx = {v: i for i, v in enumerate(common)}

    def adjacency(edges):
        A = np.zeros((n, n), dtype=np.int64)
        for u, v in edges:
            if u in idx and v in idx:
                A[idx[u], idx[v]] = A[idx[v], idx[u]] = 1
        return A

    A, B = adjacency(from_edges), adjacency(to_edges)
    iu = np.triu_indices(n, k=1)
    x, y = A[iu], B[iu]
    n11 = int(np.sum((x == 1) & (y == 1)))
    n10 = int(np.sum((x == 1) & (y == 0)))
    n01 = int(np.sum((x == 0) & (y == 1)))
    n00 = int(np.sum((x == 0) & (y == 0)))
    if x.size >= 2 and x.std() > 0 and y.std() > 0:
        r = float(np.corrcoef(x, y)[0, 1])
    else:
        r = NAN
    p_exact = None
    if n <= 7 and r == r:
        observed = int(np.sum(x * y))
        hits = total = 0
        for perm in itertools.permutations(range(n)):
            P = A[np.ix_(perm, perm)]
            hits += int(np.sum(P[iu] * y) >= observed)
            total += 1
        p_exact = hits / total
    fe, te = set(from_edges), set(to_edges)
    return {
        "name": name,
        "description": description,
        "from_nodes": sorted(from_nodes),
        "to_nodes": sorted(to_nodes),
        "from_edges": [list(e) for e in sorted(fe)],
        "to_edges": [list(e) for e in sorted(te)],
        "actors_common": n,
        "n11": n11,
        "n10": n10,
        "n01": n01,
        "n00": n00,
        "jaccard": clean(ratio(n11, n11 + n10 + n01)),
        "hamming": n10 + n01,
        "persistence": clean(ratio(n11, n11 + n10)),
        "formation": clean(ratio(n01, n01 + n11)),
        "jaccard_all": clean(ratio(len(fe & te), len(fe | te))),
        "qap_r": clean(r),
        "qap_p_exact": None if p_exact is None else clean(p_exact),
    }


def perturbed(G, drop, add, seed, extra_nodes=()):
    """G with `drop` edges removed and `add` non-edges added (seeded), plus extra nodes tied in."""
    import random

    rng = random.Random(seed)
    H = G.copy()
    edges = sorted(H.edges())
    for e in rng.sample(edges, drop):
        H.remove_edge(*e)
    non = sorted(nx.non_edges(H))
    for e in rng.sample(non, add):
        H.add_edge(*e)
    for k, v in enumerate(extra_nodes):
        H.add_edge(v, sorted(G.nodes())[k % G.number_of_nodes()])
    return H


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    # Hand-sized: the example of change.rs.
    cases.append(
        compare(
            "hand_5",
            "a..e = 0..4, f = 5: from ab ac ad bc de on abcde, to ab ac cd bd af on abcdf",
            [0, 1, 2, 3, 4],
            [(0, 1), (0, 2), (0, 3), (1, 2), (3, 4)],
            [0, 1, 2, 3, 5],
            [(0, 1), (0, 2), (2, 3), (1, 3), (0, 5)],
        )
    )
    # A star that keeps some spokes, on 6 actors: exact QAP over 720 relabellings.
    cases.append(
        compare(
            "star_6_rewired",
            "star centred on 0 over 0..5; later 0-1, 0-2, 1-2, 3-4",
            list(range(6)),
            [(0, i) for i in range(1, 6)],
            list(range(6)),
            [(0, 1), (0, 2), (1, 2), (3, 4)],
        )
    )
    # Karate club against a perturbed copy with joiners and leavers.
    K = nx.karate_club_graph()
    K2 = perturbed(K, drop=20, add=12, seed=1, extra_nodes=[34, 35, 36])
    K2.remove_nodes_from([30, 31])
    cases.append(
        compare(
            "karate_perturbed",
            "karate club vs a copy with 20 ties dropped, 12 added (random.Random(1)), joiners 34-36, leavers 30-31",
            list(K.nodes()),
            edges_of(K),
            list(K2.nodes()),
            edges_of(K2),
        )
    )
    # Two independent random graphs on overlapping node sets.
    G1 = nx.gnm_random_graph(25, 50, seed=3)
    G2 = nx.relabel_nodes(nx.gnm_random_graph(25, 45, seed=4), {i: i + 5 for i in range(25)})
    cases.append(
        compare(
            "gnm_independent",
            "gnm(25, 50, seed 3) on 0..24 vs gnm(25, 45, seed 4) relabelled to 5..29",
            list(G1.nodes()),
            edges_of(G1),
            list(G2.nodes()),
            edges_of(G2),
        )
    )
    # Florentine families: marriage network against itself with a third of its ties dropped.
    F = nx.convert_node_labels_to_integers(nx.florentine_families_graph(), ordering="sorted")
    F2 = perturbed(F, drop=7, add=0, seed=2)
    cases.append(
        compare(
            "florentine_thinned",
            "Florentine families (nodes sorted by name) vs a copy with 7 ties dropped (random.Random(2))",
            list(F.nodes()),
            edges_of(F),
            list(F2.nodes()),
            edges_of(F2),
        )
    )
    # Degenerate: no ties at the start.
    cases.append(compare("empty_from", "no ties in `from`", [0, 1, 2], [], [0, 1, 2], [(0, 1)]))
    doc = {
        "cases": cases,
        "versions": {"networkx": nx.__version__, "numpy": np.__version__},
    }
    path = os.path.join(OUT, "comparisons.json")
    with open(path, "w") as f:
        json.dump(doc, f, sort_keys=True, indent=1)
        f.write("\n")
    print(f"wrote {path}")


main()
