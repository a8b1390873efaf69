import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SDK_ROOT = os.path.dirname(HERE)
for path in (SDK_ROOT, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

from fake_collector import FakeCollector  # noqa: E402


@pytest.fixture
def collector():
    server = FakeCollector()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_client(collector):
    """Build clients without a background thread or exit hook; closes them after the test."""
    import vantage

    clients = []

    def make(**kwargs):
        kwargs.setdefault("endpoint", collector.url)
        kwargs.setdefault("service", "test-svc")
        kwargs.setdefault("start_thread", False)
        kwargs.setdefault("register_atexit", False)
        kwargs.setdefault("backoff_base", 0.01)
        kwargs.setdefault("backoff_max", 0.05)
        kwargs.setdefault("close_timeout", 1.0)
        client = vantage.Client(**kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close(timeout=0.5)
