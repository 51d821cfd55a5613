"""Prometheus metrics, one registry per running bot (so tests can run several side by side)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from models.domain import OutboxStatus, Status

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Counters, histograms and gauges exported at ``/metrics``."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        ns = "mentionbot"
        self.ingested = Counter(
            "ingested", "Mentions accepted by ingest", ["created"], namespace=ns, registry=r
        )
        self.ingest_rejected = Counter(
            "ingest_rejected", "Ingest requests refused", ["reason"], namespace=ns, registry=r
        )
        self.classified = Counter(
            "classified", "Mentions classified", ["label"], namespace=ns, registry=r
        )
        self.relayed = Counter(
            "relayed", "Cards posted or updated", ["adapter", "how"], namespace=ns, registry=r
        )
        self.decided = Counter(
            "decided", "Human decisions", ["action", "outcome"], namespace=ns, registry=r
        )
        self.published = Counter(
            "published",
            "Replies and removals carried out",
            ["kind", "publisher"],
            namespace=ns,
            registry=r,
        )
        self.failures = Counter(
            "failures", "Failed operations", ["stage", "kind"], namespace=ns, registry=r
        )
        self.stage_seconds = Histogram(
            "stage_seconds",
            "Time to process one claimed batch",
            ["stage"],
            namespace=ns,
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.ingest_to_relay_seconds = Histogram(
            "ingest_to_relay_seconds",
            "From ingest to the card being in chat",
            namespace=ns,
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.queue_depth = Gauge(
            "queue_depth", "Mentions per pipeline stage", ["status"], namespace=ns, registry=r
        )
        self.outbox_depth = Gauge(
            "outbox_depth", "Outbox items per state", ["status"], namespace=ns, registry=r
        )

    def set_depths(self, queue: dict[Status, int], outbox: dict[OutboxStatus, int]) -> None:
        for status, n in queue.items():
            self.queue_depth.labels(str(status)).set(n)
        for ostatus, n in outbox.items():
            self.outbox_depth.labels(str(ostatus)).set(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
