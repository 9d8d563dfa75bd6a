#!/usr/bin/env bash
# Stands in for node-gyp under prebuildify (PREBUILD_NODE_GYP=scripts/prebuild-cmake.sh), which has
# no cmake-js backend. prebuildify runs `<this> rebuild --target=V --devdir=D --arch=A --release`
# and then takes build/Release/*.node. With N-API the target and devdir do not matter: cmake-js
# builds against node-api-headers for the running Node.
set -euo pipefail
cd "$(dirname "$0")/.."

verb=rebuild
args=()
for arg in "$@"; do
  case $arg in
    rebuild | build | configure | clean) verb=$arg ;;
    --debug) args+=(--debug) ;;
    --arch=*) args+=("$arg") ;;
    *) ;; # --target, --devdir, --release, --runtime...: not needed by cmake-js here
  esac
done

cmake_js=node_modules/cmake-js/bin/cmake-js
[[ -f $cmake_js ]] || cmake_js=$(node -p "require.resolve('cmake-js/bin/cmake-js')")
echo "prebuild-cmake: cmake-js $verb ${args[*]}"
exec node "$cmake_js" "$verb" "${args[@]}"
