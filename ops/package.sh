#!/usr/bin/env bash
# Builds the packages from ./build into build/packages/: herald and herald-dev as .deb, herald and
# herald-devel as .rpm (CPack settings in packaging/). Prints the files it made.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/deps.sh
[ -f build/build.ninja ] || ops/build.sh
cmake --build build -j"$(nproc)" >/dev/null
rm -rf build/packages
(cd build && cpack -G "DEB;RPM" -B "$PWD/packages" >cpack.log 2>&1) || { cat build/cpack.log >&2; exit 1; }
ls -1 build/packages/*.deb build/packages/*.rpm
