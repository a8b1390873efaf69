"""Aggregation semantics, handles, tags and batching, checked on the wire
against a real local HTTP server."""

import asyncio
import gzip
import json
import math
import threading
import time

import pytest

import vantage


def by_name(metrics, name):
    return [m for m in metrics if m["name"] == name]


def test_counter_sends_one_delta_per_interval(collector, make_client):
    client = make_client()
    c = client.counter("orders_total", {"region": "eu"})
    for _ in range(5):
        c.inc()
    c.inc(2.5)
    before = int(time.time() * 1000)
    assert client.flush()
    after = int(time.time() * 1000)
    [m] = collector.metrics()
    assert m == {
        "service": "test-svc",
        "name": "orders_total",
        "type": "counter",
        "tags": {"region": "eu"},
        "value": 7.5,
        "timestamp": m["timestamp"],
    }
    assert before <= m["timestamp"] <= after

    # Nothing new: no sample at all for the next interval.
    assert client.flush()
    assert len(collector.metrics()) == 1

    c.inc(3)
    assert client.flush()
    values = [m["value"] for m in collector.metrics()]
    assert values == [7.5, 3]
    assert client.stats()["sent"] == 2


def test_counter_rejects_negative_increment(make_client):
    c = make_client().counter("x")
    with pytest.raises(ValueError):
        c.inc(-1)


def test_gauge_sends_last_value_with_its_time(collector, make_client):
    client = make_client()
    g = client.gauge("queue_depth", {"queue": "emails"})
    g.set(10)
    g.set(4)
    t_set = int(time.time() * 1000)
    time.sleep(0.02)
    g.set(7)
    assert client.flush()
    [m] = collector.metrics()
    assert m["type"] == "gauge" and m["value"] == 7 and m["tags"] == {"queue": "emails"}
    assert m["timestamp"] >= t_set
    # Not set during the next interval: nothing sent.
    assert client.flush()
    assert len(collector.metrics()) == 1
    # inc/dec work from the current value.
    g.inc(3)
    g.dec()
    assert client.flush()
    assert collector.metrics()[-1]["value"] == 9


def test_histogram_sends_each_observation_with_its_own_timestamp(collector, make_client):
    client = make_client()
    h = client.histogram("http_request_duration_ms", {"route": "/pay"})
    stamps = []
    for value in (12.5, 3, 250.25):
        stamps.append(int(time.time() * 1000))
        h.observe(value)
        time.sleep(0.005)
    assert client.flush()
    ms = collector.metrics()
    assert [m["value"] for m in ms] == [12.5, 3, 250.25]
    assert all(m["type"] == "gauge" for m in ms)
    assert all(m["tags"] == {"route": "/pay"} for m in ms)
    for m, t in zip(ms, stamps):
        assert t <= m["timestamp"] <= t + 5
    assert ms[0]["timestamp"] < ms[2]["timestamp"]


def test_histogram_reservoir_caps_observations(collector, make_client):
    client = make_client(max_histogram_samples=100)
    h = client.histogram("latency_ms")
    for i in range(10_000):
        h.observe(i)
    assert client.flush()
    values = [m["value"] for m in collector.metrics()]
    assert len(values) == 100
    assert client.stats()["sampled_out"] == 9_900
    # Reservoir sampling keeps a uniform sample: it is not just the first 100.
    assert max(values) > 1000
    assert 2000 < sum(values) / len(values) < 8000
    # The cap is per interval.
    for i in range(10):
        h.observe(i)
    assert client.flush()
    assert len(collector.metrics()) == 110


def test_timer_context_manager_decorator_and_async(collector, make_client):
    client = make_client()
    t = client.timer("work_ms", {"kind": "ctx"})
    with t:
        time.sleep(0.02)
    # Nested use of the same timer object.
    with t:
        with t:
            pass
        time.sleep(0.01)

    @client.timer("work_ms", {"kind": "decorated"})
    def work(x):
        time.sleep(0.01)
        return x * 2

    assert work(21) == 42
    assert work(1) == 2
    assert work.__name__ == "work"

    @client.timer("work_ms", {"kind": "failing"})
    def boom():
        raise RuntimeError("x")

    with pytest.raises(RuntimeError):
        boom()

    @client.timer("work_ms", {"kind": "async"})
    async def awork():
        await asyncio.sleep(0.01)
        return "ok"

    assert asyncio.run(awork()) == "ok"

    assert client.flush()
    ms = collector.metrics()
    kinds = {}
    for m in ms:
        kinds.setdefault(m["tags"]["kind"], []).append(m["value"])
    ctx = kinds["ctx"]
    assert len(ctx) == 3
    assert ctx[0] >= 19  # milliseconds, not seconds
    assert min(ctx) < 5 and sorted(ctx)[1] >= 9
    assert len(kinds["decorated"]) == 2 and all(v >= 9 for v in kinds["decorated"])
    assert len(kinds["failing"]) == 1
    assert len(kinds["async"]) == 1 and kinds["async"][0] >= 9
    assert client.timer("work_ms", {"kind": "ctx"}) is t


