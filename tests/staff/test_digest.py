"""The daily digest in the notification channel, once a day however many workers run it."""

from __future__ import annotations

from datetime import timedelta

from bot.core.channel import DeliveryFailed
from bot.core.messages import Address, Outbound
from bot.services.sweeps import Sweeps
from tests.staff.kit import NOTIFY, Rig, text


async def test_the_digest_counts_the_day(rig: Rig) -> None:
    ann = await rig.client(Address("sms", "+14155550101"), name="Ann", company="Acme Corp")
    cy = await rig.client(Address("sms", "+14155550102"), name="Cy", company="Cypress")
    await rig.say("U0BOB", f"JOIN {ann.code}")
    await rig.say("U0CAROL", f"JOIN {ann.code}")  # held for review: a second signup in the hour
    await rig.say("U0BOB", f"JOIN {cy.code}")  # Bob was referred already
    rig.sms.failures.append(DeliveryFailed("invalid_address", permanent=True))
    async with rig.bot.store.transaction() as tx:
        await tx.outbox.enqueue(
            Outbound(Address("sms", "+14155550102"), "hello"),
            kind="reply",
            due_at=rig.clock.now(),
            at=rig.clock.now(),
        )
    await rig.flush()
    rig.clock.advance(timedelta(hours=18))  # 09:00 the next morning
    assert await rig.sweeps().digest() == 1
    assert await rig.sweeps().digest() == 0  # today's ran already
    await rig.flush()
    digest = rig.posted(NOTIFY)[-1]
    lines = text(digest).splitlines()
    assert lines[0].startswith(":bar_chart: *Referral digest*, the 24 hours to <!date^")
    assert lines[1:] == [
        "• Visits through referral links: 0",
        "• Friends signed up through a referral: 2; 1 did not count (already referred 1)",
        lines[3],
        "• Messages that failed: 1 (SMS 1: `referral-bot outbox list --status dead`)",
    ]
    assert lines[3].startswith("• Rewards waiting for review: 2, the oldest since <!date^")


async def test_no_notification_channel_no_digest(rig: Rig) -> None:
    from dataclasses import replace

    from bot.core.staffing import Staffing

    bot = rig.bot
    quiet = Sweeps(work=bot.work, context=replace(bot.context, staff=Staffing()))
    assert await quiet.digest() == 0
