#!/usr/bin/env bash
# Side-by-side benchmark (issue #11): starts Debian's mosquitto (persistence on), herald (embedded
# default, storage on) and the raw relay on loopback ports picked now, runs every scenario against
# each with the same load generator (build/bin/herald-bench), prints ratios and writes JSON.
#
#   ops/bench.sh [--quick] [--out DIR]     full run < 10 min, --quick < 2 min
#
# Results: DIR/<scenario>-<server>.json per run, DIR/bench.json (all runs, ratios, machine load) and
# DIR/bench.md (the same as Markdown tables, for docs/performance.md).
# docs/performance.md explains the method and records the latest figures.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0
OUT=$ROOT/build/bench
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: ops/bench.sh [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
BIN=$ROOT/build/bin
for b in herald herald-bench herald-relay; do
  [ -x "$BIN/$b" ] || { echo "ops/bench.sh: $BIN/$b missing: run ops/build.sh first" >&2; exit 1; }
done
command -v mosquitto >/dev/null || { echo "ops/bench.sh: mosquitto not installed (ops/deps.sh)" >&2; exit 1; }

# Every server and the load generator hold one descriptor per connection: raise the soft limit to the
# hard one (raising the hard limit itself needs CAP_SYS_RESOURCE; idle is sized to what we get).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)

if [ "$QUICK" = 1 ]; then
  WARMUP=1; DURATION=3; PAIRS=100; FANOUT=1000; IDLE=2000; BIN_PAIRS=100; RECONNECT=200; GROUP=100; SENDERS=4
else
  WARMUP=2; DURATION=10; PAIRS=500; FANOUT=10000; IDLE=100000; BIN_PAIRS=500; RECONNECT=1000; GROUP=500; SENDERS=10
fi
IDLE_MAX=$((NOFILE - 1000))
[ "$IDLE" -gt "$IDLE_MAX" ] && IDLE=$IDLE_MAX
WINDOW=8

RUN=$(mktemp -d /tmp/herald-bench.XXXXXX)
mkdir -p "$OUT" "$RUN/mosquitto"
rm -f "$OUT"/*.json
SCRIPT=ops/bench.sh
source ops/bench/processes.sh

MOSQ_PORT=$(free_port); HERALD_MQTT=$(free_port); HERALD_BIN=$(free_port); METRICS=$(free_port); RELAY_PORT=$(free_port)
(umask 077 && openssl rand -hex 32 > "$RUN/jwt.secret")
sed -e "s|@PORT@|$MOSQ_PORT|" -e "s|@DIR@|$RUN/mosquitto|" ops/bench/mosquitto.conf > "$RUN/mosquitto.conf"
sed -e "s|@DIR@|$RUN|g" -e "s|@PLUGINS@|$ROOT/build/lib/herald/plugins|" -e "s|@MQTT_PORT@|$HERALD_MQTT|" \
    -e "s|@BINARY_PORT@|$HERALD_BIN|" -e "s|@METRICS_PORT@|$METRICS|" ops/bench/herald.yaml > "$RUN/herald.yaml"

mosquitto -c "$RUN/mosquitto.conf" > "$RUN/mosquitto.log" 2>&1 &
MOSQ_PID=$!; PIDS+=("$MOSQ_PID")
HERALD_PLUGIN_PATH=$ROOT/build/lib/herald/plugins "$BIN/herald" serve -c "$RUN/herald.yaml" > "$RUN/herald.log" 2>&1 &
HERALD_PID=$!; PIDS+=("$HERALD_PID")
"$BIN/herald-relay" --listen "127.0.0.1:$RELAY_PORT" > "$RUN/relay.log" 2>&1 &
RELAY_PID=$!; PIDS+=("$RELAY_PID")
wait_port "$MOSQ_PORT" "$MOSQ_PID" mosquitto
wait_port "$HERALD_MQTT" "$HERALD_PID" herald
wait_port "$HERALD_BIN" "$HERALD_PID" herald
wait_port "$RELAY_PORT" "$RELAY_PID" relay

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "ops/bench.sh: $( [ "$QUICK" = 1 ] && echo quick || echo full ) run, $(nproc) cores, load $LOAD_BEFORE, nofile $NOFILE"
echo "  mosquitto pid $MOSQ_PID :$MOSQ_PORT   herald pid $HERALD_PID :$HERALD_MQTT (binary :$HERALD_BIN)   relay pid $RELAY_PID :$RELAY_PORT"

# Each run gets its own block of source addresses (127.<n>.0.1 ...) and user ids, so TIME_WAIT
# sockets and stored sessions of one run never meet the next.
RUN_NO=0
bench() {  # bench NAME SERVER_PID ARGS...: one herald-bench run, JSON to $OUT/NAME.json
  local name=$1 pid=$2; shift 2
  RUN_NO=$((RUN_NO + 1))
  echo "== $name"
  "$BIN/herald-bench" --threads 2 --warmup "$WARMUP" --duration "$DURATION" --window "$WINDOW" \
      --bind-first "127.$RUN_NO.0.1" --sources 8 --user-prefix "r${RUN_NO}u" \
      --jwt-secret-file "$RUN/jwt.secret" --server-pid "$pid" --json "$OUT/$name.json" "$@" \
    || echo "ops/bench.sh: $name failed (exit $?)"
}
peak() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["msgs_per_s"])' "$1" 2>/dev/null || echo 0; }

MOSQ=(--host 127.0.0.1 --port "$MOSQ_PORT")
HMQTT=(--host 127.0.0.1 --port "$HERALD_MQTT")

# Idle first: on fresh servers the RSS growth is the connections' own, not memory freed by earlier runs.
bench idle-mosquitto "$MOSQ_PID" --label mosquitto "${MOSQ[@]}" --scenario idle --clients "$IDLE" --clean-session 1
bench idle-herald "$HERALD_PID" --label herald "${HMQTT[@]}" --scenario idle --clients "$IDLE" --clean-session 1
bench p2p-mosquitto "$MOSQ_PID" --label mosquitto "${MOSQ[@]}" --scenario p2p --clients "$PAIRS"
bench p2p-herald-im "$HERALD_PID" --label herald --topics im "${HMQTT[@]}" --scenario p2p --clients "$PAIRS"
bench p2p-herald-plain "$HERALD_PID" --label herald "${HMQTT[@]}" --scenario p2p --clients "$PAIRS"
HALF=$(/usr/bin/python3 -c "print(max(1.0, $(peak "$OUT/p2p-mosquitto.json") / 2))")
bench p2p-half-mosquitto "$MOSQ_PID" --label mosquitto "${MOSQ[@]}" --scenario p2p --clients "$PAIRS" --rate "$HALF"
bench p2p-half-herald-im "$HERALD_PID" --label herald --topics im "${HMQTT[@]}" --scenario p2p --clients "$PAIRS" --rate "$HALF"
bench fanout-mosquitto "$MOSQ_PID" --label mosquitto "${MOSQ[@]}" --scenario fanout --clients "$FANOUT"
bench fanout-herald "$HERALD_PID" --label herald "${HMQTT[@]}" --scenario fanout --clients "$FANOUT"
bench fanout-herald-room "$HERALD_PID" --label herald --protocol binary --port "$HERALD_BIN" --scenario fanout --clients "$FANOUT"
bench binary-herald "$HERALD_PID" --label herald --protocol binary --port "$HERALD_BIN" --scenario p2p --clients "$BIN_PAIRS"
bench binary-relay "$RELAY_PID" --label relay --protocol binary --peer relay --port "$RELAY_PORT" --scenario p2p --clients "$BIN_PAIRS"
bench group-herald "$HERALD_PID" --label herald --protocol binary --port "$HERALD_BIN" --scenario group \
    --clients "$GROUP" --senders "$SENDERS" --fanout-window $((2 * SENDERS))
bench reconnect-mosquitto "$MOSQ_PID" --label mosquitto "${MOSQ[@]}" --scenario reconnect --clients "$RECONNECT"
bench reconnect-herald-im "$HERALD_PID" --label herald --topics im "${HMQTT[@]}" --scenario reconnect --clients "$RECONNECT"

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 ops/bench/summarize.py "$OUT" --load-before "$LOAD_BEFORE" --load-after "$LOAD_AFTER" \
    --nofile "$NOFILE" --quick "$QUICK" --markdown "$OUT/bench.md"
