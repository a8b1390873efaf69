#!/usr/bin/env bash
# Installs Debian's Prometheus (2.42, with promtool), Alertmanager (0.25) and VictoriaMetrics (1.79)
# when missing: the remote_write integration test drives a real Prometheus (scraping a test target,
# remote-writing to Vantage) and the remote_write benchmark runs both receivers beside Vantage;
# test/notifications.int.test.ts hands Vantage's alerts to a real Alertmanager; `npm test` checks
# deploy/prometheus/rules with promtool and loads them into Prometheus. Their packaged services are
# not started: the tests and the benchmark start their own processes on free ports.
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null &&
  command -v prometheus-alertmanager >/dev/null && command -v victoria-metrics >/dev/null; then exit 0; fi
echo "installing prometheus, prometheus-alertmanager and victoria-metrics (tests and benchmark)" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
# policy-rc.d exit 101: Debian's maintainer scripts then leave the packaged services stopped.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod +x "$policy"
  trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager victoria-metrics
