#!/usr/bin/env python3
"""Send realistic live test traffic to a Vantage collector.

Simulates three services (checkout, payments, search).  For every simulated
request it records:

* ``http_request_duration_ms`` - histogram, one observation per request
  (log-normal latency per route, with an occasional slow "incident"),
* ``http_requests_total``     - counter (throughput), tagged route/method/status,
* ``http_errors_total``       - counter of 5xx responses, tagged route/status,

plus a ``worker_queue_depth`` gauge per service.  It runs for ``--duration``
seconds and stops by itself, then prints the client stats.

    python3 examples/send_test_metrics.py --endpoint http://127.0.0.1:8000 --duration 120

Then look at it, e.g. p95 latency per route of checkout:

    curl 'http://127.0.0.1:5000/metrics/timeseries?service=checkout&metric=http_request_duration_ms&from=-15m&to=now&step=60000&agg=p95&group_by=route'
"""

import argparse
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import vantage  # noqa: E402

# service -> list of (route, method, share of traffic, median latency ms, error rate)
SERVICES = {
    "checkout": [
        ("/cart", "GET", 0.45, 18.0, 0.002),
        ("/cart/items", "POST", 0.30, 35.0, 0.005),
        ("/checkout", "POST", 0.25, 120.0, 0.01),
    ],
    "payments": [
        ("/v1/charges", "POST", 0.7, 240.0, 0.015),
        ("/v1/refunds", "POST", 0.1, 310.0, 0.02),
        ("/v1/charges/:id", "GET", 0.2, 25.0, 0.001),
    ],
    "search": [
        ("/search", "GET", 0.85, 45.0, 0.003),
        ("/suggest", "GET", 0.15, 8.0, 0.001),
    ],
}


class SimulatedService:
    def __init__(self, name, routes, client, base_rps):
        self.name = name
        self.client = client
        self.base_rps = base_rps
        self.routes = []
        for route, method, share, median, error_rate in routes:
            self.routes.append({
                "share": share,
                "median": median,
                "error_rate": error_rate,
                "latency": client.histogram("http_request_duration_ms", {"route": route, "method": method}),
                "ok": client.counter("http_requests_total", {"route": route, "method": method, "status": "200"}),
                "err": client.counter("http_requests_total", {"route": route, "method": method, "status": "503"}),
                "errors": client.counter("http_errors_total", {"route": route, "status": "503"}),
            })
        self.queue = client.gauge("worker_queue_depth")
        self.depth = 0.0
        self.incident_until = 0.0

    def tick(self, now, dt):
        # Traffic follows a slow wave; an incident now and then slows things down.
        rps = self.base_rps * (1.0 + 0.4 * math.sin(now / 60.0 * 2 * math.pi / 5))
        if now > self.incident_until and random.random() < dt / 90.0:
            self.incident_until = now + random.uniform(10, 25)
        incident = now < self.incident_until
        n = _poisson(rps * dt)
        for _ in range(n):
            r = _pick(self.routes)
            slow = 4.0 if incident else 1.0
            latency = random.lognormvariate(math.log(r["median"] * slow), 0.45)
            r["latency"].observe(round(latency, 3))
            failed = random.random() < r["error_rate"] * (8.0 if incident else 1.0)
            if failed:
                r["err"].inc()
                r["errors"].inc()
            else:
                r["ok"].inc()
        self.depth = max(0.0, self.depth + random.gauss(3.0 if incident else -1.0, 2.0))
        self.queue.set(round(self.depth))


def _pick(routes):
    x = random.random()
    for r in routes:
        x -= r["share"]
        if x <= 0:
            return r
    return routes[-1]


def _poisson(lam):
    if lam > 30:
        return max(0, int(random.gauss(lam, math.sqrt(lam)) + 0.5))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= random.random()
        if p <= limit:
            return k
        k += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default=os.environ.get("VANTAGE_ENDPOINT", "http://127.0.0.1:8000"))
    parser.add_argument("--api-key", default=os.environ.get("VANTAGE_API_KEY"))
    parser.add_argument("--duration", type=float, default=120.0, help="seconds to run (default 120)")
    parser.add_argument("--rps", type=float, default=50.0, help="base requests per second per service")
    parser.add_argument("--flush-interval", type=float, default=5.0)
    parser.add_argument("--env", default="demo", help="value of the env tag")
    args = parser.parse_args()

    sims = []
    for name, routes in SERVICES.items():
        client = vantage.Client(
            args.endpoint, api_key=args.api_key, service=name,
            default_tags={"env": args.env, "host": "%s-1" % name},
            flush_interval=args.flush_interval,
        )
        sims.append(SimulatedService(name, routes, client, args.rps))

    print("sending to %s for %.0fs (Ctrl-C to stop early)" % (args.endpoint, args.duration))
    start = last = time.monotonic()
    next_report = start + 10
    try:
        while True:
            now = time.monotonic()
            if now - start >= args.duration:
                break
            dt, last = now - last, now
            for sim in sims:
                sim.tick(now - start, dt)
            if now >= next_report:
                next_report += 10
                for sim in sims:
                    s = sim.client.stats()
                    print("  %-9s sent=%d buffered=%d retries=%d failed=%d dropped=%d"
                          % (sim.name, s["sent"], s["buffered"], s["retries"], s["failed"], s["dropped"]))
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    ok = True
    for sim in sims:
        ok = sim.client.close(timeout=10) and ok
        s = sim.client.stats()
        print("%-9s sent=%d failed=%d dropped=%d rejected=%d last_error=%s"
              % (sim.name, s["sent"], s["failed"], s["dropped"], s["rejected"], s["last_error"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
