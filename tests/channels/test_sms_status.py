"""POST /twilio/status: Twilio's delivery reports, signed like inbound messages, only ever
moving a message's delivery status forward (PLATFORMS.md A4, D1.9)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.core.clock import FakeClock
from bot.core.store.records import OutboxRow
from tests.channels.fake_twilio import PUBLIC_BASE_URL, TwilioWorld, new_sid, payload, twilio_world


@pytest.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[TwilioWorld]:
    async with twilio_world(sqlite_url, clock) as built:
        yield built


async def sent_row(world: TwilioWorld) -> OutboxRow:
    """Alice asks for her link and the reply goes out: one sent row with Twilio's SID."""
    await world.driver.sms("LINK")
    await world.bot.dispatcher.dispatch_due()
    [row] = await rows(world)
    assert row.status == "sent" and row.provider_id == world.fake.messages[0]["sid"]
    return row


async def rows(world: TwilioWorld) -> list[OutboxRow]:
    async with world.bot.store.transaction() as tx:
        return await tx.outbox.recent()


async def delivery(world: TwilioWorld) -> str | None:
    [row] = await rows(world)
    return row.delivery_status


def assert_accepted(response: httpx.Response) -> None:
    assert response.status_code == 204
    assert response.content == b""


async def test_the_callback_url_twilio_is_given_reaches_the_status_handler(
    world: TwilioWorld,
) -> None:
    row = await sent_row(world)
    callback = world.fake.requests[0].get("StatusCallback") or ""
    assert callback == f"{PUBLIC_BASE_URL}/twilio/status"
    path = callback.removeprefix(PUBLIC_BASE_URL)
    pairs = world.driver.status_pairs(row.provider_id or "", "sent")
    assert_accepted(await world.driver.post(path, pairs))
    assert await delivery(world) == "sent"


async def test_reports_move_the_status_forward(world: TwilioWorld) -> None:
    row = await sent_row(world)
    assert row.delivery_status is None
    for status in ("queued", "sending", "sent", "delivered"):
        assert_accepted(await world.driver.status(row.provider_id or "", status))
        assert await delivery(world) == status


async def test_reports_out_of_order_never_move_it_back(world: TwilioWorld) -> None:
    row = await sent_row(world)
    assert_accepted(await world.driver.status(row.provider_id or "", "delivered"))
    assert_accepted(await world.driver.status(row.provider_id or "", "sent"))
    assert_accepted(await world.driver.status(row.provider_id or "", "queued"))
    assert await delivery(world) == "delivered"


async def test_a_duplicate_report_changes_nothing(world: TwilioWorld) -> None:
    row = await sent_row(world)
    pairs = world.driver.status_pairs(row.provider_id or "", "sent")
    token = {"I-Twilio-Idempotency-Token": "7d1e3f5a-9b2c-4d6e-8f0a-1c3e5a7b9d2f"}
    for _ in range(3):
        assert_accepted(await world.driver.post("/twilio/status", pairs, headers=token))
    assert await delivery(world) == "sent"
    assert len(await rows(world)) == 1


@pytest.mark.parametrize("status", ["bogus", "", "receiving"])
async def test_an_unknown_status_is_accepted_and_ignored(world: TwilioWorld, status: str) -> None:
    row = await sent_row(world)
    assert_accepted(await world.driver.status(row.provider_id or "", "sent"))
    response = await world.driver.status(row.provider_id or "", status, SmsStatus="")
    if status:
        assert_accepted(response)
    else:
        assert response.status_code == 400  # no status at all is not a report
    assert await delivery(world) == "sent"


@pytest.mark.parametrize("status", ["read", "canceled"])
async def test_final_statuses_are_recorded(world: TwilioWorld, status: str) -> None:
    row = await sent_row(world)
    assert_accepted(await world.driver.status(row.provider_id or "", status))
    assert await delivery(world) == status


async def test_an_undelivered_report_with_an_error_code_is_recorded(world: TwilioWorld) -> None:
    row = await sent_row(world)
    sid = row.provider_id or ""
    pairs = [
        (k, sid if k in ("MessageSid", "SmsSid") else v) for k, v in payload("status_undelivered")
    ]
    assert_accepted(await world.driver.post("/twilio/status", pairs))  # ErrorCode=30007
    assert await delivery(world) == "undelivered"
    assert_accepted(await world.driver.status(sid, "delivered"))  # final states stay final
    assert await delivery(world) == "undelivered"


async def test_a_report_for_a_message_we_never_sent_changes_nothing(world: TwilioWorld) -> None:
    assert_accepted(await world.driver.status(new_sid(), "delivered"))
    assert await rows(world) == []


@pytest.mark.parametrize(
    "how",
    [
        {"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
        {"signature": ""},
        {"token": "0" * 32},
        {"signed_url": "http://ref.example/twilio/status"},
        {"signed_url": "https://ref.example/twilio/sms"},
    ],
    ids=["forged", "empty", "wrong token", "http", "other path"],
)
async def test_a_forged_report_is_refused(world: TwilioWorld, how: dict[str, str]) -> None:
    row = await sent_row(world)
    pairs = world.driver.status_pairs(row.provider_id or "", "failed")
    response = await world.driver.post("/twilio/status", pairs, **how)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert await delivery(world) is None


async def test_a_report_changed_after_signing_is_refused(world: TwilioWorld) -> None:
    row = await sent_row(world)
    signed = world.driver.status_pairs(row.provider_id or "", "sent")
    sent = [(k, "failed" if k == "MessageStatus" else v) for k, v in signed]
    response = await world.driver.post("/twilio/status", sent, signed_pairs=signed)
    assert response.status_code == 403
    assert await delivery(world) is None


async def test_get_is_not_allowed(world: TwilioWorld) -> None:
    response = await world.driver.http.get("/twilio/status")
    assert response.status_code == 405
