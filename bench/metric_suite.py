"""The node-metric suite with NetworkX and python-igraph on the networks wecare timed.

    python bench/metric_suite.py EDGES.csv WECARE_VALUES.csv [NX_LIMIT]

EDGES.csv and WECARE_VALUES.csv come from `metric_suite export` / `metric_suite run`
(stages/examples/metric_suite.rs). Prints one line per tool with the seconds of one pass over
every network (the median of REPS passes for igraph; NetworkX is slow, one pass) and the largest
absolute difference from wecare's values per metric. NX_LIMIT (default: all) times NetworkX on
the first N networks only and scales the time up, saying so.

Definitions compared (unweighted, simple undirected graphs, nodes = the ties' endpoints):
- NetworkX 3.x: degree, betweenness_centrality (normalized), closeness_centrality (WF
  improved), harmonic_centrality, eigenvector_centrality_numpy (connected graphs with n >= 3;
  elsewhere wecare's rule differs from NetworkX, which raises, so those graphs are not compared),
  clustering, core_number, constraint, effective_size.
- igraph: degree, betweenness / ((n-1)(n-2)/2), closeness (normalized; equal to NetworkX's on
  connected graphs), harmonic_centrality (sum of 1/d), eigenvector_centrality rescaled to unit
  Euclidean norm, transitivity_local_undirected(mode="zero"), coreness, constraint; igraph has
  no effective size. Differences are checked on connected graphs, where the definitions
  coincide.
"""

import csv
import json
import math
import statistics
import sys
import time
from collections import defaultdict

import igraph as ig
import networkx as nx
import numpy as np

REPS = 5
METRICS = [
    "degree",
    "betweenness",
    "closeness",
    "harmonic",
    "eigenvector",
    "clustering",
    "core_number",
    "constraint",
    "effective_size",
]


def read_networks(path):
    ties = defaultdict(list)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            ties[row["project"]].append((row["source"], row["target"]))
    nets = []
    for project in sorted(ties):
        nodes = sorted({x for t in ties[project] for x in t})
        index = {n: i for i, n in enumerate(nodes)}
        edges = [(index[a], index[b]) for a, b in ties[project]]
        nets.append((project, nodes, edges))
    return nets


def read_values(path):
    out = defaultdict(dict)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            out[(row["project"], row["metric"])][row["node"]] = float(row["value"])
    return out


def nx_suite(n, edges):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(edges)
    connected = n >= 3 and nx.is_connected(G)
    res = {
        "degree": dict(G.degree()),
        "betweenness": nx.betweenness_centrality(G),
        "closeness": nx.closeness_centrality(G),
        "harmonic": nx.harmonic_centrality(G),
        "eigenvector": nx.eigenvector_centrality_numpy(G) if connected else None,
        "clustering": nx.clustering(G),
        "core_number": nx.core_number(G),
        "constraint": nx.constraint(G),
        "effective_size": nx.effective_size(G),
    }
    return res, connected


def ig_suite(n, edges):
    g = ig.Graph(n=n, edges=edges, directed=False)
    scale = (n - 1) * (n - 2) / 2.0 if n > 2 else 1.0
    ev = g.eigenvector_centrality(scale=False)
    norm = math.sqrt(sum(x * x for x in ev)) or 1.0
    return {
        "degree": g.degree(),
        "betweenness": [b / scale for b in g.betweenness(directed=False)],
        "closeness": g.closeness(normalized=True),
        "harmonic": g.harmonic_centrality(normalized=False),
        "eigenvector": [abs(x) / norm for x in ev],
        "clustering": g.transitivity_local_undirected(mode="zero"),
        "core_number": g.coreness(),
        "constraint": g.constraint(),
    }


def as_list(v, n):
    if isinstance(v, dict):
        return [v[i] for i in range(n)]
    return list(v)


def main():
    edges_path, values_path = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    nets = read_networks(edges_path)
    wecare = read_values(values_path)

    # igraph: median of REPS passes.
    times = []
    for _ in range(REPS):
        t = time.perf_counter()
        ig_out = [ig_suite(len(nodes), edges) for _, nodes, edges in nets]
        times.append(time.perf_counter() - t)
    ig_time = statistics.median(times)

    sample = nets if limit is None else nets[:limit]
    t = time.perf_counter()
    nx_out = [nx_suite(len(nodes), edges) for _, nodes, edges in sample]
    nx_time = (time.perf_counter() - t) * len(nets) / max(len(sample), 1)

    worst = {"networkx": defaultdict(float), "igraph": defaultdict(float)}
    compared = {"networkx": defaultdict(int), "igraph": defaultdict(int)}
    for i, (project, nodes, edges) in enumerate(nets):
        n = len(nodes)
        ours = {m: [wecare[(project, m)][x] for x in nodes] for m in METRICS}
        connected = n >= 3 and ig.Graph(n=n, edges=edges).is_connected()
        tools = [("igraph", ig_out[i])]
        if i < len(nx_out):
            tools.append(("networkx", nx_out[i][0]))
        for tool, res in tools:
            for m, v in res.items():
                if v is None or (tool == "igraph" and not connected and m in ("closeness", "eigenvector")):
                    continue
                v = as_list(v, n)
                for a, b in zip(ours[m], v):
                    if math.isnan(a) and (b is None or math.isnan(b)):
                        continue
                    if m == "constraint" and math.isnan(a):
                        continue
                    worst[tool][m] = max(worst[tool][m], abs(a - b))
                compared[tool][m] += 1
    summary = {
        "networks": len(nets),
        "igraph_seconds": ig_time,
        "networkx_seconds": nx_time,
        "networkx_networks_timed": len(sample),
        "versions": {"networkx": nx.__version__, "igraph": ig.__version__, "numpy": np.__version__},
        "max_abs_diff": {tool: dict(sorted(d.items())) for tool, d in worst.items()},
        "networks_compared": {tool: dict(sorted(d.items())) for tool, d in compared.items()},
    }
    print(json.dumps(summary, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
