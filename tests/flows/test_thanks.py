"""The referrer's thank-you goes where every unprompted message goes: their last chat on a
channel this deployment runs, or nowhere (bot/flows/thanks.py). This bot runs the console
only: SMS, Telegram and Slack have no credentials, so they are off."""

from __future__ import annotations

from datetime import timedelta

from bot.app import ReferralBot
from bot.core.messages import Address
from tests.fakes import Conversation

ALICES_PHONE = Address("sms", "+14155550100")


async def alice_texted_from_her_phone_since(
    conversation: Conversation, bot: ReferralBot
) -> tuple[int, str]:
    """Alice got her link here, then texted from her phone (when the shop still ran SMS):
    her phone is the chat she used last."""
    await conversation.say("alice", "LINK")
    conversation.clock.advance(timedelta(days=2))
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", "alice"))
        assert found is not None
        alice = found[0]
        await tx.participants.attach(ALICES_PHONE, alice.id, at=conversation.clock.now())
        await tx.participants.seen(ALICES_PHONE, conversation.clock.now())
        reachable = await tx.participants.reachable_identity(alice.id)
    assert reachable is not None and reachable.address == ALICES_PHONE  # were SMS running
    return alice.id, alice.code


async def test_the_thank_you_goes_to_a_chat_that_runs_not_the_last_one_used(
    conversation: Conversation, bot: ReferralBot
) -> None:
    _, code = await alice_texted_from_her_phone_since(conversation, bot)
    await conversation.say("bob", f"JOIN {code}")
    assert conversation.inbox("alice")[-1] == (
        "Thank you! bob just joined with your link. That's 1 friend so far."
    )
    async with bot.store.transaction() as tx:
        assert await tx.outbox.for_address(ALICES_PHONE) == []  # nothing left to wait forever


async def test_a_referrer_reachable_only_on_a_channel_that_is_off_gets_no_thank_you_queued(
    conversation: Conversation, bot: ReferralBot
) -> None:
    alice_id, code = await alice_texted_from_her_phone_since(conversation, bot)
    async with bot.store.transaction() as tx:
        await tx.participants.set_unreachable(Address("console", "alice"), True)
    welcome = await conversation.say("bob", f"JOIN {code}")
    assert welcome.startswith(bot.catalogs.text("en", "join.welcome", referrer="alice"))
    async with bot.store.transaction() as tx:
        assert await tx.outbox.for_address(ALICES_PHONE) == []
        alice = await tx.participants.get(alice_id)
    assert alice is not None and alice.referral_count == 1  # bob counts; she hears it on asking
    assert len(conversation.inbox("alice")) == 1  # her link, and no thank-you anywhere
