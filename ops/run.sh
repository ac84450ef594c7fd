#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Herald on its embedded default
# (SQLite under ./var, no Kafka). Extra args go to `herald serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/deps.sh
ops/build.sh
mkdir -p var
# The gateway signs and checks client tokens with this secret; made once, kept private.
if [ ! -s var/jwt.secret ]; then
  (umask 077 && openssl rand -hex 32 > var/jwt.secret)
fi
exec build/bin/herald serve -c config/herald.yaml "$@"
