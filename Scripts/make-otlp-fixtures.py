#!/usr/bin/env python3
"""Regenerates fixtures/otlp/sdk-ledger.jsonl with the real OpenTelemetry Python SDK.

The spans of a small scripted scenario (three workers, one lock 'ledger': a wait, a
timeout, a renewed lease, an expired lease, a cancel) are recorded by the SDK with fixed
timestamps and ids, encoded by the SDK's own OTLP encoder (opentelemetry-exporter-otlp-
proto-common) into ExportTraceServiceRequest messages, and written one request a line as
the OpenTelemetry Collector's file exporter writes them: protobuf's JSON mapping with
lowerCamelCase keys, 64-bit integers as strings, enums as numbers, and trace/span ids as
hex (OTLP/JSON's rule; protobuf's default would be base64).

    python3 -m venv /tmp/otel && /tmp/otel/bin/pip install opentelemetry-sdk \
        opentelemetry-exporter-otlp-proto-common protobuf
    /tmp/otel/bin/python Scripts/make-otlp-fixtures.py

The committed fixture is what the tests read; CI does not run this script. The numbers the
tests assert are worked out by hand in fixtures/otlp/README.md.
"""

import base64
import json
import os
import sys

from google.protobuf.json_format import MessageToDict
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import IdGenerator

T0 = 1795341600 * 10**9  # 2026-11-22T10:00:00Z, the fixtures' t0
MS = 10**6
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "otlp", "sdk-ledger.jsonl")


class CountingIds(IdGenerator):
    """Fixed ids, so the fixture is the same on every run."""

    def __init__(self, base):
        self.next_span = base
        self.next_trace = base

    def generate_span_id(self):
        self.next_span += 1
        return self.next_span

    def generate_trace_id(self):
        self.next_trace += 1
        return (0x4BF92F3577B34DA6 << 64) | self.next_trace


class Batches(SpanExporter):
    """Keeps each export call's spans: one call is one request, one line."""

    def __init__(self):
        self.batches = []

    def export(self, spans):
        self.batches.append(list(spans))
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


def hex_ids(node):
    """OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping has base64."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            hex_ids(item)


def worker(instance, id_base, batch=False):
    exporter = Batches()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "ledger-svc", "service.instance.id": instance}),
        id_generator=CountingIds(id_base),
    )
    if batch:
        # The worker's spans leave in one export at the end (a batch processor's flush).
        provider.add_span_processor(_OneBatch(exporter))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, provider.get_tracer("lockscope.fixtures", "1.0"), exporter


class _OneBatch(SimpleSpanProcessor):
    def __init__(self, exporter):
        super().__init__(exporter)
        self.pending = []

    def on_end(self, span):
        self.pending.append(span)

    def force_flush(self, timeout_millis=30000):
        if self.pending:
            self.span_exporter.export(self.pending)
            self.pending = []
        return True

    def shutdown(self):
        self.force_flush()


SITE = {"code.function.name": "process_item", "code.file.path": "worker.py", "code.line.number": 41}


def lock_span(tracer, start, end, events, parent=None, **attributes):
    """A lock use: start = request, events at their times, end = release or failure."""
    context = trace.set_span_in_context(parent) if parent is not None else None
    span = tracer.start_span("lock ledger", context=context, start_time=T0 + start * MS)
    span.set_attributes({"lock.name": "ledger", **attributes})
    for name, at, event_attributes in events:
        span.add_event(name, event_attributes, timestamp=T0 + at * MS)
    span.end(end_time=T0 + end * MS)
    return span


def main():
    p1, w1, e1 = worker("worker-1", 0x100)
    p2, w2, e2 = worker("worker-2", 0x200)
    p3, w3, e3 = worker("worker-3", 0x300, batch=True)

    # worker-2 works inside a span that is no lock use (ignored by lockscope).
    item = w2.start_span("process_item", start_time=T0 + 50 * MS)
    # worker-1 takes the free lock with a 500 ms lease, renews it, releases at 700 ms.
    lock_span(
        w1, 0, 700, [("lock.acquired", 0, {"lock.token": 1}), ("lock.renewed", 400, {"lock.lease_ms": 500})],
        **{"lock.lease_ms": 500}, **SITE)
    # worker-2 (its MainThread) waits from 100 ms until worker-1 releases.
    lock_span(
        w2, 100, 900, [("lock.acquired", 700, {"lock.token": 2})], parent=item,
        **{"lock.lease_ms": 500, "thread.name": "MainThread", "thread.id": 140001}, **SITE)
    item.end(end_time=T0 + 1000 * MS)
    # worker-3 gives up at 500 ms (its span ends without lock.acquired).
    lock_span(w3, 200, 500, [], **{"lock.agent": "worker-3", "lock.outcome": "timeout"})
    # worker-3 takes it at 950 ms with a 300 ms lease and stalls; the manager reclaims it.
    lock_span(
        w3, 950, 1400, [("lock.acquired", 950, {"lock.token": 3}), ("lock.expired", 1250, {})],
        **{"lock.agent": "worker-3", "lock.lease_ms": 300, "lock.expected_ms": 100})
    # worker-1 waits from 1000 ms, gets it when the lease is reclaimed.
    lock_span(w1, 1000, 1300, [("lock.acquired", 1260, {"lock.token": 4})], **SITE)
    # worker-2 tries while worker-1 holds it and is cancelled.
    lock_span(w2, 1270, 1290, [], **{"lock.outcome": "cancel", "thread.name": "MainThread"})

    for provider in (p1, p2, p3):
        provider.shutdown()

    batches = [b for e in (e1, e2, e3) for b in e.batches]
    # The file gets each request when it is exported: when its last span ended.
    batches.sort(key=lambda spans: max(s.end_time for s in spans))
    with open(OUT, "w") as out:
        for spans in batches:
            message = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
            hex_ids(message)
            out.write(json.dumps(message, separators=(",", ":")) + "\n")
    print(f"wrote {len(batches)} requests to {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
