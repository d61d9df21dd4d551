"""wecare's scale benchmark (issue 13). Run it with `bash bench/run.sh`, which builds the release
binary and the node-metric example and makes the virtual environment this script runs in.

Prints one table of medians and ratios and writes it to bench/results.md with the machine's core
count. It measures; it never fails on a time. Sections:
  1. the default project: cold full run and no-op run (REPS runs each), peak RSS;
  2. `wecare synth --projects N` then a full run, for each N in SIZES: wall time, peak RSS, the
     time of every stage, and time(largest)/time(smallest);
  3. the node-metric suite on the per-project wave-1 collaboration networks of the 2,000-project
     run, by wecare (1 thread and all), NetworkX and python-igraph, with the ratios and the
     largest difference between the tools' values;
  4. the permutation machinery of `answer_questions` at B = 10,000, 1 thread and all threads;
  5. no-op and status of the default pipeline against Snakemake and DVC running an equivalent
     three-stage pipeline (ingest → clean → metrics) of the same files.

Environment: REPS (default 5), SIZES (default "1000,2000,10000"), NX_LIMIT (NetworkX on the first
N networks only, scaled up; default all), SKIP (comma list of section numbers to skip).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "wecare")
SUITE = os.path.join(ROOT, "target", "release", "examples", "metric_suite")
REPS = int(os.environ.get("REPS", "5"))
SIZES = [int(x) for x in os.environ.get("SIZES", "1000,2000,10000").split(",") if x]
NX_LIMIT = os.environ.get("NX_LIMIT")
SKIP = {x for x in os.environ.get("SKIP", "").split(",") if x}
VENV_BIN = os.path.dirname(sys.executable)

lines = []


def say(text=""):
    print(text, flush=True)
    lines.append(text)


def timed(cmd, cwd=None, env=None, quiet=True):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS in MB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %M", "-o", tf.name, *cmd]
        out = subprocess.run(
            full,
            cwd=cwd,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None,
            text=True,
        ).stdout
        wall, rss = tf.read().split()[-2:]
    return float(wall), int(rss) / 1024.0, out


def wall_ms(cmd, cwd=None, reps=REPS, env=None):
    """Median wall time in ms of `reps` runs, timed in-process (finer than /usr/bin/time)."""
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def stage_seconds(project, last=1):
    """Median seconds per stage that ran, over the last `last` runs in .wecare/runs.jsonl."""
    with open(os.path.join(project, ".wecare", "runs.jsonl")) as f:
        runs = [json.loads(line) for line in f][-last:]
    per = {}
    for r in runs:
        for s in r["stages"]:
            if s["outcome"] == "ran" and s["seconds"] is not None:
                per.setdefault(s["stage"], []).append(s["seconds"])
    return {k: statistics.median(v) for k, v in sorted(per.items())}


def copy_default(dst):
    os.makedirs(dst)
    shutil.copy(os.path.join(ROOT, "pipeline.toml"), dst)
    shutil.copytree(os.path.join(ROOT, "data"), os.path.join(dst, "data"))


def section_default(work):
    say("## 1. Default project (22 projects)")
    p = os.path.join(work, "default")
    copy_default(p)
    colds, rss = [], []
    for _ in range(REPS):
        subprocess.run([BIN, "-q", "-C", p, "clean"], check=True, stdout=subprocess.DEVNULL)
        w, m, _ = timed([BIN, "-q", "-C", p, "run"])
        colds.append(w)
        rss.append(m)
    noop = wall_ms([BIN, "-q", "-C", p, "run"], reps=max(REPS, 20))
    status = wall_ms([BIN, "-q", "-C", p, "status"], reps=max(REPS, 20))
    _, noop_rss, _ = timed([BIN, "-q", "-C", p, "run"])
    say("| measure | median | peak RSS |")
    say("|---|---|---|")
    say(f"| cold full run ({REPS} runs) | {statistics.median(colds):.2f} s | {max(rss):.0f} MB |")
    say(f"| no-op run ({max(REPS, 20)} runs) | {noop:.1f} ms | {noop_rss:.0f} MB |")
    say(f"| status ({max(REPS, 20)} runs) | {status:.1f} ms | |")
    say()
    return p, noop, status


def section_sizes(work):
    say("## 2. Generated programmes: `wecare synth --projects N`, then a full run")
    results = {}
    for n in SIZES:
        p = os.path.join(work, f"n{n}")
        os.makedirs(p)
        shutil.copy(os.path.join(ROOT, "pipeline.toml"), p)
        synth_wall, synth_rss, _ = timed([BIN, "-q", "-C", p, "synth", "--projects", str(n)])
        wall, rss, _ = timed([BIN, "-q", "-C", p, "run"])
        # The stage times of the full run, read before the no-op runs append their records.
        per_stage = stage_seconds(p)
        noop = wall_ms([BIN, "-q", "-C", p, "run"], reps=REPS)
        results[n] = (p, synth_wall, wall, rss, noop, per_stage)
        say(f"- N = {n}: synth {synth_wall:.1f} s ({synth_rss:.0f} MB); full run {wall:.1f} s, peak RSS {rss:.0f} MB; no-op {noop:.1f} ms")
    stages = sorted({s for r in results.values() for s in r[5]})
    say()
    say("| stage | " + " | ".join(f"N = {n}" for n in SIZES) + " |")
    say("|---|" + "---|" * len(SIZES))
    for s in stages:
        say(f"| {s} | " + " | ".join(f"{results[n][5].get(s, float('nan')):.2f} s" for n in SIZES) + " |")
    say("| **whole run (wall)** | " + " | ".join(f"**{results[n][2]:.1f} s**" for n in SIZES) + " |")
    say("| peak RSS | " + " | ".join(f"{results[n][3]:.0f} MB" for n in SIZES) + " |")
    if len(SIZES) >= 2:
        lo, hi = min(SIZES), max(SIZES)
        say()
        say(f"time({hi:,})/time({lo:,}) = {results[hi][2] / results[lo][2]:.2f} (linear would be {hi / lo:.0f})")
    say()
    return results


def section_metrics(work, sizes):
    say("## 3. Node-metric suite: wecare vs NetworkX vs python-igraph")
    n = 2000 if 2000 in sizes else max(sizes)
    ties = os.path.join(sizes[n][0], "outputs", "clean_actors", "ties.parquet")
    edges = os.path.join(work, "edges.csv")
    values = os.path.join(work, "wecare_values.csv")
    say("    " + subprocess.run([SUITE, "export", ties, edges], check=True, capture_output=True, text=True).stdout.strip())
    out = subprocess.run([SUITE, "run", edges, values, str(REPS)], check=True, capture_output=True, text=True).stdout
    say("    " + out.strip().replace("\n", "\n    "))
    serial = float(out.split("1 thread: median ")[1].split(" s")[0])
    parallel = float(out.split("threads: median ")[1].split(" s")[0])
    cmd = [sys.executable, os.path.join(ROOT, "bench", "metric_suite.py"), edges, values]
    if NX_LIMIT:
        cmd.append(NX_LIMIT)
    summary = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    nx_s, ig_s = summary["networkx_seconds"], summary["igraph_seconds"]
    timed_note = "" if summary["networkx_networks_timed"] == summary["networks"] else f" (timed on {summary['networkx_networks_timed']} networks, scaled)"
    say()
    say(f"{summary['networks']} networks (wave-1 collaboration of the {n:,}-project run); versions {summary['versions']}")
    say()
    say("| tool | seconds | wecare (1 thread) / tool |")
    say("|---|---|---|")
    say(f"| wecare, 1 thread | {serial:.3f} | 1.00 |")
    say(f"| wecare, all threads | {parallel:.3f} | {serial / parallel:.2f} (speed-up) |")
    say(f"| python-igraph | {ig_s:.3f} | {serial / ig_s:.3f} |")
    say(f"| NetworkX{timed_note} | {nx_s:.1f} | {serial / nx_s:.5f} |")
    say()
    say("Largest absolute difference from wecare's values (networks compared):")
    for tool in ("networkx", "igraph"):
        diffs = summary["max_abs_diff"][tool]
        counts = summary["networks_compared"][tool]
        say(f"- {tool}: " + ", ".join(f"{m} {d:.1e} ({counts[m]})" for m, d in diffs.items()))
    say()


def section_permutations(work, default):
    say("## 4. Permutation machinery: `answer_questions` at B = 10,000")
    res = {}
    for label, threads in (("1 thread", "1"), ("all threads", None)):
        env = dict(os.environ)
        if threads:
            env["RAYON_NUM_THREADS"] = threads
            env["POLARS_MAX_THREADS"] = threads
        else:
            env.pop("RAYON_NUM_THREADS", None)
            env.pop("POLARS_MAX_THREADS", None)
        times = []
        for _ in range(REPS):
            subprocess.run([BIN, "-q", "-C", default, "run", "--force", "answer_questions"], env=env, check=True, stdout=subprocess.DEVNULL)
            times.append(stage_seconds(default)["answer_questions"])
        res[label] = statistics.median(times)
    say("| threads | median stage seconds |")
    say("|---|---|")
    for k, v in res.items():
        say(f"| {k} | {v:.2f} |")
    say(f"\nspeed-up all/1 = {res['1 thread'] / res['all threads']:.2f} on {os.cpu_count()} cores")
    say()


SNAKEFILE = """
rule all:
    input: "outputs/compute_metrics/node_metrics.parquet"

