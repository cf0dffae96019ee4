"""The program's numbers on /metrics, read from the database at scrape time (a custom
collector, prometheus_client's way for values that live elsewhere), so every process reports
the same truth: clicks, signups, referrals by status and reason, rewards by status, the outbox
by status and kind, the age of the oldest due message, and webhook deliveries by result.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.clock import Clock
from bot.core.store import Store
from bot.core.store.reports import Totals, totals

if TYPE_CHECKING:
    from prometheus_client.core import Metric

FRESH_FOR = timedelta(seconds=10)  # scrapes closer together than this share one reading


def _webhook_result(status: str, tried: bool) -> str:
    if status == "scheduled":
        return "retrying" if tried else "queued"
    return {"skipped": "stopped", "sending": "sending"}.get(status, status)  # sent | dead


class BusinessMetrics:
    """A prometheus_client Collector (a Protocol: `collect()`); its metric types are imported at
    the first scrape, with the registry (metrics.py)."""

    def __init__(self, *, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._totals: Totals | None = None
        self._read_at = self._clock.now() - FRESH_FOR

    async def refresh(self) -> None:
        """Read the database (called by the /metrics route before it renders)."""
        now = self._clock.now()
        if self._totals is not None and now - self._read_at < FRESH_FOR:
            return
        async with self._store.snapshot() as tx:  # whole-table counts: off the write lock
            self._totals = await totals(tx.conn, now=now)
        self._read_at = now

    def collect(self) -> Iterator[Metric]:
        t = self._totals
        if t is None:
            return
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        yield CounterMetricFamily(
            "referral_clicks", "Unique link clicks (per visitor per day)", value=t.clicks
        )
        signups = CounterMetricFamily("referral_signups", "Signups through a code, counted or not")
        signups.add_metric([], sum(n for _, _, n in t.referrals))
        yield signups
        by_status = GaugeMetricFamily(
            "referral_referrals", "Referrals by status", labels=["status"]
        )
        counts: dict[str, int] = {}
        for status, _, n in t.referrals:
            counts[status] = counts.get(status, 0) + n
        for status, n in sorted(counts.items()):
            by_status.add_metric([status], n)
        yield by_status
        rejected = CounterMetricFamily(
            "referral_rejected", "Rejected signups by reason", labels=["reason"]
        )
        for status, reason, n in t.referrals:
            if status == "rejected" and reason is not None:
                rejected.add_metric([reason], n)
        yield rejected
        rewards = GaugeMetricFamily(
            "referral_rewards", "Rewards by status and unit", labels=["status", "unit"]
        )
        for status, unit, n in t.rewards:
            rewards.add_metric([status, unit], n)
        yield rewards
        yield from self._outbox(t)

    def _outbox(self, t: Totals) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        depth = GaugeMetricFamily(
            "referral_outbox_rows",
            "Outbox rows by channel, status, kind",
            labels=["channel", "status", "kind"],
        )
        for channel, status, kind, n in t.outbox:
            depth.add_metric([channel, status, kind], n)
        yield depth
        age = 0.0 if t.oldest_due is None else (self._read_at - t.oldest_due).total_seconds()
        yield GaugeMetricFamily(
            "referral_outbox_oldest_due_seconds",
            "How long the longest-waiting due message has waited",
            value=max(0.0, age),
        )
        hooks = GaugeMetricFamily(
            "referral_webhook_deliveries", "Webhook deliveries by result", labels=["result"]
        )
        results: dict[str, int] = {}
        for status, tried, n in t.webhooks:
            key = _webhook_result(status, tried)
            results[key] = results.get(key, 0) + n
        for result, n in sorted(results.items()):
            hooks.add_metric([result], n)
        yield hooks
