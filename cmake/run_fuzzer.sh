#!/usr/bin/env bash
# Runs one libFuzzer binary for a bounded time over a copy of its committed seed corpus.
# Usage: run_fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 secs=$4
rm -rf "$work"; mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
# First replay every seed (regression inputs included), then explore.
"$fuzzer" -runs=0 "$work/corpus" >"$work/replay.log" 2>&1 || { cat "$work/replay.log"; exit 1; }
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
     -artifact_prefix="$work/artifacts/" "$work/corpus"
