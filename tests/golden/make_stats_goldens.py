#!/usr/bin/env python3
"""Golden values for the shared statistics module (stages/src/stats.rs).

Run from anywhere:  python3 tests/golden/make_stats_goldens.py
It creates the virtual environment /tmp/wecare-golden-venv when absent, installs the pinned
versions below into it, re-runs itself inside it and (re)writes tests/golden/stats/*.json.
The output is deterministic: same versions -> same bytes.

JSON conventions (read by stages/src/stats/golden_tests.rs):
- keys sorted, floats written with Python's repr (shortest round-trip form);
- NaN is written as the string "NaN" and infinity as "inf" (JSON has neither);
- every input is in the file next to the value computed from it.
See tests/golden/README.md for what each value is computed with.
"""

import json
import math
import os
import subprocess
import sys

VENV = "/tmp/wecare-golden-venv"
PINS = [
    "scipy==1.17.1",
    "numpy==2.4.6",
    "statsmodels==0.14.5",
    "pandas==2.3.3",
    "patsy==1.0.3",
]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "stats")


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

import numpy as np  # noqa: E402
import pandas  # noqa: E402
import scipy  # noqa: E402
import statsmodels  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402


def clean(v):
    """Floats to plain Python floats; NaN and infinities to strings."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, (np.floating, float)):
        v = float(v)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def correlation_cases():
    """Pairs with ties, ordinal and binary variables, n from 5 to 40."""
    rng = np.random.default_rng(20171)
    cases = []
    for name, n, kind in [
        ("continuous_22", 22, "continuous"),
        ("rounded_ties_22", 22, "rounded"),
        ("ordinal_0_3_22", 22, "ordinal"),
        ("binary_22", 22, "binary"),
        ("small_5", 5, "continuous"),
        ("ties_40", 40, "rounded"),
    ]:
        latent = rng.normal(size=n)
        x = latent + rng.normal(size=n)
        y = 0.6 * latent + rng.normal(size=n)
        if kind == "rounded":
            x, y = np.round(x), np.round(y * 2) / 2
        elif kind == "ordinal":
            y = np.digitize(y, [-0.8, 0.3, 1.2]).astype(float)
        elif kind == "binary":
            y = (y > 0.2).astype(float)
        x = [float(round(v, 6)) for v in x]
        y = [float(v) for v in y]
        # controls for the partial correlation: two covariates
        z1 = [float(round(v, 6)) for v in rng.normal(size=n) + 0.3 * np.array(x)]
        z2 = [float(v) for v in rng.integers(8, 40, size=n)]
        rho = stats.spearmanr(x, y).statistic
        tau = stats.kendalltau(x, y, variant="b").statistic
        r = stats.pearsonr(x, y).statistic
        # partial Spearman: correlation of the OLS residuals of the ranks on the ranks of the controls
        rx, ry = stats.rankdata(x), stats.rankdata(y)
        Z = np.column_stack([np.ones(n), stats.rankdata(z1), stats.rankdata(z2)])
        res = lambda v: v - Z @ np.linalg.lstsq(Z, v, rcond=None)[0]  # noqa: E731
        partial = np.corrcoef(res(rx), res(ry))[0, 1]
        cases.append(
            {
                "name": name,
                "x": x,
                "y": y,
                "z1": z1,
                "z2": z2,
                "spearman": rho,
                "kendall_tau_b": tau,
                "pearson": r,
                "ranks_x": list(rx),
                "partial_spearman": partial,
            }
        )
    return cases


def fisher_cases():
    tables = [
        [3, 5, 4, 50],
        [8, 2, 1, 5],
        [0, 5, 6, 3],
        [10, 10, 10, 10],
        [1, 9, 11, 3],
        [7, 4, 4, 7],
        [12, 0, 3, 7],
        [2, 9, 9, 2],
    ]
    out = []
    for t in tables:
        res = stats.fisher_exact([[t[0], t[1]], [t[2], t[3]]], alternative="two-sided")
        out.append({"table": t, "odds_ratio": res.statistic, "p_value": res.pvalue})
    return out


def multitest_cases():
    rng = np.random.default_rng(7)
    out = []
    for name, p in [
        ("mixed_12", np.concatenate([rng.uniform(0, 0.05, 4), rng.uniform(0, 1, 8)])),
        ("with_ties", np.array([0.01, 0.01, 0.02, 0.5, 0.04, 0.04, 0.9])),
        ("single", np.array([0.03])),
    ]:
        p = [float(round(v, 8)) for v in p]
        out.append(
            {
                "name": name,
                "p": p,
                "holm": list(multipletests(p, method="holm")[1]),
                "bh": list(multipletests(p, method="fdr_bh")[1]),
            }
        )
    return out


def logistic_cases():
    rng = np.random.default_rng(2021)
    out = []
    # 0/1 data: intercept + 3 covariates (one binary, one count, one continuous)
    n = 300
    born = rng.integers(0, 2, n).astype(float)
    closure = rng.integers(0, 4, n).astype(float)
    z = np.round(rng.normal(size=n), 4)
    eta = -0.7 - 0.8 * born + 0.3 * closure + 0.5 * z
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    X = np.column_stack([np.ones(n), born, closure, z])
    fit = sm.Logit(y, X).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
    out.append(
        {
            "name": "binary_300",
            "x": X.tolist(),
            "successes": y.tolist(),
            "trials": [1.0] * n,
            "coef": list(fit.params),
            "se": list(fit.bse),
            "log_likelihood": fit.llf,
        }
    )
    # binomial counts: 40 groups, successes out of trials (GLM with a two-column endog)
    g = 40
    a = rng.integers(0, 2, g).astype(float)
    b = np.round(rng.normal(size=g), 3)
    trials = rng.integers(1, 30, g).astype(float)
    p = 1 / (1 + np.exp(-(0.2 + 0.9 * a - 0.4 * b)))
    succ = rng.binomial(trials.astype(int), p).astype(float)
    Xg = np.column_stack([np.ones(g), a, b])
    glm = sm.GLM(np.column_stack([succ, trials - succ]), Xg, family=sm.families.Binomial())
    gfit = glm.fit(method="IRLS", tol=1e-14, maxiter=200)
    mu = gfit.fittedvalues
    ll = float(np.sum(succ * np.log(mu) + (trials - succ) * np.log(1 - mu)))
    out.append(
        {
            "name": "grouped_40",
            "x": Xg.tolist(),
            "successes": succ.tolist(),
            "trials": trials.tolist(),
            "coef": list(gfit.params),
            "se": list(gfit.bse),
            "log_likelihood": ll,
        }
    )
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    versions = {
        "python": ".".join(map(str, sys.version_info[:3])),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        "pandas": pandas.__version__,
    }
    files = {
        "correlations": correlation_cases(),
        "fisher": fisher_cases(),
        "multitest": multitest_cases(),
        "logistic": logistic_cases(),
    }
    for name, cases in files.items():
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(clean({"versions": versions, "cases": cases}), f, sort_keys=True, indent=1, allow_nan=False)
            f.write("\n")
        print("wrote", os.path.relpath(path, os.path.dirname(os.path.dirname(HERE))))


if __name__ == "__main__":
    main()
