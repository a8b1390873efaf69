"""Hot-path cost of the SDK's recording calls (no network involved).

    python3 benchmarks/bench_hot_path.py [iterations]

Reports nanoseconds per call, best of 5 runs of ``timeit`` on a pre-resolved
handle (the way the SDK is meant to be used in hot code), single-threaded and
with two threads hammering the same handle.
"""

import os
import sys
import threading
import time
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import vantage  # noqa: E402


def best_ns(stmt, number, repeat=5):
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number * 1e9


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    client = vantage.Client(
        "http://127.0.0.1:9", service="bench", default_tags={"env": "bench"},
        start_thread=False, register_atexit=False, max_histogram_samples=10_000,
    )
    counter = client.counter("requests_total", {"route": "/pay"})
    gauge = client.gauge("queue_depth")
    hist = client.histogram("latency_ms", {"route": "/pay"})
    timer = client.timer("work_ms")

    inc = counter.inc
    observe = hist.observe
    set_ = gauge.set

    def observe_under_cap():
        hist._reset()  # keep the list below the cap: measures the append path
        for _ in range(5_000):
            observe(1.5)

    def timed_block():
        with timer:
            pass

    results = [
        ("counter.inc()", best_ns(inc, n)),
        ("gauge.set(v)", best_ns(lambda: set_(2.0), n) - best_ns(lambda: None, n)),
        ("histogram.observe(v) (append, below cap)", best_ns(observe_under_cap, max(1, n // 5_000)) / 5_000),
        ("histogram.observe(v) (reservoir, above cap)", best_ns(lambda: observe(1.5), n) - best_ns(lambda: None, n)),
        ("with timer: pass", best_ns(timed_block, n // 4)),
        ("client.counter(name, tags) lookup", best_ns(lambda: client.counter("requests_total", {"route": "/pay"}), n // 4)),
    ]
    print("Python %s, %d CPUs, %d iterations" % (sys.version.split()[0], os.cpu_count() or 0, n))
    for name, ns in results:
        print("  %-45s %8.0f ns" % (name, ns))

    # Two threads contending on the same counter.
    per_thread = n // 2

    def work():
        for _ in range(per_thread):
            inc()

    counter._reset()
    threads = [threading.Thread(target=work) for _ in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    assert counter._value == 2 * per_thread
    print("  %-45s %8.0f ns" % ("counter.inc() 2 threads, same handle (wall/op)", elapsed / (2 * per_thread) * 1e9))


if __name__ == "__main__":
    main()
