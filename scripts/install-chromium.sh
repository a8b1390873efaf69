#!/usr/bin/env bash
# Installs Debian's Chromium when it is missing: the dashboard's end-to-end tests and benchmark
# drive it with playwright-core (which downloads no browser of its own). Fonts come with it.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "installing chromium (for the dashboard's browser tests)" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium fonts-dejavu-core
