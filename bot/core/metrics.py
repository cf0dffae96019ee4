"""Prometheus metrics, on a registry of our own (no process-global default registry)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass(frozen=True, slots=True)
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    inbound: Counter = field(init=False)
    outbound: Counter = field(init=False)
    uncertain: Counter = field(init=False)
    handle_seconds: Histogram = field(init=False)

    def __post_init__(self) -> None:
        # frozen dataclass: fields set once here, through object.__setattr__
        object.__setattr__(
            self,
            "inbound",
            Counter(
                "referral_inbound_total",
                "Inbound messages",
                ["channel", "intent"],
                registry=self.registry,
            ),
        )
        object.__setattr__(
            self,
            "outbound",
            Counter(
                "referral_outbound_total",
                "Outbox rows handled",
                ["channel", "outcome"],
                registry=self.registry,
            ),
        )
        object.__setattr__(
            self,
            "uncertain",
            Counter(
                "referral_outbound_uncertain",  # exposed as referral_outbound_uncertain_total
                "Sends whose outcome is unknown (timed out after the request was written)",
                ["channel"],
                registry=self.registry,
            ),
        )
        object.__setattr__(
            self,
            "handle_seconds",
            Histogram(
                "referral_handle_seconds",
                "Time to handle one inbound message",
                registry=self.registry,
            ),
        )

    def delivery_outcome(self, channel: str, outcome: str) -> None:
        """What became of one send (the dispatcher calls this)."""
        self.outbound.labels(channel, outcome).inc()
        if outcome == "uncertain":
            self.uncertain.labels(channel).inc()
