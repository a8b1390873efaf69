"""An application instrumented with the OpenTelemetry Python SDK, exporting OTLP/HTTP protobuf.

Usage: otel_python_app.py ENDPOINT API_KEY SERVICE cumulative|delta

Records the same counters, up-down counters, gauges and histograms as test/otlp.int.test.ts's JS
SDK case, in two collections (each one export, as the periodic reader would send on its interval),
and exits 0 only if the SDK's exporter reported success for both.
"""

import sys

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricExportResult,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource


class CheckedExporter(OTLPMetricExporter):
    """The SDK's exporter, remembering what each export returned."""

    results = []

    def export(self, metrics_data, timeout_millis=10_000, **kwargs):
        result = super().export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        self.results.append(result)
        return result


def main():
    endpoint, key, service, temporality = sys.argv[1:5]
    # As OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta does: up-down counters stay cumulative.
    preferred = (
        {Counter: AggregationTemporality.DELTA, Histogram: AggregationTemporality.DELTA}
        if temporality == "delta"
        else {}
    )
    exporter = CheckedExporter(
        endpoint=endpoint,
        headers={"authorization": f"Bearer {key}"},
        compression=Compression.Gzip,
        preferred_temporality=preferred,
    )
    # An interval longer than the run: only force_flush exports.
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource.create({"service.name": service, "deployment.environment": "test"}),
        metric_readers=[reader],
        views=[View(instrument_name="latency", aggregation=ExplicitBucketHistogramAggregation([10, 100, 1000]))],
    )
    meter = provider.get_meter("vantage-tests")
    orders = meter.create_counter("orders")
    depth = meter.create_up_down_counter("queue.depth")
    temperature = meter.create_gauge("temperature")
    latency = meter.create_histogram("latency")

    orders.add(5, {"region": "eu"})
    orders.add(2, {"region": "us"})
    depth.add(7)
    temperature.set(20)
    for v in (5, 50):
        latency.record(v)
    provider.force_flush()

    orders.add(3, {"region": "eu"})
    depth.add(-4)
    temperature.set(21.5)
    for v in (500, 5000):
        latency.record(v)
    provider.force_flush()
    provider.shutdown()

    ok = len(exporter.results) >= 2 and all(r == MetricExportResult.SUCCESS for r in exporter.results)
    print(f"exports: {[r.name for r in exporter.results]}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
