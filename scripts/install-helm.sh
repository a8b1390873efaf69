#!/usr/bin/env bash
# Helm v4, for the chart checks (deploy/helm/check.sh): built from the Go module proxy into
# .cache/go-bin (git-ignored), once per version, like scripts/install-telemetrygen.sh. Also builds
# deploy/helm/check, the strict decoder of rendered objects. The first build takes several
# minutes on two cores; later runs find the stamps and return at once.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v4.3.2
BIN=.cache/go-bin
STAMP="$BIN/.helm-version"
command -v go >/dev/null || { echo "Go is required to build Helm (apt-get install golang-go)" >&2; exit 1; }
mkdir -p "$BIN"
if [[ ! -x "$BIN/helm" || "$(cat "$STAMP" 2>/dev/null)" != "$VERSION" ]]; then
  echo "building helm $VERSION into $BIN (several minutes the first time) ..." >&2
  GOBIN="$(pwd)/$BIN" nice -n 10 go install "helm.sh/helm/v4/cmd/helm@$VERSION"
  echo "$VERSION" >"$STAMP"
fi
# The checker is rebuilt when its source changes (go build's own cache makes that quick).
(cd deploy/helm/check && nice -n 10 go build -o "../../../$BIN/vantage-chart-check" .)
