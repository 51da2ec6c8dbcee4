#!/usr/bin/env bash
# Make sure redis-server is installed (shared rate-limit storage). Nothing is started here.
set -euo pipefail

if ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then
  "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" redis-server
  command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] \
    || { echo "ensure-redis.sh: redis-server still missing after install" >&2; exit 1; }
fi
