#!/usr/bin/env bash
# Builds (or finds in the cache) static OpenSSL 3.0 and libtorrent for one architecture, inside
# the bullseye build root. Prints the prefix on stdout. Usage: build-deps.sh x64|arm64
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
source "$here/common.sh"
arch=${1:?usage: build-deps.sh x64|arm64}

lt_tar=$SRC_CACHE/libtorrent-rasterbar_$LIBTORRENT_VERSION.orig.tar.xz
[[ -f $lt_tar ]] || apt_source "libtorrent-rasterbar=$LIBTORRENT_DEB"
[[ -f $lt_tar ]] || die "could not fetch libtorrent-rasterbar $LIBTORRENT_DEB's source"
# The newest OpenSSL 3.0 that Debian's security archive has (its fixes are the point).
ssl_tar=$(ls "$SRC_CACHE"/openssl_"$OPENSSL_SERIES".*.orig.tar.gz 2>/dev/null | sort -V | tail -n1 || true)
if [[ -z $ssl_tar || -n ${VOZDUXAN_REFRESH_SOURCES:-} ]]; then
  apt_source openssl
  ssl_tar=$(ls "$SRC_CACHE"/openssl_"$OPENSSL_SERIES".*.orig.tar.gz 2>/dev/null | sort -V | tail -n1 || true)
fi
[[ -n $ssl_tar ]] || die "could not fetch OpenSSL $OPENSSL_SERIES's source"

key=$( {
  basename "$lt_tar"; basename "$ssl_tar"; echo "$ROOT $DEP_CFLAGS $DEP_CXXFLAGS"
  cat "$here/build-deps-in-root.sh" "$here/aarch64-toolchain.cmake"
} | sha256sum | cut -c1-12)
prefix=$CACHE/deps/$arch-$key
if [[ ! -f $prefix/.complete ]]; then
  ensure_root
  log "building OpenSSL ($(basename "$ssl_tar")) and libtorrent $LIBTORRENT_VERSION for $arch (cold: several minutes)"
  rm -rf "$prefix"
  mkdir -p "$prefix"
  in_root "$project" /src/scripts/prebuild/build-deps-in-root.sh "$arch" "/cache/deps/$arch-$key" \
    "/cache/src/$(basename "$ssl_tar")" "/cache/src/$(basename "$lt_tar")" "$DEP_CFLAGS" "$DEP_CXXFLAGS" >&2
  touch "$prefix/.complete"
fi
echo "$prefix"
