#!/usr/bin/env bash
# Installs every build and test dependency of Herald from Debian 12's packages. Idempotent:
# when everything is present it only checks and returns.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  clang libclang-rt-14-dev                      # libFuzzer + sanitizer runtimes for the codec fuzz build
  libmosquitto-dev mosquitto mosquitto-clients  # MQTT reference broker and clients for interop tests
  python3 python3-paho-mqtt python3-websocket   # a third, independent MQTT client; an independent WebSocket client
  libpoco-dev libsqlite3-dev sqlite3 librdkafka-dev libyaml-cpp-dev prometheus-cpp-dev catch2
  libssl-dev openssl zlib1g-dev libnghttp2-dev libcurl4-openssl-dev
  nlohmann-json3-dev                            # JSON for the IM-over-MQTT payload codec (protocols/im_json)
  rpm dpkg-dev                                  # ops/package.sh: rpmbuild and dpkg-shlibdeps for CPack
  prometheus                                    # the dashboard test scrapes herald with a real Prometheus
  python3-h2 python3-cryptography               # push tests: HTTP/2+TLS APNs stand-in, JWT checks, throwaway keys
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ops/deps.sh: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
