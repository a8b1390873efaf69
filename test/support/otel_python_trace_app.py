"""An application traced with the OpenTelemetry Python SDK, exporting OTLP/HTTP protobuf (gzip).

Usage: otel_python_trace_app.py ENDPOINT API_KEY SERVICE

Makes one trace: a server span "POST /orders" with a client span "charge card" under it (an
event, a link to the parent, status error), exports it with the SDK's OTLP/HTTP span exporter,
prints the spans as the SDK holds them (JSON, one per line) and exits 0 only if the export
succeeded.
"""

import json
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
from opentelemetry.trace import Link, SpanKind, Status, StatusCode


class CheckedExporter(OTLPSpanExporter):
    """The SDK's exporter, remembering what each export returned and the spans it was given."""

    results = []
    spans = []

    def export(self, spans, *args, **kwargs):
        result = super().export(spans, *args, **kwargs)
        self.results.append(result)
        self.spans.extend(spans)
        return result


def main():
    endpoint, key, service = sys.argv[1:4]
    exporter = CheckedExporter(
        endpoint=endpoint,
        headers={"authorization": f"Bearer {key}"},
        compression=Compression.Gzip,
    )
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=3_600_000))
    tracer = provider.get_tracer("vantage-tests", "1.0.0")
    with tracer.start_as_current_span(
        "POST /orders", kind=SpanKind.SERVER, attributes={"http.request.method": "POST", "order.items": 3}
    ) as root:
        with tracer.start_as_current_span(
            "charge card",
            kind=SpanKind.CLIENT,
            attributes={"payment.provider": "acme", "amount": 12.5},
            links=[Link(root.get_span_context(), {"why": "retry of"})],
        ) as child:
            child.add_event("declined", {"code": "51"})
            child.set_status(Status(StatusCode.ERROR, "card declined"))
    provider.force_flush()
    for s in exporter.spans:
        ctx = s.get_span_context()
        print(
            json.dumps(
                {
                    "traceId": format(ctx.trace_id, "032x"),
                    "spanId": format(ctx.span_id, "016x"),
                    "parentSpanId": format(s.parent.span_id, "016x") if s.parent else "",
                    "name": s.name,
                    "startUnixNano": str(s.start_time),
                    "endUnixNano": str(s.end_time),
                }
            )
        )
    ok = bool(exporter.results) and all(r == SpanExportResult.SUCCESS for r in exporter.results)
    provider.shutdown()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
