"""Vantage Python SDK: send counters, gauges, histograms and timers to a
Vantage collector, pre-aggregated in memory and flushed in gzip batches by a
background thread.  Standard library only.

    from vantage import Client
    client = Client("http://127.0.0.1:4318", service="checkout", default_tags={"env": "prod"})
    requests = client.counter("http_requests_total", {"route": "/pay"})
    requests.inc()
"""

from ._client import Client, __version__
from ._metrics import Counter, Gauge, Histogram, Timer

__all__ = ["Client", "Counter", "Gauge", "Histogram", "Timer", "__version__"]
