"""Prometheus metrics, on a registry of our own (no process-global default registry).

prometheus_client is imported at the first count or scrape, not at start: with the HTTP server
modules it brings, ~0.8 MB that an idle process would hold for nothing. All the series are made
together then, so a scrape before any message still lists each of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram
    from prometheus_client.registry import Collector


@dataclass(frozen=True, slots=True)
class Instruments:
    registry: CollectorRegistry
    inbound: Counter
    outbound: Counter
    uncertain: Counter
    handle_seconds: Histogram


def _instruments(collectors: Sequence[Collector]) -> Instruments:
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry()
    for collector in collectors:
        registry.register(collector)
    return Instruments(
        registry=registry,
        inbound=Counter(
            "referral_inbound_total", "Inbound messages", ["channel", "intent"], registry=registry
        ),
        outbound=Counter(
            "referral_outbound_total",
            "Outbox rows handled",
            ["channel", "outcome"],
            registry=registry,
        ),
        uncertain=Counter(
            "referral_outbound_uncertain",  # exposed as referral_outbound_uncertain_total
            "Sends whose outcome is unknown (timed out after the request was written)",
            ["channel"],
            registry=registry,
        ),
        handle_seconds=Histogram(
            "referral_handle_seconds", "Time to handle one inbound message", registry=registry
        ),
    )


class Metrics:
    """Our series, and `collectors` whose values are read elsewhere at scrape time."""

    def __init__(self, *, collectors: Sequence[Collector] = ()) -> None:
        self._collectors = tuple(collectors)

    @cached_property
    def _made(self) -> Instruments:
        return _instruments(self._collectors)

    @property
    def registry(self) -> CollectorRegistry:
        return self._made.registry

    @property
    def inbound(self) -> Counter:
        return self._made.inbound

    @property
    def handle_seconds(self) -> Histogram:
        return self._made.handle_seconds

    def delivery_outcome(self, channel: str, outcome: str) -> None:
        """What became of one send (the dispatcher calls this)."""
        self._made.outbound.labels(channel, outcome).inc()
        if outcome == "uncertain":
            self._made.uncertain.labels(channel).inc()