def test_timer_shared_between_threads(collector, make_client):
    client = make_client()
    t = client.timer("job_ms")

    def run(delay):
        with t:
            time.sleep(delay)

    threads = [threading.Thread(target=run, args=(d,)) for d in (0.05, 0.01)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert client.flush()
    values = sorted(m["value"] for m in collector.metrics())
    assert 9 <= values[0] < 40 and values[1] >= 49


def test_default_tags_merge_and_override(collector, make_client):
    client = make_client(default_tags={"env": "prod", "region": "eu", "version": 3})
    client.counter("a", {"region": "us", "route": "/x"}).inc()
    client.counter("b").inc()
    assert client.flush()
    a, b = sorted(collector.metrics(), key=lambda m: m["name"])
    assert a["tags"] == {"env": "prod", "region": "us", "route": "/x", "version": "3"}
    assert b["tags"] == {"env": "prod", "region": "eu", "version": "3"}


def test_handles_are_cached_per_name_and_tags(make_client):
    client = make_client(default_tags={"env": "prod"})
    a = client.counter("hits", {"route": "/a", "m": "GET"})
    assert client.counter("hits", {"m": "GET", "route": "/a"}) is a
    assert client.counter("hits", {"route": "/b"}) is not a
    assert client.counter("hits") is client.counter("hits")
    assert client.histogram("hits") is not client.counter("hits")


@pytest.mark.parametrize(
    "name,tags",
    [
        ("9bad", None),
        ("has space", None),
        ("x" * 257, None),
        ("ok", {"9key": "v"}),
        ("ok", {"k": "v" * 257}),
        ("ok", {"k": None}),
        ("ok", {"k%d" % i: "v" for i in range(33)}),
    ],
)
def test_invalid_names_and_tags_raise(make_client, name, tags):
    client = make_client()
    with pytest.raises(ValueError):
        client.counter(name, tags)


def test_invalid_service_and_endpoint():
    with pytest.raises(ValueError):
        vantage.Client("http://127.0.0.1:1", service="bad service", start_thread=False, register_atexit=False)
    with pytest.raises(ValueError):
        vantage.Client("ftp://x", service="ok", start_thread=False, register_atexit=False)
    with pytest.raises(ValueError):
        vantage.Client("http://127.0.0.1:1", service="ok", batch_size=10_001,
                       start_thread=False, register_atexit=False)


def test_non_finite_values_are_dropped_and_counted(collector, make_client):
    client = make_client()
    h = client.histogram("h")
    for value in (1.0, float("nan"), float("inf"), "abc", 2, 1e292, -(10**300), -1e291):
        h.observe(value)
    client.gauge("g").set(float("-inf"))
    assert client.flush()
    assert [m["value"] for m in collector.metrics()] == [1.0, 2, -1e291]
    assert client.stats()["invalid"] == 6


def test_batches_are_gzip_json_with_auth(collector, make_client):
    client = make_client(api_key="s3cret", batch_size=1000)
    h = client.histogram("h")
    for i in range(2500):
        h.observe(i)
    assert client.flush()
    sizes = [len(r.metrics) for r in collector.requests]
    assert sizes == [1000, 1000, 500]
    req = collector.requests[0]
    assert req.path == "/v1/metrics"
    assert req.headers["content-encoding"] == "gzip"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["authorization"] == "Bearer s3cret"
    assert json.loads(gzip.decompress(req.raw))["metrics"][0]["value"] == 0
    assert [m["value"] for m in collector.metrics()] == list(range(2500))
    assert client.stats()["sent"] == 2500


def test_uncompressed_bodies_and_endpoint_with_path(collector, make_client):
    client = make_client(gzip=False, endpoint=collector.url + "/v1/metrics")
    client.counter("c").inc()
    assert client.flush()
    req = collector.requests[0]
    assert "content-encoding" not in req.headers
    assert req.path == "/v1/metrics"
    assert json.loads(req.raw)["metrics"][0]["value"] == 1


def test_batches_respect_max_body_bytes(collector, make_client):
    client = make_client(max_body_bytes=4096, default_tags={"padding": "p" * 200})
    h = client.histogram("h")
    for i in range(100):
        h.observe(i)
    assert client.flush()
    assert len(collector.requests) > 1
    for r in collector.requests:
        body = gzip.decompress(r.raw)
        assert len(body) <= 4096
    assert len(collector.metrics()) == 100


def test_counter_is_thread_safe(collector, make_client):
    client = make_client()
    c = client.counter("hits")
    h = client.histogram("obs")
    n_threads, per_thread = 4, 25_000

    def work():
        for _ in range(per_thread):
            c.inc()
            h.observe(1)

    flushes = []

    def flusher():
        for _ in range(5):
            flushes.append(client.flush())
            time.sleep(0.01)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    threads.append(threading.Thread(target=flusher))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.flush()
    ms = collector.metrics()
    assert sum(m["value"] for m in ms if m["name"] == "hits") == n_threads * per_thread
    stats = client.stats()
    kept = len(by_name(ms, "obs"))
    assert kept + stats["sampled_out"] == n_threads * per_thread


def test_format_value():
    from vantage._metrics import format_value

    assert format_value(3) == "3"
    assert format_value(True) == "1.0"
    assert format_value(0.1) == "0.1"
    assert format_value(1e-7) == "1e-07"
    assert json.loads(format_value(1e291)) == 1e291
    # Beyond the collector's bound (sums of samples must stay finite): not sent.
    assert format_value(1e300) is None
    assert format_value(-(10**292)) is None
    assert format_value(math.nan) is None
    assert format_value(None) is None
