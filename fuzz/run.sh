#!/usr/bin/env bash
# Fuzzing campaign for the engine's untrusted inputs (issue 12): each target for SECONDS (default
# 600), one after another, on stable Rust without a sanitizer. seeds/<target>/ holds the hand-made
# seed inputs (fixtures, the default and scaffolded pipelines and locks); the inputs a campaign
# finds that add coverage go to corpus/<target>/, minimised at the end (commit them). A crash
# stops the campaign and leaves artifacts/<target>/crash-*: turn it into a test, then fix it.
# Prints each target's executions, coverage and corpus size.
#   bash fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pipeline_toml lock ingest)
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo fuzz build -s none
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
        -print_final_stats=1 2> "logs/$t.log" || { tail -40 "logs/$t.log"; exit 1; }
    cargo fuzz cmin -s none "$t" "corpus/$t" -- -max_len=65536 > "logs/$t.cmin.log" 2>&1 || true
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo '?')"
    cov="$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 || true)"
    echo "$t: $runs executions in ${seconds}s, $cov, corpus $(ls "corpus/$t" | wc -l) files, crashes $(ls "artifacts/$t" | wc -l)"
done
