#!/usr/bin/env bash
# The README's first command on a fresh machine, as a newcomer runs it: a clean clone of the
# committed HEAD, `npm ci`, then `npm start`, exactly as the README says, with the Kafka client
# absent as where npm can neither download nor build it (npm then leaves it out: this script
# removes it when npm could install it). Both ports must get ready, one metric posted must be read
# back, the dashboard's / must be served, the distributed collector must refuse at once with its
# coded error, and SIGTERM must stop Vantage. Runs on Node 24 (scripts/ensure-node.sh) and on every
# other Node on PATH: a supported one gets the same run, an older one must be refused by `npm start`
# with one line naming the Node needed. First, on Node 24, `npm start` with no optional package at
# all, as after `npm ci --omit=optional` (see omit_optional_run).
# Usage: bash scripts/fresh-machine-smoke.sh [commit]   (default HEAD; npm test runs it without
# one; exits non-zero on any failure)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
mkdir -p .cache
started=$SECONDS
# Outside the checkout: Node looks for packages in every parent's node_modules, and this
# checkout's would lend the clone the very dependencies it must do without.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vantage-fresh-machine.XXXXXX")
cleanup() { rm -rf "$scratch"; }
trap cleanup EXIT

say() { printf '[fresh-machine] %s\n' "$*" >&2; }
fail() {
  say "FAILED: $*"
  if [ -n "${log:-}" ] && [ -f "$log" ]; then
    cp "$log" "$repo/.cache/fresh-machine-failed.log"
    say "last lines of $log (kept in .cache/fresh-machine-failed.log):"
    tail -n 40 "$log" >&2
  fi
  exit 1
}

# Every node on PATH before ours, by real path: the machine's own.
mapfile -t machine_nodes < <(type -ap node | xargs -r -n1 realpath | awk '!seen[$0]++')
eval "$(bash scripts/ensure-node.sh)"
node24=$(realpath "$(command -v node)")
commit=$(git rev-parse "${1:-HEAD}^{commit}")
if [ -z "${1:-}" ] && ! git diff --quiet HEAD -- . ':!node_modules' 2>/dev/null; then
  say "note: uncommitted changes are not part of the clone; testing commit ${commit:0:12}"
fi

free_ports() {
  "$node24" -e '
    const net = require("net");
    const one = () => new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
    (async () => { const ports = new Set(); while (ports.size < 4) ports.add(await one()); console.log([...ports].join(" ")); })();'
}

# curl with a bound: prints the body, fails on a non-2xx status.
get() { curl -sS --fail --max-time 5 "$@"; }

wait_for() { # <seconds> <what> <command...>: polls until the command succeeds
  local limit=$1 what=$2 until=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then fail "npm start exited before $what"; fi
    if [ "$SECONDS" -ge "$until" ]; then fail "$what: not within $limit s"; fi
    sleep 1
  done
}

# A clean clone of the committed HEAD, in a fresh directory.
clone() { # <dir>
  rm -rf "$1"
  git clone --quiet --no-checkout "$repo" "$1"
  git -C "$1" -c advice.detachedHead=false checkout --quiet "$commit"
}

# `npm start` on a Node older than engines.node: one line naming the Node needed, and a failure.
refused_on_old_node() { # <node>
  local old=$1 dir=$scratch/old-node out status=0
  say "Node $("$old" -v) ($old): npm start must refuse with one line"
  clone "$dir"
  out=$(cd "$dir" && PATH="$(dirname "$old"):$PATH" npm start 2>&1) || status=$?
  [ "$status" -ne 0 ] || fail "npm start on Node $("$old" -v) succeeded; it must refuse"
  local lines
  lines=$(grep -c '^Vantage needs Node\.js >=[0-9.]* .*install Node 24' <<<"$out" || true)
  [ "$lines" = 1 ] || fail "npm start on Node $("$old" -v) did not print the one line saying which Node to install:
$out"
  say "  refused: $(grep '^Vantage needs' <<<"$out")"
  rm -rf "$dir"
}

