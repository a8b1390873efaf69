#!/usr/bin/env bash
# `npm test`: every check and test the project has, on a fresh machine as on a developer's.
# Type check, lint, format, import direction, build, unit + integration tests (vitest), Python SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache

step() { printf '\n== %s\n' "$*" >&2; }

if [ ! -x node_modules/.bin/vitest ]; then
  step "installing npm dependencies"
  npm ci
fi

step "type check (strict)"
npx tsc --noEmit -p tsconfig.json
step "lint"
npx eslint . --max-warnings 0
step "format"
npx prettier --check . > /dev/null
step "import direction between modules"
npx depcruise src --config .dependency-cruiser.cjs
step "build"
npm run build --silent

step "starting Kafka and ClickHouse for the integration tests (scripts/services.sh)"
services_env=$(scripts/services.sh up)
eval "$services_env"
export KAFKA_BROKERS CLICKHOUSE_URL
trap 'scripts/services.sh down >/dev/null 2>&1 || true' EXIT

step "unit and integration tests"
vitest_status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json || vitest_status=$?

step "Python SDK tests"
sdk_status=0
bash sdk/python/run_tests.sh 2>&1 | tee .cache/sdk-tests.log || sdk_status=$?

# One closing line over every runner.
node -e '
  const fs = require("fs");
  const r = JSON.parse(fs.readFileSync(".cache/vitest-report.json", "utf8"));
  let passed = r.numPassedTests, failed = r.numFailedTests + (r.numTotalTestSuites && r.success === false && r.numFailedTests === 0 ? 1 : 0), skipped = r.numPendingTests + r.numTodoTests;
  const log = fs.existsSync(".cache/sdk-tests.log") ? fs.readFileSync(".cache/sdk-tests.log", "utf8") : "";
  const line = log.trim().split("\n").reverse().find((l) => /\d+ (passed|failed)/.test(l)) || "";
  for (const [, n, what] of line.matchAll(/(\d+) (passed|failed|skipped|error|errors)/g)) {
    if (what === "passed") passed += +n; else if (what === "skipped") skipped += +n; else failed += +n;
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
'
if [ "$vitest_status" -ne 0 ] || [ "$sdk_status" -ne 0 ]; then exit 1; fi
