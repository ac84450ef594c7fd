#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Herald on its embedded default
# (SQLite under ./var, no Kafka). Extra args go to `herald serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/deps.sh
ops/build.sh
mkdir -p var
exec build/bin/herald serve -c config/herald.yaml "$@"