# `npm start` in <dir> on free ports, until both are ready; sets pid, collector and api.
npm_start() { # <dir> <node>
  local dir=$1 node=$2 api_metrics worker_metrics
  read -r collector api api_metrics worker_metrics <<<"$(free_ports)"
  log=$scratch/npm-start.log
  # setsid: its own process group, so that nothing of it can outlive a failed run.
  (cd "$dir" && PATH="$(dirname "$node"):$PATH" VANTAGE_COLLECTOR_PORT=$collector VANTAGE_API_PORT=$api \
    VANTAGE_API_METRICS_PORT=$api_metrics VANTAGE_WORKER_METRICS_PORT=$worker_metrics \
    VANTAGE_OTLP_HTTP_PORT=0 VANTAGE_OTLP_GRPC_PORT=0 \
    exec setsid npm start >"$log" 2>&1) &
  pid=$!
  trap 'kill -KILL -- -$pid 2>/dev/null || true; cleanup' EXIT
  wait_for 300 "the collector ready on :$collector" get "http://127.0.0.1:$collector/ready"
  wait_for 60 "the query API ready on :$api" get "http://127.0.0.1:$api/ready"
}

# SIGTERM to npm alone, as a process manager does: npm passes it to its script's process, which
# must be Vantage itself (`exec node` in package.json), not a shell that dies and leaves it running.
npm_stop() {
  kill -TERM "$pid"
  local until=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$until" ] || fail "npm start still running 30 s after SIGTERM"
    sleep 0.5
  done
  wait "$pid" || true
  if get "http://127.0.0.1:$api/live" >/dev/null 2>&1 || get "http://127.0.0.1:$collector/live" >/dev/null 2>&1; then
    fail "Vantage still answers after npm start exited on SIGTERM"
  fi
  trap cleanup EXIT
}

# The dashboard's page and the script it loads, as a browser fetches them.
dashboard_served() {
  local page script body
  page=$(get "http://127.0.0.1:$api/") || fail "GET / (the dashboard)"
  grep -qi '<div id="root"' <<<"$page" || fail "GET / did not serve the dashboard's page"
  script=$(grep -o '<script type="module"[^>]* src="/assets/[^"]*\.js"' <<<"$page" | grep -o '/assets/[^"]*') ||
    fail "the dashboard's page loads no script from /assets/"
  body=$(get "http://127.0.0.1:$api$script") || fail "GET $script (the dashboard's script)"
  grep -q 'react' <<<"$body" || fail "GET $script did not serve the app's script"
}

