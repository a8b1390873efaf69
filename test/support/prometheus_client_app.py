"""An app instrumented with Python's prometheus-client, for test/agent-scrape.int.test.ts.

Its /metrics is prometheus-client's own handler (content negotiation, OpenMetrics, gzip). The test
changes the metrics over HTTP (POST /orders?region=eu&by=5, /latency?value=0.3, /payload?value=100,
/temperature?value=21.5), so it knows the truth, and reads GET /scrapes (how many times /metrics was
served) to know when the agent has seen a change. Usage: prometheus_client_app.py [PORT]; prints
"listening PORT" once it accepts connections.
"""
import sys
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary
from prometheus_client.exposition import MetricsHandler

registry = CollectorRegistry()
orders = Counter("shop_orders", "Orders taken", ["region"], registry=registry)
latency = Histogram("shop_latency_seconds", "Request latency", buckets=(0.1, 0.5, 1.0), registry=registry)
payload = Summary("shop_payload_bytes", "Payload size", registry=registry)
temperature = Gauge("shop_temperature_celsius", "Temperature", registry=registry)

scrapes = 0
lock = threading.Lock()


class Handler(MetricsHandler):
    def do_GET(self):
        global scrapes
        path = urlparse(self.path).path
        if path == "/metrics":
            super().do_GET()
            with lock:
                scrapes += 1
            return
        if path == "/scrapes":
            with lock:
                body = str(scrapes).encode()
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(404)
        self.end_headers()

    def do_POST(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/orders":
            orders.labels(query["region"]).inc(float(query["by"]))
        elif url.path == "/latency":
            latency.observe(float(query["value"]), exemplar={"trace_id": "0af7651916cd43dd8448eb211c80319c"})
        elif url.path == "/payload":
            payload.observe(float(query["value"]))
        elif url.path == "/temperature":
            temperature.set(float(query["value"]))
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()


Handler.registry = registry

if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()
