#!/usr/bin/env bash
# Builds the engine's C++ unit tests (native/test/, doctest) with plain cmake over the system's
# libtorrent, without the addon (no cmake-js, no node-addon-api), and runs them with ctest.
# No swarm, no network namespace: the tests only use loopback sockets they open themselves.
# Extra arguments go to ctest (e.g. -R http_range, --output-on-failure is already on).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-unit

if [[ ! -f /usr/include/doctest/doctest.h && ! -f /usr/local/include/doctest/doctest.h ]]; then
  echo "test-unit-native: doctest is missing (Debian: apt-get install doctest-dev)" >&2
  exit 1
fi

generator=()
if [[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DVOZDUXAN_ADDON=OFF -DVOZDUXAN_UNIT_TESTS=ON >/dev/null
cmake --build "$build" --target vozduxan_unit_tests -j "$(nproc)"
cd "$build"
ctest --output-on-failure "$@"
