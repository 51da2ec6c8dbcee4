#!/usr/bin/env bash
# Copy the pinned browser libraries from npm into static/vendor/.
# The copied files are committed, so the app (and CI) never needs npm or the network;
# run this only to change a version in package.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor"

command -v npm >/dev/null || { echo "vendor.sh: npm is needed (apt-get install -y npm)" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cp "$ROOT/package.json" "$TMP/"
(cd "$TMP" && npm install --no-audit --no-fund --ignore-scripts --save-exact >&2)

version() { node -p "require('$TMP/node_modules/$1/package.json').version"; }

mkdir -p "$DEST"
cp "$TMP/node_modules/htmx.org/dist/htmx.min.js" "$DEST/htmx.min.js"
cp "$TMP/node_modules/sortablejs/Sortable.min.js" "$DEST/Sortable.min.js"
mkdir -p "$DEST/swagger-ui"
cp "$TMP/node_modules/swagger-ui-dist/swagger-ui-bundle.js" "$TMP/node_modules/swagger-ui-dist/swagger-ui.css" \
   "$TMP/node_modules/swagger-ui-dist/LICENSE" "$DEST/swagger-ui/"

# Tests only: the accessibility check injects axe-core into the pages it audits.
mkdir -p "$ROOT/tests/browser/vendor"
cp "$TMP/node_modules/axe-core/axe.min.js" "$TMP/node_modules/axe-core/LICENSE" "$ROOT/tests/browser/vendor/"
echo "axe-core $(version axe-core) axe.min.js" > "$ROOT/tests/browser/vendor/VERSIONS"

{
  echo "# Written by scripts/vendor.sh from package.json; do not edit by hand."
  echo "htmx.org $(version htmx.org) dist/htmx.min.js"
  echo "sortablejs $(version sortablejs) Sortable.min.js"
  echo "swagger-ui-dist $(version swagger-ui-dist) swagger-ui/swagger-ui-bundle.js swagger-ui/swagger-ui.css"
} > "$DEST/VERSIONS"

cat "$DEST/VERSIONS"
