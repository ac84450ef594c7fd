#!/usr/bin/env bash
# Cluster-mode cost, side by side in one run (docs/cluster.md): IM p2p over MQTT (QoS 1, every message
# stored) against a single embedded node, then against one node of a three-node cluster on librdkafka's
# mock cluster (every node applies every message). Same load generator, same config otherwise.
#
#   ops/bench-cluster.sh [--pairs N] [--duration S]      about a minute with the defaults
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PAIRS=100
DURATION=10
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    *) echo "usage: ops/bench-cluster.sh [--pairs N] [--duration S]" >&2; exit 2 ;;
  esac
  shift
done
BIN=$ROOT/build/bin
PLUGINS=$ROOT/build/lib/herald/plugins
for b in herald herald-bench herald-kafka-mock; do
  [ -x "$BIN/$b" ] || { echo "ops/bench-cluster.sh: $BIN/$b missing: run ops/build.sh first" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

RUN=$(mktemp -d /tmp/herald-bench-cluster.XXXXXX)
OUT=$ROOT/build/bench-cluster
mkdir -p "$OUT"
SCRIPT=ops/bench-cluster.sh
source ops/bench/processes.sh
(umask 077 && openssl rand -hex 32 > "$RUN/jwt.secret")

# The mock cluster runs until its stdin closes: a FIFO held open by this script.
mkfifo "$RUN/kafka.in"
"$BIN/herald-kafka-mock" herald.log:1 herald.presence:1 < "$RUN/kafka.in" > "$RUN/kafka.out" 2>"$RUN/kafka.log" &
PIDS+=("$!")
exec 9>"$RUN/kafka.in"
for _ in $(seq 1 100); do grep -q '^bootstrap ' "$RUN/kafka.out" 2>/dev/null && break; sleep 0.1; done
BOOTSTRAP=$(awk '/^bootstrap /{print $2}' "$RUN/kafka.out")
[ -n "$BOOTSTRAP" ] || { echo "ops/bench-cluster.sh: the mock cluster printed no bootstrap servers" >&2; exit 1; }

start_node() {  # start_node NAME CLUSTER(0|1): starts herald, sets NODE_PID and NODE_PORT
  local name=$1 cluster=$2 mqtt bin metrics
  mqtt=$(free_port); bin=$(free_port); metrics=$(free_port)
  mkdir -p "$RUN/$name"
  sed -e "s|@DIR@|$RUN/$name|g" -e "s|@PLUGINS@|$PLUGINS|" -e "s|@MQTT_PORT@|$mqtt|" -e "s|@BINARY_PORT@|$bin|" \
      -e "s|@METRICS_PORT@|$metrics|" -e "s|node_id: bench-1|node_id: $name|" \
      -e "s|secret_file: $RUN/$name/jwt.secret|secret_file: $RUN/jwt.secret|" ops/bench/herald.yaml > "$RUN/$name.yaml"
  if [ "$cluster" = 1 ]; then
    /usr/bin/python3 - "$RUN/$name.yaml" "$BOOTSTRAP" <<'PY'
import sys
path, bootstrap = sys.argv[1], sys.argv[2]
text = open(path).read().replace("plugins:\n", f"""plugins:
  - name: im
    config:
      replicated: true
  - name: kafka
    config: {{bootstrap_servers: "{bootstrap}", fetch_wait: 1ms}}
""", 1)
open(path, "w").write(text)
PY
  fi
  HERALD_PLUGIN_PATH=$PLUGINS "$BIN/herald" serve -c "$RUN/$name.yaml" > "$RUN/$name.log" 2>&1 &
  NODE_PID=$!; PIDS+=("$NODE_PID"); NODE_PORT=$mqtt
  wait_port "$mqtt" "$NODE_PID" "$name"
}

bench() {  # bench NAME PID PORT
  echo "== $1"
  "$BIN/herald-bench" --threads 2 --warmup 2 --duration "$DURATION" --window 8 --label "$1" \
      --host 127.0.0.1 --port "$3" --topics im --scenario p2p --clients "$PAIRS" --user-prefix "$1u" \
      --jwt-secret-file "$RUN/jwt.secret" --server-pid "$2" --json "$OUT/$1.json"
}

echo "ops/bench-cluster.sh: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $PAIRS pairs, ${DURATION}s"
start_node single 0; SINGLE_PID=$NODE_PID; SINGLE_PORT=$NODE_PORT
bench single "$SINGLE_PID" "$SINGLE_PORT"
kill "$SINGLE_PID"; wait "$SINGLE_PID" 2>/dev/null || true
start_node node1 1; N1_PID=$NODE_PID; N1_PORT=$NODE_PORT
start_node node2 1
start_node node3 1
bench cluster "$N1_PID" "$N1_PORT"

/usr/bin/python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
s, c = (json.load(open(os.path.join(out, f"{n}.json"))) for n in ("single", "cluster"))
def lat(r, q):
    return r.get("latency_us", {}).get(q, float("nan")) / 1000.0
print(f"{'':24}{'single node':>14}{'3-node cluster':>16}{'ratio':>8}")
print(f"{'msgs/s':24}{s['msgs_per_s']:>14.0f}{c['msgs_per_s']:>16.0f}{c['msgs_per_s'] / max(s['msgs_per_s'], 1):>8.2f}")
for q in ("p50", "p99"):
    print(f"{'latency ' + q + ' (ms)':24}{lat(s, q):>14.2f}{lat(c, q):>16.2f}{lat(c, q) / max(lat(s, q), 1e-9):>8.2f}")
PY
