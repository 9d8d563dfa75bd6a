# Shared by the scripts in scripts/prebuild/: versions, cache paths and the bullseye build root.
# Sourced, not run.

# What the self-contained addon is built from. A change here (or to the flags below) is a new
# cache key, so a rebuild never mixes old and new dependencies.
LIBTORRENT_VERSION=2.0.8
LIBTORRENT_DEB=2.0.8-1
OPENSSL_SERIES=3.0
SUITE=bullseye # glibc 2.31, g++ 10: the oldest Debian whose archive is reachable here
ROOT_PACKAGES=build-essential,cmake,ninja-build,libboost1.74-dev,xz-utils,ca-certificates,perl,g++-aarch64-linux-gnu,libc6-dev-arm64-cross
DEP_CFLAGS="-O2 -ffunction-sections -fdata-sections -fvisibility=hidden"
DEP_CXXFLAGS="$DEP_CFLAGS -fvisibility-inlines-hidden"

# Outside the clone: a clean clone reuses it, and `git clean` never throws it away.
if [[ -z ${VOZDUXAN_BUILD_CACHE:-} ]]; then
  if [[ $(id -u) -eq 0 ]]; then VOZDUXAN_BUILD_CACHE=/var/cache/vozduxan-build; else VOZDUXAN_BUILD_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/vozduxan-build"; fi
fi
CACHE=$VOZDUXAN_BUILD_CACHE
SRC_CACHE=$CACHE/src
ROOT=$CACHE/$SUITE-root-$(printf '%s' "$ROOT_PACKAGES" | sha256sum | cut -c1-12)

log() { printf '[prebuild %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf 'prebuild: %s\n' "$*" >&2; exit 1; }

# Debian's source packages through a private sources list: the host's apt setup stays untouched.
apt_source() { # apt_source PACKAGE[=VERSION]: downloads the package's source files into $SRC_CACHE
  local lists=$CACHE/apt-src
  mkdir -p "$lists/lists/partial" "$SRC_CACHE"
  printf 'deb-src http://deb.debian.org/debian bookworm main\ndeb-src http://deb.debian.org/debian-security bookworm-security main\n' >"$lists/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$lists/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$lists/lists")
  apt-get "${opts[@]}" update >/dev/null
  # Only the upstream tarball is used; a missing Debian diff (seen for openssl) does not matter.
  (cd "$SRC_CACHE" && apt-get "${opts[@]}" source --download-only "$1" >/dev/null 2>&1) || true
}

# The build root: a minbase bullseye with compilers, made once and cached.
ensure_root() {
  [[ -f $ROOT/.complete ]] && return 0
  command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/install-system-deps.sh installs it)"
  log "making the $SUITE build root in $ROOT (about 2 minutes)"
  rm -rf "$ROOT"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase --include="$ROOT_PACKAGES" "$SUITE" "$ROOT" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $CACHE/debootstrap.log"
  cp /usr/bin/node "$ROOT/usr/local/bin/node" # runs on glibc 2.28+; only cmake-js needs it in the root
  touch "$ROOT/.complete"
}

# in_root DIR COMMAND...: runs COMMAND inside the build root with the clone at /src (read-write,
# since cmake-js writes its build folder there), the cache at /cache, and a private mount table.
in_root() {
  local project=$1
  shift
  unshare -m bash -euo pipefail -c '
    root=$1 project=$2 cache=$3; shift 3
    mkdir -p "$root/src" "$root/cache"
    mount --bind "$project" "$root/src"
    mount --bind "$cache" "$root/cache"
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 "$@"
  ' in_root "$ROOT" "$project" "$CACHE" "$@"
}
