#!/usr/bin/env bash
# npm run lint:native: clang-tidy (.clang-tidy: bugprone, performance, concurrency) over the
# addon's C++ sources, with the compile flags of the last source build (npm run compile writes
# build/compile_commands.json). Reports every finding, one line each; fails on those of the
# checks that .clang-tidy's WarningsAsErrors makes errors, and on a source it could not parse.
#
#   scripts/clang-tidy.sh                        the database's native/ sources, and native/engine|binding
#   scripts/clang-tidy.sh native/engine/x.cc ...  only these
#
# Takes about 3 minutes on 2 cores for the whole tree (libtorrent's and Boost's headers).
# VOZDUXAN_TIDY_DB=DIR reads DIR/compile_commands.json instead of build/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

db=${VOZDUXAN_TIDY_DB:-build}/compile_commands.json
if ! command -v clang-tidy >/dev/null; then
  echo "lint:native: clang-tidy is not installed (Debian: apt-get install clang-tidy)" >&2
  exit 2
fi
if [[ ! -f $db ]]; then
  echo "lint:native: no $db: run 'npm run compile' first" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A snapshot: a concurrent `cmake-js rebuild` deletes build/ while this runs.
cp "$db" "$work/compile_commands.json"

mapfile -t in_db < <(node -e '
  const root = process.cwd() + "/";
  for (const e of require(process.argv[1])) {
    const file = require("node:path").resolve(e.directory, e.file);
    if (file.startsWith(root + "native/")) console.log(file.slice(root.length));
  }' "$work/compile_commands.json" | sort -u)

if (($# > 0)); then
  files=("$@")
else
  # What the database compiles, and every engine and binding source (a new one missing from the
  # database is named below). native/static/ (prebuild only), native/test/ and native/fuzz/
  # have databases of their own: point VOZDUXAN_TIDY_DB at one to check them.
  mapfile -t files < <({
    printf '%s\n' "${in_db[@]}"
    git ls-files --cached --others --exclude-standard -- 'native/engine/*.cc' 'native/binding/*.cc'
  } | sort -u)
fi

todo=()
for file in "${files[@]}"; do
  if printf '%s\n' "${in_db[@]}" | grep -qxF -- "$file"; then
    todo+=("$file")
  else
    echo "lint:native: skipped $file: not in $db (not part of the source build, or run 'npm run compile')" >&2
  fi
done
if ((${#todo[@]} == 0)); then
  echo "lint:native: nothing to check" >&2
  exit 2
fi

# One clang-tidy per file, as many at once as there are cores; each writes its own log.
printf '%s\n' "${todo[@]}" |
  xargs -P "$(nproc)" -I{} sh -c '
    log="$1/$(printf %s "$2" | tr / _).log"
    clang-tidy -p "$1" --quiet "$2" >"$log" 2>&1 || echo "$2" >>"$1/failed"
  ' sh "$work" {}

# Headers are reported once per file that includes them: print each finding once.
cat "$work"/*.log |
  grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' |
  sed "s|^$PWD/||" | sort -u >"$work/findings" || true

count=$(wc -l <"$work/findings")
echo "clang-tidy: ${#todo[@]} files, $count findings"
if ((count > 0)); then
  cat "$work/findings"
  echo
  echo "by check (an error fails the lint; a warning is a finding we know of, see .clang-tidy):"
  sed -E 's/.*: (warning|error): .*\[([^],]+)(,-warnings-as-errors)?\]$/\1 \2/' "$work/findings" |
    sort | uniq -c | sort -rn
fi

if [[ -f $work/failed ]]; then
  echo
  echo "lint:native: failed in:" >&2
  sort "$work/failed" >&2
  for file in $(sort "$work/failed"); do
    log="$work/$(printf %s "$file" | tr / _).log"
    # A file with only warnings does not fail; show what did (an error, or a parse failure).
    grep -E 'error' "$log" | head -20 >&2 || true
  done
  exit 1
fi
