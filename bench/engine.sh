#!/usr/bin/env bash
# Engine benchmarks (issue 2): prints medians, never fails on time.
#   - a no-op `wecare run` on the default project (target ≤ 30 ms)
#   - `wecare status` on a generated 200-stage pipeline (target ≤ 100 ms)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN="$PWD/target/release/wecare"
REPS="${REPS:-30}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median_ms() { # command... → median wall time in ms over $REPS runs
  python3 - "$REPS" "$@" <<'PY'
import statistics, subprocess, sys, time
reps = int(sys.argv[1]); cmd = sys.argv[2:]
times = []
for _ in range(reps):
    t = time.perf_counter(); subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(times):.1f}")
PY
}

cp -r pipeline.toml data "$work/" && mkdir -p "$work/default" && mv "$work/pipeline.toml" "$work/data" "$work/default/"
"$BIN" -q -C "$work/default" run
noop=$(median_ms "$BIN" -q -C "$work/default" run)

big="$work/big"; mkdir -p "$big"; cp -r data "$big/"
python3 - pipeline.toml "$big/pipeline.toml" <<'PY'
import sys
# The default pipeline plus describe_waves stages until there are 200 stages in all.
base = open(sys.argv[1]).read()
have = base.count("\n[stages.")
groupable = ["wave", "project", "relation", "respondent_type", "alter_type"]
lines = [base, ""]
for i in range(200 - have):
    by = list(dict.fromkeys([groupable[i % 5], groupable[(i // 5) % 5]]))
    lines += [f'[stages.describe_{i:03d}]', 'kind = "describe_waves"',
              'inputs = { ties = "ingest_waves.ties_raw" }', 'params = { by = [%s] }' % ", ".join(f'"{b}"' for b in by), '']
open(sys.argv[2], "w").write("\n".join(lines))
PY
"$BIN" -q -C "$big" run
status=$(median_ms "$BIN" -q -C "$big" status)
stale_status=$(median_ms "$BIN" -q -C "$big" status --json)

echo "machine: $(nproc) cores; $REPS repetitions each"
echo "no-op wecare run, default project:      median ${noop} ms (target ≤ 30)"
echo "wecare status, 200-stage pipeline:        median ${status} ms (target ≤ 100)"
echo "wecare status --json, 200-stage pipeline: median ${stale_status} ms"
