#!/usr/bin/env bash
# Lint for the API reference (npm run lint:docs): every public member of lib/index.ts has a doc
# comment (typedoc.json's requiredToBeDocumented, warnings as errors), and the committed
# docs/api/ is what `npm run docs` makes from lib/ as it is now.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx typedoc --validation.notDocumented --treatWarningsAsErrors --logLevel Warn --out "$out"
if ! diff -r docs/api "$out" >/dev/null; then
  diff -ru docs/api "$out" | head -40 >&2 || true
  echo "lint:docs: docs/api/ is stale: run 'npm run docs' and commit docs/api/" >&2
  exit 1
fi
