#!/usr/bin/env bash
# Runs the whole Python SDK test suite (unit, retry and the integration test
# against a real embedded Vantage, which skips only when dist/cli/main.js is
# missing).  Exits non-zero on any failure.  Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
exec "$PYTHON" -m pytest -p no:cacheprovider -rs "$@" tests
