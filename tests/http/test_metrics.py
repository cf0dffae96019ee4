"""/metrics counts the program (from the database) and what the dispatcher really sent."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from bot.app import ReferralBot, build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound
from bot.core.store import Store
from bot.web import create_app
from tests.fakes import CollectingChannel
from tests.services.test_reports import november


def sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        found = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})?", metric)
        if found is None or found.group(1) != name:
            continue
        have = dict(re.findall(r'([a-z_]+)="([^"]*)"', found.group(2) or ""))
        if have == labels:
            return float(value)
    return None


async def test_business_numbers_and_sends_are_on_metrics(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock
) -> None:
    people = await november(web_bot.store)
    await web_bot.engine.handle(Inbound(Address("console", "zoe"), "LINK", "m1", clock.now()))
    clock.advance(timedelta(minutes=5))  # five minutes pass before the dispatcher runs
    text = (await web.get("/metrics")).text
    assert sample(text, "referral_clicks_total") == 4
    assert sample(text, "referral_signups_total") == 6
    assert sample(text, "referral_referrals", status="rewarded") == 1
    assert sample(text, "referral_rejected_total", reason="self_referral") == 1
    assert sample(text, "referral_rewards", status="voided", unit="money") == 3
    assert (
        sample(text, "referral_outbox_rows", channel="console", status="scheduled", kind="reply")
        == 1
    )
    assert sample(text, "referral_outbox_oldest_due_seconds") == 300
    assert sample(text, "referral_outbound_total", channel="console", outcome="sent") is None
    await web_bot.dispatcher.dispatch_due()
    clock.advance(timedelta(seconds=11))  # past the scrape cache
    text = (await web.get("/metrics")).text
    assert sample(text, "referral_outbound_total", channel="console", outcome="sent") == 1
    assert sample(text, "referral_outbox_oldest_due_seconds") == 0
    # Bounded labels: no phone number, code or name reaches a label.
    for secret in ("+1415", people["Alice"].code, "zoe", "Alice"):
        assert all(secret not in line for line in text.splitlines() if "{" in line)


async def test_the_first_scrape_lists_every_series_before_anything_happened(
    web: httpx.AsyncClient,
) -> None:
    """prometheus_client is imported at the first scrape (bot/core/metrics.py); the series are
    made together then, so an alert on a series sees it at 0, not missing."""
    text = (await web.get("/metrics")).text
    for name in (
        "referral_inbound_total", "referral_outbound_total", "referral_outbound_uncertain_total",
        "referral_handle_seconds",
    ):  # fmt: skip
        assert f"# TYPE {name} " in text
    assert sample(text, "referral_handle_seconds_count") == 0


async def test_with_a_metrics_token_a_scrape_without_it_is_refused(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    settings = Settings(
        database_url=store.db.url, public_base_url="https://ref.example", metrics_token="s3cret"
    )
    bot = await build(settings, channels=[channel], clock=clock, store=store)
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://ref.example") as client:
        bare = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert (bare.status_code, bare.headers["www-authenticate"]) == (401, "Bearer")
    assert bare.text == "metrics need the METRICS_TOKEN bearer token\n"
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert sample(right.text, "referral_signups_total") == 0
