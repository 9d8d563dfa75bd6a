#!/usr/bin/env bash
# Builds the self-contained prebuilt addon: static libtorrent 2.0 and OpenSSL 3.0 (cached outside
# the clone, see common.sh), linked inside a Debian 11 root so it needs at most glibc 2.31, then
# checks it (check.sh). Writes prebuilds/linux-x64/vozduxan.glibc.node and
# prebuilds/linux-arm64/vozduxan.armv8.glibc.node, the names node-gyp-build looks for.
# Usage: scripts/prebuild/build.sh [x64|arm64|all]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
source "$here/common.sh"
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot and mounts)"
[[ -f $project/node_modules/cmake-js/bin/cmake-js ]] || die "run npm install first (cmake-js)"

build_arch() {
  local arch=$1 prefix out name strip
  prefix=$("$here/build-deps.sh" "$arch")
  local inroot=/cache/${prefix#"$CACHE"/}
  local cmake_args=(--CDVOZDUXAN_STATIC_DEPS=ON "--CDCMAKE_PREFIX_PATH=$inroot/lt;$inroot/ssl" "--CDOPENSSL_ROOT_DIR=$inroot/ssl")
  case $arch in
    x64) name=vozduxan.glibc.node strip=strip ;;
    arm64)
      name=vozduxan.armv8.glibc.node strip=aarch64-linux-gnu-strip
      cmake_args+=(--CDCMAKE_TOOLCHAIN_FILE=/src/scripts/prebuild/aarch64-toolchain.cmake "--CDVOZDUXAN_DEPS_PREFIX=$inroot")
      ;;
  esac
  log "linking the addon for $arch"
  in_root "$project" bash -euo pipefail -c '
    cd /src
    node node_modules/cmake-js/bin/cmake-js build --out "build-static/$1" "${@:4}" >"build-static/$1.log" 2>&1 ||
      { tail -n 40 "build-static/$1.log" >&2; exit 1; }
    mkdir -p "prebuilds/linux-$1"
    "$3" --strip-unneeded -o "prebuilds/linux-$1/$2" "build-static/$1/Release/vozduxan.node"
  ' build "$arch" "$name" "$strip" "${cmake_args[@]}"
  "$here/check.sh" "$project/prebuilds/linux-$arch/$name"
}

mkdir -p "$project/build-static"
case ${1:-all} in
  x64 | arm64) build_arch "$1" ;;
  all) build_arch x64 && build_arch arm64 ;;
  *) die "usage: build.sh [x64|arm64|all]" ;;
esac
