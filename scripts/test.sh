#!/usr/bin/env bash
# `npm test`: every check and test the project has, on a fresh machine as on a developer's.
# Type check, lint, format, import direction, build, unit + integration tests (vitest), Python SDK,
# and the fresh-machine smoke test (the README's first command in a clean clone).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
node scripts/check-node.cjs

step() { printf '\n== %s\n' "$*" >&2; }

if [ ! -x node_modules/.bin/vitest ]; then
  step "installing npm dependencies"
  bash scripts/install-kafka-client-deps.sh
  CKJS_LINKING=dynamic npm ci
fi

step "the browser for the dashboard's end-to-end tests (scripts/install-chromium.sh)"
bash scripts/install-chromium.sh
step "Prometheus, promtool, Alertmanager and VictoriaMetrics for the tests and benchmark (scripts/install-prometheus.sh)"
bash scripts/install-prometheus.sh

step "type check (strict)"
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p web/tsconfig.json
npx tsc --noEmit -p web/tsconfig.test.json
step "lint"
npx eslint . --max-warnings 0
step "format"
npx prettier --check . > /dev/null
step "import direction between modules"
npx depcruise src web/src --config .dependency-cruiser.cjs
step "Vantage's own alerting rules (promtool check rules deploy/prometheus/rules/*.yml)"
promtool check rules deploy/prometheus/rules/*.yml
step "deploy/docker-compose.yml, alone and with each override (docker-compose.*.yml), is a valid Compose file"
# Without Docker, test/docker-compose.int.test.ts still checks the files against Vantage's settings.
compose=()
if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
fi
if [ ${#compose[@]} -gt 0 ]; then
  "${compose[@]}" -f deploy/docker-compose.yml config -q
  for override in deploy/docker-compose.*.yml; do
    "${compose[@]}" -f deploy/docker-compose.yml -f "$override" config -q
  done
else
  echo "not checked: neither docker-compose nor the docker compose plugin is installed" >&2
fi
step "build"
npm run build --silent

step "starting Kafka and ClickHouse for the integration tests (scripts/services.sh)"
# Free ports (a pair for Kafka: broker and controller), so that services another checkout runs
# do not collide with ours. Services this checkout already runs are reused, on their ports.
free_ports() {
  node -e '
    const net = require("net");
    const free = (p) => new Promise((r) => { const s = net.createServer().once("error", () => r(false)).listen(p, "127.0.0.1", () => s.close(() => r(true))); });
    (async () => {
      for (;;) {
        const p = 20000 + Math.floor(Math.random() * 20000);
        if ((await free(p)) && (await free(p + 1)) && (await free(p + 2))) { console.log(p); return; }
      }
    })();'
}
started_services=0
if scripts/services.sh status >/dev/null 2>&1; then
  export VANTAGE_TEST_KAFKA_PORT="$(cat .cache/services/kafka.port)"
  export VANTAGE_TEST_CLICKHOUSE_PORT="$(cat .cache/services/clickhouse.port)"
else
  scripts/services.sh down >/dev/null 2>&1 || true
  base=$(free_ports)
  export VANTAGE_TEST_KAFKA_PORT=$base VANTAGE_TEST_KAFKA_CONTROLLER_PORT=$((base + 1)) VANTAGE_TEST_CLICKHOUSE_PORT=$((base + 2))
  started_services=1
fi
services_env=$(scripts/services.sh up)
eval "$services_env"
export KAFKA_BROKERS CLICKHOUSE_URL
if [ "$started_services" = 1 ]; then
  trap 'scripts/services.sh down >/dev/null 2>&1 || true' EXIT
fi

step "telemetrygen for the OTLP tests (scripts/install-telemetrygen.sh)"
bash scripts/install-telemetrygen.sh

step "Helm v4 and the chart checker for the Helm chart tests (scripts/install-helm.sh)"
bash scripts/install-helm.sh

step "unit and integration tests"
vitest_status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json || vitest_status=$?

step "Python SDK tests"
sdk_status=0
bash sdk/python/run_tests.sh 2>&1 | tee .cache/sdk-tests.log || sdk_status=$?

step "fresh machine: the README's first command in a clean clone (scripts/fresh-machine-smoke.sh)"
smoke_status=0
bash scripts/fresh-machine-smoke.sh || smoke_status=$?

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
  const smoke = process.argv[1] === "0" ? "passed" : "FAILED";
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped; fresh-machine smoke ${smoke}`);
' "$smoke_status"
if [ "$vitest_status" -ne 0 ] || [ "$sdk_status" -ne 0 ] || [ "$smoke_status" -ne 0 ]; then exit 1; fi
