#!/usr/bin/env bash
# Runs inside the bullseye build root (see common.sh in_root): builds OpenSSL and libtorrent as
# static, position-independent libraries into PREFIX. Arguments: ARCH PREFIX OPENSSL_TARBALL
# LIBTORRENT_TARBALL CFLAGS CXXFLAGS.
set -euo pipefail
arch=$1 prefix=$2 ssl_tar=$3 lt_tar=$4 cflags=$5 cxxflags=$6
work=$(mktemp -d /tmp/deps.XXXXXX)
trap 'rm -rf "$work"' EXIT
jobs=$(nproc)

case $arch in
  x64) ssl_target=linux-x86_64 cross=() cc=gcc toolchain=() ;;
  arm64)
    ssl_target=linux-aarch64 cross=(--cross-compile-prefix=aarch64-linux-gnu-) cc=gcc
    toolchain=(-DCMAKE_TOOLCHAIN_FILE=/src/scripts/prebuild/aarch64-toolchain.cmake "-DVOZDUXAN_DEPS_PREFIX=$prefix")
    ;;
  *) echo "unknown arch $arch" >&2; exit 1 ;;
esac

echo "== OpenSSL ($arch)"
tar -xzf "$ssl_tar" -C "$work"
cd "$work"/openssl-*
# --openssldir=/etc/ssl: where Debian, Ubuntu, Arch and SUSE keep openssl.cnf and certs/; the
# engine also looks for the system's CA bundle at run time (tls_trust.cc), for the rest.
CC=$cc ./Configure "$ssl_target" "${cross[@]}" no-shared no-tests no-module no-engine no-dso \
  -fPIC $cflags --prefix="$prefix/ssl" --libdir=lib --openssldir=/etc/ssl >/dev/null
make -j"$jobs" build_libs >/dev/null
make install_dev >/dev/null

echo "== libtorrent ($arch)"
tar -xJf "$lt_tar" -C "$work"
cd "$work"/libtorrent-*
# deprecated-functions=ON: the same ABI as Debian's package, so one set of sources fits both.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${toolchain[@]}" \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_STANDARD=17 \
  -Ddeprecated-functions=ON -Di2p=OFF -Dpython-bindings=OFF -Dbuild_tests=OFF -Dbuild_examples=OFF -Dbuild_tools=OFF \
  -DOPENSSL_USE_STATIC_LIBS=TRUE -DOPENSSL_ROOT_DIR="$prefix/ssl" \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_CXX_FLAGS="$cxxflags" \
  -DCMAKE_INSTALL_PREFIX="$prefix/lt" >/dev/null
ninja -C build -j"$jobs" install >/dev/null
echo "== done ($arch)"
