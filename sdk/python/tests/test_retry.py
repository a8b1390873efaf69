"""Retry, error handling, bounded buffer and lifecycle, against a real local
HTTP server that answers 429/503/400/... as scripted."""

import logging
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from fake_collector import FakeCollector, Reply, error

import vantage
from vantage._client import _parse_retry_after


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def record_backoffs(client):
    """Wraps the client's backoff so a test can check the delays it chose, not wall-clock time."""
    delays = []
    original = client._backoff

    def recording(retry_after):
        delay = original(retry_after)
        delays.append(delay)
        return delay

    client._backoff = recording
    return delays


def test_429_retry_after_is_honoured_then_202(collector, make_client):
    collector.script = [error(429, "VTG_RATE_LIMITED", "slow down", Retry_After="1")]
    client = make_client(backoff_base=0.01)
    delays = record_backoffs(client)
    client.counter("c").inc(5)
    assert client.flush(timeout=5)
    assert len(collector.requests) == 2
    # Waited for Retry-After (plus a little jitter), not the 10 ms backoff.
    assert len(delays) == 1 and 1.0 <= delays[0] <= 1.15, delays
    assert collector.requests[1].at - collector.requests[0].at >= 1.0
    assert collector.requests[1].metrics == collector.requests[0].metrics
    stats = client.stats()
    assert stats["sent"] == 1 and stats["retries"] == 1 and stats["failed"] == 0
    assert stats["buffered"] == 0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_retryable_statuses_back_off_then_succeed(collector, make_client, status):
    collector.script = [
        error(status, "VTG_UNAVAILABLE", "busy"),
        error(status, "VTG_UNAVAILABLE", "busy"),
        Reply(202, {"accepted": 1}),
    ]
    client = make_client(backoff_base=0.05, backoff_max=1.0)
    delays = record_backoffs(client)
    client.counter("c").inc()
    assert client.flush(timeout=5)
    assert len(collector.requests) == 3
    # Jittered exponential backoff: 1st wait in [25, 50] ms, 2nd in [50, 100] ms.
    assert len(delays) == 2, delays
    assert 0.025 <= delays[0] <= 0.05 and 0.05 <= delays[1] <= 0.1, delays
    gaps = [b.at - a.at for a, b in zip(collector.requests, collector.requests[1:])]
    assert gaps[0] >= 0.025 and gaps[1] >= 0.05, gaps
    assert client.stats()["sent"] == 1 and client.stats()["retries"] == 2


def test_503_with_retry_after(collector, make_client):
    collector.script = [error(503, "VTG_OVERLOADED", "pipeline saturated", Retry_After="0.3")]
    client = make_client()
    client.counter("c").inc()
    assert client.flush(timeout=5)
    assert collector.requests[1].at - collector.requests[0].at >= 0.3