rule ingest_waves:
    input: expand("data/raw/{f}", f=["wave1.csv", "wave2.xlsx", "wave3.csv", "roster1.csv", "roster2.csv", "roster3.csv"]), "data/projects.csv"
    output: "outputs/ingest_waves/ties_raw.parquet", "outputs/ingest_waves/roster.parquet"
    shell: "wecare run ingest_waves"

rule clean_actors:
    input: "outputs/ingest_waves/ties_raw.parquet", "outputs/ingest_waves/roster.parquet", "data/aliases.csv", "data/enti_gestori.csv"
    output: "outputs/clean_actors/ties.parquet", "outputs/clean_actors/actors.parquet"
    shell: "wecare run clean_actors"

rule compute_metrics:
    input: "outputs/clean_actors/ties.parquet", "outputs/clean_actors/actors.parquet", "data/projects.csv"
    output: "outputs/compute_metrics/node_metrics.parquet"
    shell: "wecare run compute_metrics"
"""


def section_orchestrators(work, wecare_noop, wecare_status):
    say("## 5. No-op and status: wecare vs Snakemake vs DVC")
    p = os.path.join(work, "orchestrators")
    copy_default(p)
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(BIN) + os.pathsep + VENV_BIN + os.pathsep + env["PATH"]
    subprocess.run([BIN, "-q", "-C", p, "run", "compute_metrics"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(p, "Snakefile"), "w") as f:
        f.write(SNAKEFILE)
    snakemake = os.path.join(VENV_BIN, "snakemake")
    dvc = os.path.join(VENV_BIN, "dvc")
    # Snakemake: outputs newer than inputs → nothing to do.
    subprocess.run([snakemake, "--cores", "1", "--touch", "--quiet"], cwd=p, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sm_noop = wall_ms([snakemake, "--cores", "1", "--quiet"], cwd=p, env=env)
    sm_status = wall_ms([snakemake, "--cores", "1", "--dry-run", "--quiet"], cwd=p, env=env)
    # DVC: the same three stages, committed, then `repro` and `status` with nothing changed.
    subprocess.run([dvc, "init", "--no-scm", "-q"], cwd=p, env=env, check=True)
    subprocess.run([dvc, "config", "core.analytics", "false"], cwd=p, env=env, check=True)
    raw = ["data/raw/" + f for f in ["wave1.csv", "wave2.xlsx", "wave3.csv", "roster1.csv", "roster2.csv", "roster3.csv"]]
    stages = [
        ("ingest_waves", raw + ["data/projects.csv"], ["outputs/ingest_waves/ties_raw.parquet", "outputs/ingest_waves/roster.parquet"]),
        ("clean_actors", ["outputs/ingest_waves/ties_raw.parquet", "outputs/ingest_waves/roster.parquet", "data/aliases.csv", "data/enti_gestori.csv"], ["outputs/clean_actors/ties.parquet", "outputs/clean_actors/actors.parquet"]),
        ("compute_metrics", ["outputs/clean_actors/ties.parquet", "outputs/clean_actors/actors.parquet", "data/projects.csv"], ["outputs/compute_metrics/node_metrics.parquet"]),
    ]
    for name, deps, outs in stages:
        cmd = [dvc, "stage", "add", "-q", "-n", name]
        for d in deps:
            cmd += ["-d", d]
        for o in outs:
            cmd += ["-O", o]
        cmd.append(f"wecare run {name}")
        subprocess.run(cmd, cwd=p, env=env, check=True)
    subprocess.run([dvc, "commit", "-q", "-f"], cwd=p, env=env, check=True)
    dvc_noop = wall_ms([dvc, "repro", "-q"], cwd=p, env=env)
    dvc_status = wall_ms([dvc, "status", "-q"], cwd=p, env=env)
    w3_noop = wall_ms([BIN, "-q", "-C", p, "run", "compute_metrics"], reps=max(REPS, 20))
    w3_status = wall_ms([BIN, "-q", "-C", p, "status"], reps=max(REPS, 20))
    versions = subprocess.run([snakemake, "--version"], capture_output=True, text=True).stdout.strip()
    dvc_version = subprocess.run([dvc, "--version"], capture_output=True, text=True, env=env).stdout.strip()
    say(f"Snakemake {versions}, DVC {dvc_version}; medians of {REPS} runs (wecare: 20).")
    say()
    say("| tool | no-op (ms) | status (ms) | no-op ratio tool / wecare |")
    say("|---|---|---|---|")
    say(f"| wecare, same three stages | {w3_noop:.1f} | {w3_status:.1f} | 1.0 |")
    say(f"| wecare, whole default pipeline | {wecare_noop:.1f} | {wecare_status:.1f} | |")
    say(f"| Snakemake (`--cores 1`, `--dry-run`) | {sm_noop:.0f} | {sm_status:.0f} | {sm_noop / w3_noop:.0f} |")
    say(f"| DVC (`repro`, `status`) | {dvc_noop:.0f} | {dvc_status:.0f} | {dvc_noop / w3_noop:.0f} |")
    say()


def main():
    cores = os.cpu_count()
    say("# wecare scale benchmark")
    say()
    say(f"Machine: {cores} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
        f"`bash bench/run.sh` (REPS={REPS}, SIZES={','.join(map(str, SIZES))}); medians unless said. "
        "The data are synthetic (`wecare synth`).")
    say()
    work = tempfile.mkdtemp(prefix="wecare-bench-")
    try:
        default, noop, status = section_default(work) if "1" not in SKIP else (None, float("nan"), float("nan"))
        if default is None:
            default = os.path.join(work, "default")
            copy_default(default)
            subprocess.run([BIN, "-q", "-C", default, "run"], check=True)
        sizes = section_sizes(work) if "2" not in SKIP else {}
        if "3" not in SKIP and sizes:
            section_metrics(work, sizes)
        if "4" not in SKIP:
            section_permutations(work, default)
        if "5" not in SKIP:
            section_orchestrators(work, noop, status)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(ROOT, "bench", "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\nwritten to bench/results.md")


if __name__ == "__main__":
    main()
