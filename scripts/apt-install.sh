#!/usr/bin/env bash
# apt-install.sh PACKAGE...: install Debian packages, refreshing the package lists first.
# Used by the ensure-*.sh scripts only when something is missing. Needs root (or sudo).
set -euo pipefail

[ "$#" -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  echo "apt-install.sh: need root (or sudo) to install: $*" >&2
  exit 1
fi

command -v apt-get >/dev/null || { echo "apt-install.sh: no apt-get here; install $* yourself" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
echo "apt-install.sh: installing $*" >&2
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq "$@" >/dev/null
