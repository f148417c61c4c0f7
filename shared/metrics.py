"""Prometheus metrics for every service: one call adds request counts and latencies and ``GET /metrics``.

Each app gets its own ``CollectorRegistry`` (kept on ``app.state.metrics_registry``), so several apps in
one process (tests) never collide; a service registers its own figures on that registry.
``/metrics`` is open on purpose: Prometheus scrapes it inside the cluster network, and it carries only
aggregate counters, never a record, a name or a token. Routes are labelled by their template
(``/v1/profiles/{profile_id}``), so the label set stays bounded whatever ids are requested.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "unmatched"


class RequestMetrics:
    """Request counter and latency histogram of one service, on ``registry``."""

    def __init__(self, registry: CollectorRegistry, *, service: str) -> None:
        self.service = service
        self.requests = Counter("http_requests", "HTTP requests answered, by route template and status.",
                                ["service", "method", "route", "status"], registry=registry)
        self.latency = Histogram("http_request_duration_seconds", "Time to answer an HTTP request.",
                                 ["service", "method", "route"], buckets=LATENCY_BUCKETS, registry=registry)

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, method, route, str(status)).inc()
        self.latency.labels(self.service, method, route).observe(seconds)


def route_template(scope: Scope) -> str:
    """The path template of the route that handled the request (bounded cardinality)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestMetricsMiddleware:
    """Pure ASGI: times each HTTP request until its last body chunk and counts it by route and status."""

    def __init__(self, app: ASGIApp, *, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app raises before answering

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe(method=scope["method"], route=route_template(scope), status=status,
                                 seconds=time.perf_counter() - started)


def install_metrics(app: FastAPI, *, service: str) -> CollectorRegistry:
    """Count and time every request of ``app`` and serve the registry at ``GET /metrics`` (open)."""
    registry = CollectorRegistry(auto_describe=True)
    metrics = RequestMetrics(registry, service=service)
    app.state.metrics_registry = registry
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def prometheus_metrics(_request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return registry


def metrics_registry(app: Any) -> CollectorRegistry:
    """The registry ``install_metrics`` put on ``app``."""
    registry: CollectorRegistry = app.state.metrics_registry
    return registry
