"""OpenTelemetry tracing, on when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set and off (near-zero cost) otherwise.

On: one SDK tracer provider per process, exporting over OTLP/HTTP in batches, named by the first
service that starts it (``OTEL_SERVICE_NAME`` wins); the FastAPI app, the SQL engines and the Redis
clients are instrumented, and log lines carry the trace id. Off: the API's no-op provider stays in
place, nothing is instrumented, and a span costs one call that returns a shared non-recording span.

Kafka (kafka-python 3.x, which the maintained instrumentation does not support) carries the W3C trace
context by hand: ``current_traceparent`` stores it with the outbox row, ``kafka_headers`` turns it into
message headers at publish time, and ``context_from_headers`` reads it back on the consumer's side.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import get_meter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from sqlalchemy import Engine

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACEPARENT = "traceparent"
Headers = Sequence[tuple[str, bytes]]

_lock = threading.Lock()
_provider: TracerProvider | None = None


def tracing_enabled() -> bool:
    """True once this process installed an SDK provider (an endpoint was set, or a test exporter)."""
    return _provider is not None


def setup_tracing(service: str, *, exporter: SpanExporter | None = None) -> bool:
    """Install the provider once per process; ``exporter`` (tests) replaces OTLP and exports each span at once.

    Returns whether tracing is on."""
    global _provider
    with _lock:
        if _provider is not None:
            return True
        if exporter is None and not os.environ.get(ENDPOINT_VARIABLE):
            return False
        name = os.environ.get("OTEL_SERVICE_NAME") or f"talentmatch-{service}"
        provider = TracerProvider(resource=Resource.create({"service.name": name}))
        if exporter is None:
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # reads the OTEL_* variables
            install_log_field()  # a test process keeps its log handlers as they are
        else:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        RedisInstrumentor().instrument(tracer_provider=provider)
        _provider = provider
        return True


def shutdown_tracing() -> None:
    """Flush and stop this process's tracing (tests: later apps are built untraced); a no-op when off."""
    global _provider
    with _lock:
        if _provider is None:
            return
        RedisInstrumentor().uninstrument()
        _provider.shutdown()
        _provider = None


def instrument_app(app: FastAPI, *, service: str) -> None:
    """Trace the app's requests when tracing is on; called from ``create_app``."""
    if setup_tracing(service):
        FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider,
                                           excluded_urls="/health/live,/health/ready,/metrics")


def instrument_engine(engine: Engine) -> None:
    """Trace the statements of ``engine`` when tracing is on (one engine at a time, many per process)."""
    if _provider is None:
        return
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", tracer_provider=_provider)
    usage = get_meter("opentelemetry.instrumentation.sqlalchemy").create_up_down_counter(
        name="db.client.connections.usage", unit="connections")
    EngineTracer(tracer, engine, usage)  # type: ignore[no-untyped-call]


def current_traceparent() -> str | None:
    """The active span's W3C ``traceparent``, for the outbox row written in this transaction; None when off."""
    if _provider is None:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_from_traceparent(traceparent: str | None) -> Context | None:
    """The stored request's context, to parent the relay's publish span; None when nothing was stored."""
    if not traceparent:
        return None
    return propagate.extract({TRACEPARENT: traceparent})


def kafka_headers() -> list[tuple[str, bytes]]:
    """The active context as Kafka message headers (``traceparent``, ``tracestate``); empty when off."""
    if _provider is None:
        return []
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(name, value.encode("ascii")) for name, value in carrier.items()]


def context_from_headers(headers: Headers | None) -> Context | None:
    """A consumed record's trace context, or None when it carries none."""
    if not headers:
        return None
    carrier = {name: value.decode("ascii", "replace") for name, value in headers if value is not None}
    if TRACEPARENT not in carrier:
        return None
    return propagate.extract(carrier)


def links_to(contexts: Iterable[Context]) -> list[trace.Link]:
    """Links from a batch span to the traces of the records it applied (one per distinct trace)."""
    links: list[trace.Link] = []
    seen: set[int] = set()
    for context in contexts:
        span_context = trace.get_current_span(context).get_span_context()
        if span_context.is_valid and span_context.trace_id not in seen:
            seen.add(span_context.trace_id)
            links.append(trace.Link(span_context))
    return links


class TraceIdFilter(logging.Filter):
    """Adds ``trace_id`` to every record (``-`` outside a span) so a log line leads to its trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        span_context = trace.get_current_span().get_span_context()
        record.trace_id = format(span_context.trace_id, "032x") if span_context.is_valid else "-"
        return True


def install_log_field() -> None:
    """Put the filter on the root's handlers and show the id in their format (when tracing exports)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.addFilter(TraceIdFilter())
        if handler.formatter is None or "trace_id" not in (handler.formatter._fmt or ""):
            base = handler.formatter._fmt if handler.formatter is not None else logging.BASIC_FORMAT
            handler.setFormatter(logging.Formatter(f"{base} trace_id=%(trace_id)s"))
