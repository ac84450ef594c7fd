# Sourced by ops/bench.sh and ops/bench-cluster.sh: the servers they start (PIDS, killed on exit with
# the run directory $RUN), free loopback ports, and waiting for a server to listen. $SCRIPT names the
# caller in messages; a server NAME logs to $RUN/NAME.log.
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # wait_port PORT PID NAME: until the port accepts (60 s), or fail if the process died
  for _ in $(seq 1 600); do
    kill -0 "$2" 2>/dev/null || { echo "$SCRIPT: $3 exited; log:" >&2; cat "$RUN/$3.log" >&2; exit 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$SCRIPT: $3 did not listen on $1" >&2; exit 1
}
