"""Prometheus metrics of one service: requests, latency, events, outbox backlog, consumer lag."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """One registry per app, so several apps can live in one process (tests)."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self.requests = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"], registry=reg)
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=reg,
        )
        self.events_published = Counter("events_published_total", "Events sent to Kafka", ["topic"], registry=reg)
        self.events_consumed = Counter(
            "events_consumed_total", "Events handled", ["topic", "group", "result"], registry=reg
        )
        self.outbox_backlog = Gauge("outbox_backlog", "Unpublished outbox rows", registry=reg)
        self.consumer_lag = Gauge(
            "consumer_lag", "Messages behind the log end", ["group", "topic", "partition"], registry=reg
        )
        # 1 from a consumer's start (or restart) until it holds its partitions and knows how far
        # behind each is: before that its lag is unknown, not zero.
        self.consumer_catching_up = Gauge(
            "consumer_catching_up", "1 until the consumer has joined its group and measured its lag", ["group"],
            registry=reg,
        )
        self.service = service

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
