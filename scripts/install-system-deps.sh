#!/usr/bin/env bash
# Installs the Debian 12 packages vozduxan needs to build, test and benchmark.
# Idempotent: does nothing (not even `apt-get update`) when all are already installed.
set -euo pipefail

packages=(
  libtorrent-rasterbar-dev python3-libtorrent   # engine + reference seeder
  cmake g++ make pkg-config                     # native build
  aria2 opentracker mktorrent                   # swarm fixtures
  sox libsox-fmt-mp3 flac                       # audio fixtures
  clang-format clang-tidy                        # lint
  doctest-dev                                   # C++ unit tests (native/test/)
  rustc                                         # the C ABI's Rust test (native/capi/test/)
  clang-16 libclang-rt-16-dev libfuzzer-16-dev  # sanitizers and fuzzing (test:asan, fuzz)
  iproute2 util-linux procps                    # scripts/hermetic.sh (ip, unshare), process tools
  chromium                                      # real <audio> client via playwright-core
  debootstrap qemu-user-static binutils         # the prebuilt addon (scripts/prebuild/, scripts/smoke/)
  openssl ca-certificates                       # test CAs for the HTTPS tracker; the system CA bundle
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-system-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

echo "install-system-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
