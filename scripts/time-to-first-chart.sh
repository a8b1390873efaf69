#!/usr/bin/env bash
# Measures a newcomer's time to first chart, the figure in the README's status line: `git clone`
# of the committed HEAD, the README's `npm ci && npm start`, then `npm run vantage --
# send-test-metrics` until the query API serves what the dashboard's overview and service charts
# show (the four demo services, and three hours of checkout latency). Uses the Node on PATH (run
# `eval "$(bash scripts/ensure-node.sh)"` first for Node 24); ports are free ones, via VANTAGE_*.
# Usage: bash scripts/time-to-first-chart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# Outside the checkout, whose node_modules Node would otherwise find from the clone.
dir=${TMPDIR:-/tmp}/vantage-first-chart
log=$repo/.cache/first-chart.log
: >"$log"
say() { printf '[first-chart] %s\n' "$*" >&2; }
fail() {
  say "FAILED: $*"
  tail -n 30 "$log" >&2
  exit 1
}

read -r collector api api_metrics worker_metrics <<<"$(node -e '
  const net = require("net");
  const one = () => new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
  (async () => { const ports = new Set(); while (ports.size < 4) ports.add(await one()); console.log([...ports].join(" ")); })();')"
export VANTAGE_COLLECTOR_PORT=$collector VANTAGE_API_PORT=$api VANTAGE_API_METRICS_PORT=$api_metrics \
  VANTAGE_WORKER_METRICS_PORT=$worker_metrics VANTAGE_ENDPOINT=http://127.0.0.1:$collector
say "Node $(node -v), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

rm -rf "$dir"
start=$(date +%s%N)
lap() { echo "$((($(date +%s%N) - start) / 1000000000))"; }
git clone --quiet "$repo" "$dir"
git -C "$dir" -c advice.detachedHead=false checkout --quiet "$(git rev-parse HEAD)"
say "git clone: $(lap) s"
cd "$dir"
npm ci >>"$log" 2>&1 || fail "npm ci"
say "npm ci: done at $(lap) s"
setsid npm start >>"$log" 2>&1 &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true; [ -z "${sender:-}" ] || kill -TERM -- "-$sender" 2>/dev/null || true' EXIT
until curl -sf --max-time 2 "http://127.0.0.1:$collector/ready" >/dev/null &&
  curl -sf --max-time 2 "http://127.0.0.1:$api/ready" >/dev/null; do
  kill -0 "$server" 2>/dev/null || fail "npm start exited"
  sleep 0.5
done
say "npm start: ready at $(lap) s"
setsid npm run vantage -- send-test-metrics >>"$log" 2>&1 &
sender=$!
charted() {
  curl -sf --max-time 5 "http://127.0.0.1:$api/v1/services" | grep -q '"inventory"' || return 1
  curl -sf --max-time 5 \
    "http://127.0.0.1:$api/metrics/timeseries?service=checkout&metric=http_request_duration_ms&from=-3h&step=5m&agg=p99" |
    node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const points = JSON.parse(s).series.flatMap((x) => x.points);
        const oldest = Math.min(...points.map((p) => p[0]));
        process.exit(points.length > 0 && oldest < Date.now() - 2.5 * 3600e3 ? 0 : 1);
      });'
}
until charted; do
  kill -0 "$sender" 2>/dev/null || fail "send-test-metrics exited"
  sleep 0.5
done
say "send-test-metrics: the dashboard's data is there at $(lap) s"
