#!/usr/bin/env bash
# The scale benchmark (issue 13): one command, prints one table of medians and ratios and writes
# it to bench/results.md. Not part of the tests; it measures and never fails on a time.
#   bash bench/run.sh                      (REPS=5, SIZES=1000,2000,10000)
#   SIZES=1000,2000 NX_LIMIT=200 bash bench/run.sh   (quicker)
# Needs python3 with venv; installs NetworkX, python-igraph, Snakemake and DVC (pinned) into
# target/bench-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin wecare
cargo build --release --locked --quiet -p wecare-stages --example metric_suite
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  networkx==3.6.1 python-igraph==1.0.0 numpy==2.4.6 scipy==1.17.1 snakemake==9.27.1 dvc==3.67.1
exec "$VENV/bin/python" bench/harness.py