def test_400_is_not_retried_and_logged_once_with_code_and_field(collector, make_client, caplog):
    collector.responder = lambda req: error(
        400, "VTG_INVALID_VALUE", "value must be a finite number", "metrics[0].value"
    )
    client = make_client()
    with caplog.at_level(logging.DEBUG, logger="vantage"):
        client.counter("c").inc()
        assert client.flush(timeout=5)
        client.counter("c").inc()
        assert client.flush(timeout=5)
    assert len(collector.requests) == 2  # one per flush, no retries
    stats = client.stats()
    assert stats["failed"] == 2 and stats["retries"] == 0 and stats["sent"] == 0
    assert "VTG_INVALID_VALUE" in stats["last_error"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    msg = errors[0].getMessage()
    assert "HTTP 400" in msg and "VTG_INVALID_VALUE" in msg and "metrics[0].value" in msg
    assert errors[0].name == "vantage"


@pytest.mark.parametrize("status,code", [(401, "VTG_UNAUTHORIZED"), (415, "VTG_UNSUPPORTED_MEDIA_TYPE"), (500, "VTG_SERVER_INTERNAL_ERROR")])
def test_other_errors_are_not_retried(collector, make_client, caplog, status, code):
    collector.script = [error(status, code, "nope")]
    client = make_client()
    client.counter("c").inc()
    with caplog.at_level(logging.ERROR, logger="vantage"):
        assert client.flush(timeout=5)
    assert len(collector.requests) == 1
    assert client.stats()["failed"] == 1
    assert any(code in r.getMessage() for r in caplog.records)


def test_413_splits_the_batch(collector, make_client):
    def respond(req):
        if len(req.metrics) > 300:
            return error(413, "VTG_PAYLOAD_TOO_LARGE", "too large")
        return None

    collector.responder = respond
    client = make_client()
    h = client.histogram("h")
    for i in range(1000):
        h.observe(i)
    assert client.flush(timeout=5)
    accepted = [r for r in collector.requests if len(r.metrics) <= 300]
    values = sorted(m["value"] for r in accepted for m in r.metrics)
    assert values == list(range(1000))
    assert client.stats()["sent"] == 1000 and client.stats()["failed"] == 0


def test_202_with_rejected_items(collector, make_client, caplog):
    collector.script = [
        Reply(202, {"accepted": 2, "rejected": [
            {"index": 1, "code": "VTG_TIMESTAMP_OUT_OF_RANGE", "field": "metrics[1].timestamp", "message": "too old"}
        ]})
    ]
    client = make_client()
    h = client.histogram("h")
    for i in range(3):
        h.observe(i)
    with caplog.at_level(logging.WARNING, logger="vantage"):
        assert client.flush()
    stats = client.stats()
    assert stats["sent"] == 2 and stats["rejected"] == 1
    assert any("VTG_TIMESTAMP_OUT_OF_RANGE" in r.getMessage() and "metrics[1].timestamp" in r.getMessage()
               for r in caplog.records)


def test_network_errors_are_retried_until_the_collector_comes_up(make_client):
    port = free_port()
    client = make_client(endpoint="http://127.0.0.1:%d" % port, backoff_base=0.01, backoff_max=0.05)
    client.counter("c").inc(3)
    assert client.flush(timeout=0.5) is False
    stats = client.stats()
    assert stats["retries"] >= 2 and stats["buffered"] == 1
    assert "network error" in stats["last_error"]
    # Now a collector appears on that port: the buffered sample is delivered.
    server = FakeCollector.__new__(FakeCollector)
    try:
        _start_on_port(server, port)
        assert client.flush(timeout=5)
        assert [m["value"] for m in server.metrics()] == [3]
    finally:
        server.stop()


def _start_on_port(server, port):
    """Start a FakeCollector on a given port (re-using its constructor logic)."""
    import fake_collector
    from http.server import ThreadingHTTPServer

    original = ThreadingHTTPServer.__init__

    def init(self, addr, handler, *a, **k):
        original(self, ("127.0.0.1", port), handler, *a, **k)

    fake_collector.ThreadingHTTPServer.__init__ = init
    try:
        FakeCollector.__init__(server)
    finally:
        fake_collector.ThreadingHTTPServer.__init__ = original


def test_connection_dropped_without_answer_is_retried(collector, make_client):
    collector.script = [Reply(hang_up=True)]
    client = make_client()
    client.counter("c").inc()
    assert client.flush(timeout=5)
    assert len(collector.requests) == 2
    assert client.stats()["sent"] == 1


def test_stale_keepalive_connection_is_reopened_without_backoff(collector, make_client):
    # The server closes the connection after answering, without telling the client.
    collector.script = [Reply(202, {"accepted": 1}, close=True)]
    client = make_client(backoff_base=5, backoff_max=5)
    delays = record_backoffs(client)
    client.counter("c").inc()
    assert client.flush(timeout=2)
    time.sleep(0.05)
    client.counter("c").inc()
    assert client.flush(timeout=2)
    assert delays == []  # reconnected at once: no 5 s backoff
    assert client.stats()["sent"] == 2 and client.stats()["retries"] == 0


def test_buffer_is_bounded_and_drops_oldest(make_client):
    port = free_port()
    client = make_client(
        endpoint="http://127.0.0.1:%d" % port, batch_size=100, max_buffer_size=1000,
    )
    h = client.histogram("seq")
    for i in range(700):
        h.observe(i)
    client.flush(timeout=0.2)
    for i in range(700, 2500):
        h.observe(i)
    client.flush(timeout=0.2)
    stats = client.stats()
    assert stats["buffered"] == 1000
    assert stats["dropped"] == 1500
    server = FakeCollector.__new__(FakeCollector)
    try:
        _start_on_port(server, port)
        client._not_before = 0  # skip the remaining backoff
        assert client.flush(timeout=5)
        values = sorted(m["value"] for m in server.metrics())
        assert values == list(range(1500, 2500))  # the newest survived
        assert all(len(r.metrics) <= 100 for r in server.requests)
    finally:
        server.stop()


def test_close_flushes_and_is_idempotent(collector, make_client):
    client = make_client()
    client.counter("c").inc(4)
    assert client.close()
    assert client.close()
    assert [m["value"] for m in collector.metrics()] == [4]


def test_close_gives_up_after_timeout_when_unreachable(make_client):
    client = make_client(endpoint="http://127.0.0.1:%d" % free_port(), backoff_base=0.05)
    client.counter("c").inc()
    t0 = time.monotonic()
    assert client.close(timeout=0.5) is False
    assert time.monotonic() - t0 < 10  # gave up rather than hang
    assert client.stats()["buffered"] == 1


def test_background_thread_flushes_periodically(collector):
    client = vantage.Client(collector.url, service="bg", flush_interval=0.2, register_atexit=False)
    try:
        c = client.counter("ticks")
        c.inc()
        deadline = time.monotonic() + 3
        while not collector.metrics() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [m["value"] for m in collector.metrics()] == [1]
        c.inc(2)
        deadline = time.monotonic() + 3
        while len(collector.metrics()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [m["value"] for m in collector.metrics()] == [1, 2]
        assert client._thread.daemon
    finally:
        client.close(timeout=1)
    assert not client._thread.is_alive()


def test_background_thread_survives_retry_after(collector):
    collector.script = [error(429, "VTG_RATE_LIMITED", "slow", Retry_After="0.5")]
    client = vantage.Client(collector.url, service="bg", flush_interval=0.1, register_atexit=False)
    try:
        client.counter("c").inc()
        deadline = time.monotonic() + 5
        while client.stats()["sent"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.stats()["sent"] == 1
        assert collector.requests[1].at - collector.requests[0].at >= 0.5
    finally:
        client.close(timeout=1)


def test_atexit_flushes_in_a_real_process(collector):
    sdk_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = textwrap.dedent(
        """
        import vantage
        client = vantage.Client(%r, service="exiting", flush_interval=3600)
        client.counter("jobs_done").inc(42)
        client.histogram("job_ms").observe(12.5)
        # no flush(), no close(): the atexit hook must deliver
        """
        % collector.url
    )
    env = dict(os.environ, PYTHONPATH=sdk_root)
    proc = subprocess.run([sys.executable, "-c", script], env=env, timeout=30,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = {m["name"]: m["value"] for m in collector.metrics()}
    assert got == {"jobs_done": 42, "job_ms": 12.5}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_gets_its_own_flush_thread(collector):
    client = vantage.Client(collector.url, service="forky", flush_interval=3600, register_atexit=False)
    try:
        c = client.counter("work")
        c.inc(1)  # belongs to the parent
        pid = os.fork()
        if pid == 0:  # child
            code = 1
            try:
                c.inc(10)
                ok = client.flush(timeout=5) and client._thread.is_alive()
                code = 0 if ok else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0
        assert client.flush(timeout=5)
        assert sorted(m["value"] for m in collector.metrics()) == [1, 10]
    finally:
        client.close(timeout=1)


def test_parse_retry_after():
    assert _parse_retry_after("3") == 3.0
    assert _parse_retry_after("0.5") == 0.5
    assert _parse_retry_after(None) is None
    assert _parse_retry_after("soon") is None
    from email.utils import formatdate

    assert 8 <= _parse_retry_after(formatdate(time.time() + 10, usegmt=True)) <= 11
