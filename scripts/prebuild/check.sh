#!/usr/bin/env bash
# Fails loudly unless a prebuilt addon is self-contained: it may need only glibc's own libraries,
# at most GLIBC_2.31, no libstdc++ symbol version, it exports only the N-API entry points, and it
# can never be unloaded.
# Uses readelf only, so it checks x64 and arm64 files alike. Usage: check.sh FILE.node...
set -euo pipefail
max_glibc=2.31
allowed_needed='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'
allowed_exports='^(napi_register_module_v1|node_api_module_get_api_version_v1)$'
status=0
fail() { echo "check: $file: $*" >&2; status=1; }

for file in "$@"; do
  [[ -f $file ]] || { fail "missing"; continue; }
  needed=$(readelf -dW "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  while read -r lib; do
    [[ -z $lib || $lib =~ $allowed_needed ]] || fail "needs $lib"
  done <<<"$needed"
  versions=$(readelf -VW "$file" | grep -oE 'Name: [A-Z_]+[0-9.]*' | sed 's/Name: //' | sort -u)
  glibc=$(grep -oE '^GLIBC_[0-9.]+$' <<<"$versions" | sed 's/GLIBC_//' | sort -V | tail -n1)
  if [[ -n $glibc && $(printf '%s\n%s\n' "$glibc" "$max_glibc" | sort -V | tail -n1) != "$max_glibc" ]]; then
    fail "needs GLIBC_$glibc (> $max_glibc)"
  fi
  cxx=$(grep -E '^(GLIBCXX|CXXABI|GCC)_' <<<"$versions" | tr '\n' ' ' || true)
  [[ -z $cxx ]] || fail "needs $cxx"
  exports=$(readelf --dyn-syms -W "$file" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" && $5 != "LOCAL" && $8 != "" {print $8}' | sed 's/@.*//' | sort -u)
  while read -r sym; do
    [[ -z $sym || $sym =~ $allowed_exports ]] || fail "exports $sym"
  done <<<"$exports"
  # Every strong undefined symbol must come from glibc or from Node's N-API: anything else would
  # only fail when first called (lazy binding), as a symbol lookup error inside the user's app.
  strays=$(readelf --dyn-syms -W "$file" | awk '$1 ~ /^[0-9]+:$/ && $7 == "UND" && $5 != "WEAK" && $8 != "" {print $8}' |
    grep -vE '@GLIBC_[0-9.]+( \([0-9]+\))?$|^(napi|node_api)_' | tr '\n' ' ' || true)
  [[ -z $strays ]] || fail "leaves undefined: $strays"
  # Never unloaded (see CMakeLists.txt: the static OpenSSL's thread-exit destructors).
  readelf -dW "$file" | grep -q 'FLAGS_1.*NODELETE' || fail "is not linked with -z nodelete"
  count=$(grep -c . <<<"$exports" || true)
  ((count == 2)) || fail "exports $count symbols, expected the 2 N-API entry points"
  size=$(stat -c %s "$file")
  machine=$(readelf -hW "$file" | sed -n 's/ *Machine: *//p')
  echo "check: $file: $machine, $((size / 1024)) KiB, NEEDED $(tr '\n' ' ' <<<"$needed"), GLIBC_${glibc:-none}, ${count} exports"
done
exit "$status"
