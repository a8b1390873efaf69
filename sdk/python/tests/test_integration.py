"""End-to-end test against a real embedded Vantage server.

Starts ``node <repo>/dist/cli/main.js start`` on free loopback ports with a
temporary data dir, waits for ``GET /ready`` on the collector port, sends
metrics with the SDK and reads them back from the query API.

Skipped (with the reason) only when the server has not been built, i.e. when
``dist/cli/main.js`` is missing, or when ``node`` is not installed.
"""

import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

import vantage

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
CLI = os.path.join(REPO_ROOT, "dist", "cli", "main.js")
API_KEY = "sdk-it-key-" + uuid.uuid4().hex  # 43 characters: keys under 32 are refused
READY_TIMEOUT = 90.0
QUERY_TIMEOUT = 45.0

pytestmark = [
    pytest.mark.skipif(
        not os.path.isfile(CLI),
        reason="Vantage server not built: %s is missing (run `npm run build` at the repo root)" % CLI,
    ),
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]


def _free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _get(url, headers=None, timeout=5.0):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Server:
    def __init__(self):
        self.data_dir = tempfile.mkdtemp(prefix="vantage-sdk-it-")
        collector, api, api_metrics, worker_metrics = _free_ports(4)
        self.collector_url = "http://127.0.0.1:%d" % collector
        self.api_url = "http://127.0.0.1:%d" % api
        self.log_path = os.path.join(self.data_dir, "server.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("VANTAGE_")}
        cmd = [
            "node", CLI, "start",
            "--data-dir", os.path.join(self.data_dir, "data"),
            "--host", "127.0.0.1",
            "--collector-port", str(collector),
            "--api-port", str(api),
            "--api-metrics-port", str(api_metrics),
            "--worker-metrics-port", str(worker_metrics),
            "--api-keys", API_KEY,
        ]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    "vantage exited with code %s before it was ready; log:\n%s"
                    % (self.proc.returncode, self.log_tail())
                )
            try:
                status, _ = _get(self.collector_url + "/ready", timeout=2)
                if status == 200:
                    return
                last = "HTTP %d" % status
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise AssertionError(
            "vantage did not answer 200 on /ready within %ds (last: %s); log:\n%s"
            % (READY_TIMEOUT, last, self.log_tail())
        )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    srv = Server()
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def query(server, service, metric, agg, **extra):
    params = {
        "service": service, "metric": metric, "from": "-1h", "to": "now",
        "step": "60000", "agg": agg,
    }
    params.update(extra)
    url = server.api_url + "/metrics/timeseries?" + urllib.parse.urlencode(params)
    status, body = _get(url, headers={"Authorization": "Bearer " + API_KEY})
    assert status == 200, "query %s -> HTTP %d: %s" % (url, status, body[:500])
    return json.loads(body)


def total(doc):
    return sum(p[1] for s in doc["series"] for p in s["points"] if p[1] is not None)


def wait_for(server, service, metric, agg, expected, **extra):
    """Poll the query API until the summed points equal ``expected``."""
    deadline = time.monotonic() + QUERY_TIMEOUT
    doc = None
    while time.monotonic() < deadline:
        doc = query(server, service, metric, agg, **extra)
        if doc.get("series") and abs(total(doc) - expected) < 1e-6:
            return doc
        time.sleep(0.3)
    raise AssertionError(
        "%s %s agg=%s %s: expected %r, last answer %s; server log:\n%s"
        % (service, metric, agg, extra, expected, json.dumps(doc)[:1500], server.log_tail(2000))
    )


def test_metrics_round_trip_through_a_real_server(server):
    service = "sdk-it-" + uuid.uuid4().hex[:8]
    client = vantage.Client(
        server.collector_url, api_key=API_KEY, service=service,
        default_tags={"env": "it"}, flush_interval=3600, close_timeout=10,
    )
    try:
        jobs = client.counter("jobs_total", {"queue": "q1"})
        jobs.inc()
        jobs.inc(2)
        jobs.inc(4)
        assert client.flush(timeout=20), client.stats()
        jobs.inc(5)
        client.counter("jobs_total", {"queue": "q2"}).inc(100)

        latency = client.histogram("http_request_duration_ms", {"route": "/pay"})
        for value in (10, 20, 30, 40):
            latency.observe(value)
        with client.timer("http_request_duration_ms", {"route": "/timed"}):
            time.sleep(0.01)

        temp = client.gauge("temperature_c")
        temp.set(3)
        temp.set(21.5)
        assert client.flush(timeout=20), client.stats()
        stats = client.stats()
        assert stats["failed"] == 0 and stats["rejected"] == 0 and stats["dropped"] == 0, stats
        assert stats["sent"] == 1 + 1 + 1 + 4 + 1 + 1, stats
    finally:
        client.close()

    # Counters: deltas summed by the server.
    wait_for(server, service, "jobs_total", "sum", 112)
    doc = wait_for(server, service, "jobs_total", "sum", 12, tags="queue:q1")
    assert all(s["tags"].get("queue", "q1") == "q1" for s in doc["series"])
    grouped = query(server, service, "jobs_total", "sum", group_by="queue")
    by_queue = {s["tags"].get("queue"): sum(p[1] for p in s["points"]) for s in grouped["series"]}
    assert by_queue == {"q1": 12, "q2": 100}, grouped

    # Histogram observations: every one stored.
    wait_for(server, service, "http_request_duration_ms", "sum", 100, tags="route:/pay")
    wait_for(server, service, "http_request_duration_ms", "count", 4, tags="route:/pay")
    wait_for(server, service, "http_request_duration_ms", "max", 40, tags="route:/pay")
    timed = query(server, service, "http_request_duration_ms", "max", tags="route:/timed")
    assert 9 <= total(timed) < 1000, timed  # milliseconds

    # Gauge: only the last value of the interval was sent.
    wait_for(server, service, "temperature_c", "count", 1)
    wait_for(server, service, "temperature_c", "max", 21.5)


def test_wrong_api_key_is_not_retried_and_logged(server, caplog):
    client = vantage.Client(
        server.collector_url, api_key="wrong-key", service="sdk-it-badkey",
        flush_interval=3600, register_atexit=False, backoff_base=0.01,
    )
    try:
        client.counter("c").inc()
        with caplog.at_level(logging.ERROR, logger="vantage"):
            assert client.flush(timeout=10)
        stats = client.stats()
        assert stats["failed"] == 1 and stats["retries"] == 0 and stats["sent"] == 0, stats
        assert stats["requests"] == 1
        messages = [r.getMessage() for r in caplog.records if r.name == "vantage"]
        assert any("HTTP 401" in m and "VTG_AUTH" in m for m in messages), messages
    finally:
        client.close(timeout=2)
