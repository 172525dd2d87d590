"""Prometheus metrics for operators.

Labels name only things the code defines (a channel, a feature, a delivery kind, a status, a job): never a
person, a cohort, a chat id or any text someone wrote. Each Metrics owns its registry, so two bots (or two
tests) in one process never mix their figures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "OutboxSnapshot"]

# Replies are usually a few milliseconds of our own work; a slow database shows in the upper buckets.
REPLY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class OutboxSnapshot:
    """What the database says at scrape time: row counts, held rows, the oldest due row and the file size."""

    rows: Mapping[tuple[str, str], int]
    held_quiet_hours: int
    lag_seconds: float
    database_bytes: int


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter("companion_updates", "Updates answered, by channel and feature",
                               ["channel", "feature"], registry=r)
        self.reply_seconds = Histogram("companion_reply_seconds", "Time to answer one update",
                                       ["channel"], buckets=REPLY_BUCKETS, registry=r)
        self.deliveries = Counter("companion_deliveries", "Outbox delivery attempts by outcome",
                                  ["kind", "outcome"], registry=r)
        self.rate_limited = Counter("companion_rate_limited", "429 answers seen from a platform",
                                    ["channel"], registry=r)
        self.tick_seconds = Histogram("companion_tick_seconds", "Duration of scheduler ticks", ["job"],
                                      registry=r)
        self.outbox_rows = Gauge("companion_outbox_rows", "Outbox rows by kind and status",
                                 ["kind", "status"], registry=r)
        self.held_quiet_hours = Gauge("companion_outbox_held_quiet_hours",
                                      "Pending rows postponed past someone's quiet hours", registry=r)
        self.dispatcher_lag = Gauge("companion_dispatcher_lag_seconds",
                                    "How long the oldest due row has waited (0 when none)", registry=r)
        self.database_bytes = Gauge("companion_database_bytes", "Size of the database on disk", registry=r)
        self.backups = Counter("companion_backups", "Scheduled backups by outcome", ["outcome"], registry=r)
        self.send_waiting = Gauge("companion_send_waiting", "Sends waiting for the channel's sending budget",
                                  ["channel"], registry=r)
        self.sending_processes = Gauge("companion_sending_processes",
                                       "Processes sharing the channel's sending budget", ["channel"], registry=r)

    def watch_budget(self, channel: str, waiting: Callable[[], float], processes: Callable[[], float]) -> None:
        """Read a channel's budget at each scrape: how many sends queue for it (the minute after a reminder, or a
        429's hold) and how many processes share it."""
        self.send_waiting.labels(channel).set_function(waiting)
        self.sending_processes.labels(channel).set_function(processes)

    def observe_update(self, channel: str, feature: str, seconds: float) -> None:
        self.updates.labels(channel, feature).inc()
        self.reply_seconds.labels(channel).observe(seconds)

    def observe_delivery(self, kind: str, outcome: str) -> None:
        self.deliveries.labels(kind, outcome).inc()

    def observe_tick(self, job: str, seconds: float) -> None:
        self.tick_seconds.labels(job).observe(seconds)

    def set_outbox(self, snapshot: OutboxSnapshot) -> None:
        self.outbox_rows.clear()
        for (kind, status), count in snapshot.rows.items():
            self.outbox_rows.labels(kind, status).set(count)
        self.held_quiet_hours.set(snapshot.held_quiet_hours)
        self.dispatcher_lag.set(snapshot.lag_seconds)
        self.database_bytes.set(snapshot.database_bytes)

    def render(self) -> bytes:
        return generate_latest(self.registry)
