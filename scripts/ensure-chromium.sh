#!/usr/bin/env bash
# Make sure Debian's chromium is installed; the browser tests launch it through Playwright
# (no `playwright install`, no browser download). CHROMIUM_PATH overrides /usr/bin/chromium.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" chromium
  [ -x "$CHROMIUM" ] || { echo "ensure-chromium.sh: $CHROMIUM still missing after install" >&2; exit 1; }
fi
