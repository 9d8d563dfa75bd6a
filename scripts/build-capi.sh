#!/usr/bin/env bash
# Builds the C ABI (libvozduxan.a, libvozduxan.so) with plain cmake in build-capi/, against the
# system's libtorrent, then the C and Rust test programs of native/capi/test/ (what
# test/capi.test.ts runs). Incremental after the first run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=build-capi
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DVOZDUXAN_ADDON=OFF -DVOZDUXAN_CAPI=ON >"$out.log" 2>&1 ||
  { tail -n 30 "$out.log" >&2; exit 1; }
cmake --build "$out" -j"$(nproc)" >>"$out.log" 2>&1 || { tail -n 40 "$out.log" >&2; exit 1; }
libs=(-L"$out" -ltorrent-rasterbar -lssl -lcrypto -lstdc++ -lpthread -lm)
# C: against the static library (the seed links libvozduxan.a), with what it needs.
cc -std=c11 -Wall -Wextra -Werror -Iinclude -o "$out/capi_smoke" native/capi/test/capi_smoke.c \
  "$out/libvozduxan.a" "${libs[@]}"
# Rust: the seed's own extern block, plain rustc (Debian's), no crates.
rustc=/usr/bin/rustc
[[ -x $rustc ]] || rustc=$(command -v rustc)
"$rustc" --edition 2018 -O -o "$out/capi_smoke_rs" native/capi/test/capi_smoke.rs \
  -L "native=$out" -l static=vozduxan -l dylib=torrent-rasterbar -l dylib=ssl -l dylib=crypto -l dylib=stdc++ 2>>"$out.log" ||
  { tail -n 30 "$out.log" >&2; exit 1; }
echo "build-capi: $out/libvozduxan.a $out/libvozduxan.so $out/capi_smoke $out/capi_smoke_rs"
