#!/usr/bin/env bash
# The clean-room install: the packed package (npm pack) installed into a minimal Debian 11 root
# that has Node and npm and nothing else (no compiler, no cmake, no libtorrent, no Boost, no
# OpenSSL headers), from the tarball and the npm cache only, inside a network namespace where no
# registry is reachable. Then a CommonJS and an ESM consumer stream a track byte-exact from
# seeders outside the root (same loopback), and a TypeScript consumer compiles with `strict`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
source "$project/scripts/prebuild/common.sh"
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot)"
ls "$project"/prebuilds/linux-x64/*.node >/dev/null 2>&1 || die "no prebuild: run npm run prebuild first"

base=$CACHE/$SUITE-minbase
if [[ ! -f $base/.complete ]]; then
  log "making a minimal $SUITE root (once)"
  rm -rf "$base"
  debootstrap --variant=minbase "$SUITE" "$base" http://deb.debian.org/debian >"$CACHE/minbase.log" 2>&1 ||
    die "debootstrap failed; see $CACHE/minbase.log"
  touch "$base/.complete"
fi

work=$(mktemp -d /tmp/vz-cleanroom.XXXXXX)
trap 'rm -rf "$work"' EXIT
room=$work/room
cp -a "$base" "$room"
# Node and npm only, as a user's machine has them.
cp "$(command -v node)" "$room/usr/local/bin/node"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$room/usr/local/lib/node_modules"
cp -a "$npm_dir" "$room/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$room/usr/local/bin/npm"
for tool in g++ gcc cc c++ cmake make; do
  [[ ! -e $room/usr/bin/$tool ]] || die "the clean room has $tool"
done
[[ ! -e $room/usr/include/libtorrent && ! -e $room/usr/include/openssl && ! -e $room/usr/include/boost ]] ||
  die "the clean room has development headers"

log "packing"
(cd "$project" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$(ls "$work"/vozduxan-*.tgz)
echo "tarball: $(basename "$tarball"), $(($(stat -c %s "$tarball") / 1024)) KiB, $(tar -tzf "$tarball" | wc -l) files"
mkdir -p "$room/pkg" "$room/app" "$room/root/.npm"
cp "$tarball" "$room/pkg/vozduxan.tgz"
cp "$here"/consumer.cjs "$here"/consumer.mjs "$here"/consumer.ts "$room/app/"
# The npm cache this machine has, so the install works with no registry at all. `npm ci` of the
# project fetches tarballs by their lockfile URL only; an offline install of the tarball also
# needs each dependency's registry metadata, so add the package's dependencies first (with the
# network, here outside the room).
(cd "$project" && node -e '
  const deps = require("./package.json").dependencies ?? {};
  for (const [name, range] of Object.entries(deps)) console.log(`${name}@${range}`);
' | xargs -r npm cache add) || die "npm cache add of the package's dependencies failed"
cp -a "${npm_config_cache:-$HOME/.npm}/_cacache" "$room/root/.npm/"
# The TypeScript consumer's compiler and Node types, as this checkout has them (an offline npm
# cannot resolve a version range), in a folder of their own so they count in no install.
mkdir -p "$room/tools/node_modules/@types"
cp -a "$project/node_modules/typescript" "$room/tools/node_modules/"
cp -a "$project/node_modules/@types/node" "$room/tools/node_modules/@types/"
cp -a "$project/node_modules/undici-types" "$room/tools/node_modules/" 2>/dev/null || true

export CLEANROOM=$room
"$project/scripts/hermetic.sh" bash -euo pipefail -c '
  room=$CLEANROOM here=$1
  inroom() { unshare -m bash -c "mount -t proc proc \"$CLEANROOM/proc\" && mount --bind /dev \"$CLEANROOM/dev\" && exec chroot \"$CLEANROOM\" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \"\$@\"" inroom "$@"; }
  echo "== npm install ./vozduxan.tgz (offline, no compiler in the room)"
  inroom sh -c "cd /app && npm init -y >/dev/null && npm install --offline --no-audit --no-fund /pkg/vozduxan.tgz"
  count=$(inroom sh -c "cd /app && npm ls --all --parseable | tail -n +2 | wc -l")
  bytes=$(inroom sh -c "du -sk /app/node_modules | cut -f1")
  echo "installed: $count packages, $bytes KiB in node_modules"
  echo "== consumers (CommonJS and ESM)"
  for consumer in consumer.cjs consumer.mjs; do
    node --import tsx "$here/seed-and-run.ts" "$here/in-cleanroom.sh" "$consumer"
  done
  echo "== without a prebuild, the install falls back to a source build that names what is missing"
  set +e
  out=$(inroom sh -c "cd /app && rm -rf node_modules/vozduxan/prebuilds && npm rebuild vozduxan 2>&1")
  status=$?
  set -e
  line="vozduxan: libtorrent-rasterbar 2.0 development files, cmake, a C++17 compiler not found"
  if [[ $status -eq 0 ]] || ! grep -qF "$line" <<<"$out"; then
    printf "expected a failing source build naming what is missing, got (exit %s):\n%s\n" "$status" "$out" >&2
    exit 1
  fi
  echo "source build refused in one line (exit $status): $(grep -F "$line" <<<"$out" | cut -c1-100)..."
  echo "== TypeScript consumer, strict"
  inroom sh -c "cd /app && node /tools/node_modules/typescript/bin/tsc --strict --noEmit --module nodenext \
    --moduleResolution nodenext --target es2022 --typeRoots /tools/node_modules/@types --types node consumer.ts && echo typecheck ok"
' cleanroom "$here"
