#!/usr/bin/env bash
# Stage times of the default pipeline on a large generated programme (issue 9): prints each
# stage's wall time from `wecare run`, never fails on time.
#   PROJECTS=2000 bash bench/stages.sh      (default 2000 projects; JOBS=N worker threads)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN="$PWD/target/release/wecare"
PROJECTS="${PROJECTS:-2000}"
JOBS="${JOBS:-$(nproc)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp pipeline.toml "$work/"
/usr/bin/time -f "synth: %es, max RSS %M KB" "$BIN" -q -C "$work" synth --projects "$PROJECTS"
echo "machine: $(nproc) cores; $PROJECTS projects; -j $JOBS"
/usr/bin/time -f "whole run: %es, max RSS %M KB" "$BIN" -C "$work" run -j "$JOBS" | grep -E '^(done|[0-9]+ run)'
