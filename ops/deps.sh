#!/usr/bin/env bash
# Installs every build and test dependency of Herald from Debian 12's packages (and the web console's
# from npm). Idempotent: when everything is present it only checks and returns.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  clang libclang-rt-14-dev                      # libFuzzer + sanitizer runtimes for the codec fuzz build
  libmosquitto-dev mosquitto mosquitto-clients  # MQTT reference broker and clients for interop tests
  python3 python3-paho-mqtt python3-websocket   # a third, independent MQTT client; an independent WebSocket client
  libpoco-dev libsqlite3-dev sqlite3 librdkafka-dev libyaml-cpp-dev prometheus-cpp-dev catch2
  libssl-dev openssl zlib1g-dev libnghttp2-dev libcurl4-openssl-dev
  nlohmann-json3-dev                            # JSON for the IM-over-MQTT payload codec (protocols/im_json)
  libjemalloc-dev                               # the server's allocator (HERALD_JEMALLOC)
  rpm dpkg-dev                                  # ops/package.sh: rpmbuild and dpkg-shlibdeps for CPack
  prometheus                                    # the dashboard test scrapes herald with a real Prometheus
  python3-h2 python3-cryptography               # push tests: HTTP/2+TLS APNs stand-in, JWT checks, throwaway keys
  chromium                                      # the web console's end-to-end tests (Playwright drives it)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)  # the web console's packages come from npm

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "ops/deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The web console's npm packages (mqtt.js for the browser, playwright-core for its tests), exactly as
# web/console/package-lock.json pins them; again only when the lock file changed.
console="$(dirname "$0")/../web/console"
stamp="$console/node_modules/.herald-lock"
if ! cmp -s "$console/package-lock.json" "$stamp" 2>/dev/null; then
  echo "ops/deps.sh: npm ci in web/console" >&2
  (cd "$console" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$console/package-lock.json" "$stamp"
fi
