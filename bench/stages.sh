#!/usr/bin/env bash
# Stage benchmarks (issues 7, 8): prints medians and peak memory, never fails on time.
#   - every stage of the default project, forced, REPS runs (median seconds per stage)
#   - a full run on N generated projects (default 2,000): seconds per stage and peak RSS
# Usage: bash bench/stages.sh            (REPS=5, PROJECTS=2000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN="$PWD/target/release/wecare"
REPS="${REPS:-5}"
PROJECTS="${PROJECTS:-2000}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

per_stage() { # project dir, runs → median seconds per stage from .wecare/runs.jsonl
  python3 - "$1/.wecare/runs.jsonl" "$2" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])][-int(sys.argv[2]):]
stages = sorted({s["stage"] for r in runs for s in r["stages"] if s["outcome"] == "ran"})
for st in stages:
    t = [s["seconds"] for r in runs for s in r["stages"] if s["stage"] == st and s["outcome"] == "ran"]
    print(f"  {st:<28} median {statistics.median(t):8.3f} s  ({len(t)} runs)")
print(f"  {'whole run (wall)':<28} median {statistics.median(r['wall_seconds'] for r in runs):8.3f} s")
PY
}

mkdir -p "$work/default" && cp -r pipeline.toml data "$work/default/"
for _ in $(seq "$REPS"); do "$BIN" -q -C "$work/default" run --force; done
echo "machine: $(nproc) cores"
echo "default project (22 projects), $REPS forced runs:"
per_stage "$work/default" "$REPS"

big="$work/big"; mkdir -p "$big"; cp pipeline.toml "$big/"
"$BIN" -q -C "$big" synth --projects "$PROJECTS" >/dev/null
/usr/bin/time -f "%M" -o "$work/rss" "$BIN" -q -C "$big" run
echo "$PROJECTS generated projects, one cold run:"
per_stage "$big" 1
echo "  peak RSS $(( $(cat "$work/rss") / 1024 )) MB"
