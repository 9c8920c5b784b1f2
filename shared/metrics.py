"""Prometheus metrics: request counts and latency by route template, served at /metrics."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BOUNDS = (*map(float, BUCKETS), float("inf"))
_LE = tuple(floatToGoString(bound) for bound in _BOUNDS)  # type: ignore[no-untyped-call]


class _Count:
    __slots__ = ("created", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self.created = time.time()


class _Latency:
    __slots__ = ("buckets", "created", "sum")

    def __init__(self) -> None:
        self.buckets = [0.0] * len(_BOUNDS)  # per bucket, not cumulative
        self.sum = 0.0
        self.created = time.time()


class HttpMetrics:
    """`http_requests_total` by method, route template and status, and the latency histogram
    `http_request_duration_seconds` by method and route, in one registry per app (so several
    apps in one test process never collide).

    The figures are plain numbers, updated on the event loop where every request is counted and
    read on it when /metrics answers, so they need no lock: prometheus_client's own metrics take
    one per increment (three per request), and counting a request with them took four times as
    long. The exposition is the same text (a test compares the two)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self._counts: dict[tuple[str, str, str], _Count] = {}
        self._latencies: dict[tuple[str, str], _Latency] = {}
        # Both series of a request, by (method, route template, status) as the middleware sees it.
        self._series: dict[tuple[str, str, int], tuple[_Count, _Latency]] = {}
        self.registry.register(_Exposition(self))

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        """Counts one answered request and its latency."""
        key = (scope["method"], route_template(scope), status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._new_series(*key)
        count, latency = series
        count.value += 1.0
        latency.buckets[bisect_left(_BOUNDS, seconds)] += 1.0
        latency.sum += seconds

    def _new_series(self, method: str, route: str, status: int) -> tuple[_Count, _Latency]:
        count = self._counts.setdefault((method, route, str(status)), _Count())
        latency = self._latencies.setdefault((method, route), _Latency())
        return count, latency

    async def endpoint(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _Exposition(Collector):
    def __init__(self, metrics: HttpMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        requests = Metric("http_requests", "HTTP requests served", "counter")
        for (method, route, status), count in list(self.metrics._counts.items()):
            labels = {"method": method, "route": route, "status": status}
            requests.add_sample("http_requests_total", labels, count.value)
            requests.add_sample("http_requests_created", labels, count.created)
        yield requests
        name = "http_request_duration_seconds"
        latency = Metric(name, "HTTP request latency", "histogram")
        for (method, route), series in list(self.metrics._latencies.items()):
            labels = {"method": method, "route": route}
            cumulative = 0.0
            for le, observed in zip(_LE, series.buckets, strict=True):
                cumulative += observed
                latency.add_sample(f"{name}_bucket", {**labels, "le": le}, cumulative)
            latency.add_sample(f"{name}_count", labels, cumulative)
            latency.add_sample(f"{name}_sum", labels, series.sum)
            latency.add_sample(f"{name}_created", labels, series.created)
        yield latency


def route_template(scope: Scope) -> str:
    # The router records the route it matched in the scope; its path is the template
    # ("/users/{user_id}"), which keeps label cardinality bounded whatever the ids.
    route = scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")