# `npm ci --omit=optional`, then `npm start`: with no optional package at all, neither the Kafka
# client nor the per-platform binaries of Vite's bundler (rolldown) and CSS minifier (lightningcss),
# the dashboard must still be built (scripts/build-web.mjs) and served. Not a second `npm ci`
# (better-sqlite3 alone builds from source for minutes): a copy of this checkout's node_modules
# less every package that package-lock.json marks optional, which is what --omit=optional omits.
omit_optional_run() { # <node>
  local node=$1 dir=$scratch/omit-optional t0 removed
  say "Node $("$node" -v): git clone, the checkout's node_modules less every optional package, npm start"
  clone "$dir"
  # Hard links: seconds, not the minute a copy takes on a loaded machine. Safe because this run
  # only reads node_modules (the build writes to dist/, Vantage to its data directory), and the
  # removals below unlink the clone's names, not the checkout's files. A copy across filesystems.
  local modules
  modules=$(realpath "$repo/node_modules")
  cp -al "$modules" "$dir/node_modules" 2>/dev/null || { rm -rf "$dir/node_modules" && cp -a "$modules" "$dir/node_modules"; }
  removed=$(cd "$dir" && "$node" -e '
    const fs = require("fs");
    const { packages } = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
    const optional = Object.keys(packages).filter((p) => p && packages[p].optional && fs.existsSync(p));
    for (const p of optional) fs.rmSync(p, { recursive: true, force: true });
    console.log(optional.length);')
  say "  removed $removed optional packages"
  t0=$SECONDS
  npm_start "$dir" "$node"
  say "  npm start: both ports ready after $((SECONDS - t0)) s (build included)"
  grep -q 'building the dashboard with esbuild-wasm' "$log" ||
    fail "the build used Vite's native parts; they must be absent here"
  dashboard_served
  say "  the dashboard, built by esbuild-wasm, is served"
  npm_stop
  rm -rf "$dir"
}

full_run() { # <node>
  local node=$1 dir=$scratch/clone t0
  local version
  version=$("$node" -v)
  say "Node $version: git clone, npm ci, npm start"
  t0=$SECONDS
  clone "$dir"
  say "  cloned ${commit:0:12} into $dir"
  log=$scratch/npm-ci.log
  # A newcomer's environment: not CI's CKJS_LINKING=dynamic, which builds the client from source.
  (cd "$dir" && PATH="$(dirname "$node"):$PATH" env -u CKJS_LINKING npm ci >"$log" 2>&1) || fail "npm ci"
  say "  npm ci: $((SECONDS - t0)) s"
  rm -rf "$dir/node_modules/@confluentinc/kafka-javascript"
  if (cd "$dir" && "$node" -e 'require.resolve("@confluentinc/kafka-javascript")' 2>/dev/null); then
    fail "the clone can load the Kafka client; the test needs it absent"
  fi

  t0=$SECONDS
  npm_start "$dir" "$node"
  say "  npm start: both ports ready after $((SECONDS - t0)) s (build included)"

  local service=smoke-$RANDOM$RANDOM now answer
  now=$(($(date +%s) * 1000))
  answer=$(get -X POST "http://127.0.0.1:$collector/v1/metrics" -H 'content-type: application/json' \
    -d "{\"metrics\":[{\"service\":\"$service\",\"name\":\"smoke_value\",\"value\":42.5,\"timestamp\":$now}]}") ||
    fail "POST /v1/metrics"
  grep -q '"accepted":1' <<<"$answer" || fail "POST /v1/metrics answered $answer"
  has_point() {
    get "http://127.0.0.1:$api/metrics/timeseries?service=$service&metric=smoke_value&from=-10m&step=1m&agg=avg" |
      grep -q '42\.5'
  }
  wait_for 30 "the posted metric readable from the query API" has_point
  get "http://127.0.0.1:$api/v1/services" | grep -q "\"$service\"" || fail "GET /v1/services does not list $service"
  say "  posted one metric to :$collector and read it back from :$api"

  dashboard_served
  say "  the dashboard's / is served"

  local out status=0
  out=$(cd "$dir" && PATH="$(dirname "$node"):$PATH" timeout 30 npm run --silent vantage -- collector \
    --kafka-brokers 127.0.0.1:9 --collector-port 0 2>&1) || status=$?
  [ "$status" = 2 ] || fail "vantage collector without the Kafka client exited $status (want 2):
$out"
  grep -q '^VTG_CONFIG_KAFKA_CLIENT_MISSING: .*scripts/install-kafka-client-deps.sh' <<<"$out" ||
    fail "vantage collector without the Kafka client did not say what to install:
$out"
  ! grep -q '^ *at ' <<<"$out" || fail "vantage collector without the Kafka client printed a stack trace:
$out"
  say "  vantage collector refuses at once: VTG_CONFIG_KAFKA_CLIENT_MISSING"

  npm_stop
  say "  SIGTERM: stopped, ports closed"
  rm -rf "$dir"
}

omit_optional_run "$node24"
for machine in "${machine_nodes[@]}"; do
  [ "$machine" != "$node24" ] || continue
  if "$machine" "$repo/scripts/check-node.cjs" 2>/dev/null; then
    full_run "$machine"
  else
    refused_on_old_node "$machine"
  fi
done
full_run "$node24"
say "passed in $((SECONDS - started)) s"
