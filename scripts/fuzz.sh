#!/usr/bin/env bash
# Builds the libFuzzer targets (native/fuzz/*.cc, clang with ASan and UBSan, into build-fuzz/) and
# runs one of them for SECONDS (default 60) on a scratch copy of its committed seed corpus
# (native/fuzz/corpus/TARGET/), with its dictionary (native/fuzz/TARGET.dict) when there is one.
#
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags...]     e.g. npm run fuzz -- http_range 60
#   scripts/fuzz.sh --list                                    the targets
#   scripts/fuzz.sh --replay [TARGET...]                      run the seeds and native/fuzz/crashes/
#                                                             once (a regression check, seconds)
#
# New inputs go to build-fuzz/corpus/TARGET/ (not committed); a crash is written to
# build-fuzz/findings/TARGET/ and the run fails: commit the input under native/fuzz/crashes/TARGET/
# and --replay keeps it a regression test. CXX picks the compiler (default clang++-16; Debian:
# clang-16, libclang-rt-16-dev, libfuzzer-16-dev).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
fuzz=$root/native/fuzz
cxx=${CXX:-clang++-16}

targets() { for f in "$fuzz"/*.cc; do basename "$f" .cc; done; }

if [[ ${1:-} == --list ]]; then
  targets
  exit 0
fi

if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: $cxx is missing (Debian: apt-get install clang-16 libclang-rt-16-dev libfuzzer-16-dev)" >&2
  exit 1
fi
generator=()
if [[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DVOZDUXAN_ADDON=OFF -DVOZDUXAN_FUZZ=ON >/dev/null
build_targets=()
for target in $(targets); do build_targets+=(--target "fuzz_$target"); done
cmake --build "$build" "${build_targets[@]}" -j "$(nproc)" >&2

for symbolizer in /usr/lib/llvm-16/bin/llvm-symbolizer "$(command -v llvm-symbolizer || true)"; do
  if [[ -x $symbolizer ]]; then
    export ASAN_SYMBOLIZER_PATH=$symbolizer
    break
  fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

options() { # libFuzzer flags of a target: its dictionary and input size
  local target=$1
  [[ -f $fuzz/$target.dict ]] && echo "-dict=$fuzz/$target.dict"
  [[ $target == http_request ]] && echo "-max_len=20000" # past the 16 KiB header limit
  [[ $target == torrent_file || $target == cache_files ]] && echo "-max_len=8192"
  return 0
}

if [[ ${1:-} == --replay ]]; then
  shift
  status=0
  for target in ${@:-$(targets)}; do
    inputs=()
    for dir in "$fuzz/corpus/$target" "$fuzz/crashes/$target"; do
      [[ -d $dir ]] && inputs+=("$dir")
    done
    [[ ${#inputs[@]} -eq 0 ]] && continue
    files=$(find "${inputs[@]}" -type f | sort)
    # shellcheck disable=SC2086
    if ! "$build/fuzz_$target" -runs=1 $files >/dev/null 2>"$build/replay-$target.log"; then
      echo "fuzz: $target fails on a committed input; see $build/replay-$target.log" >&2
      status=1
    else
      echo "fuzz: $target replays $(echo "$files" | wc -l) inputs clean"
    fi
  done
  exit "$status"
fi

target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags...] (--list for the targets)}
seconds=${2:-60}
shift $(($# >= 2 ? 2 : 1))
if [[ ! -f $fuzz/$target.cc ]]; then
  echo "fuzz: no target $target (one of: $(targets | tr '\n' ' '))" >&2
  exit 1
fi
corpus=$build/corpus/$target
findings=$build/findings/$target
mkdir -p "$corpus" "$findings"
seeds=()
[[ -d $fuzz/corpus/$target ]] && seeds+=("$fuzz/corpus/$target")
# shellcheck disable=SC2046
exec "$build/fuzz_$target" $(options "$target") -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$findings/" -timeout=10 -rss_limit_mb=2048 "$@" "$corpus" "${seeds[@]}"
