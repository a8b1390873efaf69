#!/usr/bin/env bash
# telemetrygen, the OpenTelemetry Collector's load generator, for test/otlp.int.test.ts: built from
# the Go module proxy into .cache/go-bin (git-ignored), once per version. The first build takes a
# few minutes; later runs find the stamp and return at once.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v0.161.0
BIN=.cache/go-bin
STAMP="$BIN/.telemetrygen-version"
if [[ -x "$BIN/telemetrygen" && "$(cat "$STAMP" 2>/dev/null)" == "$VERSION" ]]; then
  exit 0
fi
command -v go >/dev/null || { echo "Go is required to build telemetrygen (apt-get install golang-go)" >&2; exit 1; }
mkdir -p "$BIN"
echo "building telemetrygen $VERSION into $BIN (a few minutes the first time) ..." >&2
GOBIN="$(pwd)/$BIN" go install "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$VERSION"
echo "$VERSION" >"$STAMP"
