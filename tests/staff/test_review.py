"""Every new referral is posted to the notification channel; rewards held for review carry
Approve / Void, and the card changes in place with who decided and when."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bot.core.messages import Address
from bot.core.store import Tx
from bot.core.store.records import Participant
from bot.services.reward_decisions import decide
from bot.services.unit_of_work import Done
from bot.staff.requests import REWARD_APPROVE, REWARD_VOID
from tests.staff.kit import MANAGER, NOBODY, NOTIFY, REVIEWER, Rig, buttons, dm_of, text

ACME = Address("sms", "+14155550101")


async def two_referrals(rig: Rig) -> tuple[Participant, dict[str, Any], dict[str, Any]]:
    """Acme's client brings Bob, then Carol within the hour: Carol's rewards are held."""
    client = await rig.client(ACME, name="Ann Lee", company="Acme Corp", zone="Europe/London")
    await rig.say("U0BOB", f"JOIN {client.code}")
    await rig.say("U0CAROL", f"JOIN {client.code}")
    await rig.flush()
    first, second = rig.posted(NOTIFY)
    return client, first, second


async def ledger(rig: Rig, reward_id: int) -> list[tuple[str, str]]:
    async with rig.bot.store.transaction() as tx:
        return [(status, actor) for status, _, _, actor in await tx.rewards.entries(reward_id)]


async def test_each_referral_is_posted_with_the_rewards_it_creates(rig: Rig) -> None:
    _, first, second = await two_referrals(rig)
    lines = text(first).splitlines()
    assert lines[0] == ":tada: *New referral* #1: *Acme Corp* (Ann Lee) referred <@U0BOB> on Slack"
    assert lines[1].startswith(
        "• *Acme Corp* (Ann Lee), referrer: $20.00, :white_check_mark: approved by "
        "the program's rules <!date^"
    )
    assert lines[2].startswith("• <@U0BOB>, friend: $20.00, :white_check_mark: approved")
    assert buttons(first) == []
    assert text(second).splitlines()[1:] == [
        "• *Acme Corp* (Ann Lee), referrer: $20.00, :hourglass: held for review (velocity)",
        "• <@U0CAROL>, friend: $20.00, :hourglass: held for review (velocity)",
    ]
    referrer_reward, friend_reward = (value for action, value in buttons(second)[::2])
    assert buttons(second) == [
        (REWARD_APPROVE, referrer_reward),
        (REWARD_VOID, referrer_reward),
        (REWARD_APPROVE, friend_reward),
        (REWARD_VOID, friend_reward),
    ]
    # The account manager hears of it too, in their DM (no ask of theirs to answer under).
    to_manager = [m["text"] for m in rig.posted(dm_of(MANAGER))]
    assert to_manager == [
        ":tada: Your client *Acme Corp* (Ann Lee) brought a friend: <@U0BOB> signed up on Slack.",
        ":tada: Your client *Acme Corp* (Ann Lee) brought a friend: <@U0CAROL> signed up on Slack.",
    ]


async def test_approve_updates_the_card_and_the_ledger_and_tells_the_customer(rig: Rig) -> None:
    _, _, card = await two_referrals(rig)
    reward = buttons(card)[0][1]
    response = await rig.click(REWARD_APPROVE, reward, user=REVIEWER, on=card)
    assert response.status_code == 200
    await rig.flush()
    assert (await ledger(rig, int(reward)))[-1] == ("approved", f"slack:{REVIEWER}")
    [update] = rig.fake.called("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (NOTIFY, card["ts"])
    now = rig.fake.messages[(NOTIFY, card["ts"])]
    referrer_line = text(now).splitlines()[1]
    assert referrer_line.startswith(
        f"• *Acme Corp* (Ann Lee), referrer: $20.00, :white_check_mark: approved by <@{REVIEWER}>"
    )
    # Each reward is decided on its own: the friend's still waits, with its own buttons.
    assert text(now).splitlines()[2] == (
        "• <@U0CAROL>, friend: $20.00, :hourglass: held for review (velocity)"
    )
    friend_reward = buttons(card)[2][1]
    assert buttons(now) == [(REWARD_APPROVE, friend_reward), (REWARD_VOID, friend_reward)]
    approved = rig.bot.catalogs.text("en", "reward.approved", amount="$20.00")
    assert rig.sms.sent[-1].text == approved  # Ann is told, on her channel
    # The friend is the referrer's second phone, the reviewer decides: void that side only.
    await rig.click(REWARD_VOID, friend_reward, user=REVIEWER, on=card)
    await rig.flush()
    assert (await ledger(rig, int(friend_reward)))[-1] == ("voided", f"slack:{REVIEWER}")
    now = rig.fake.messages[(NOTIFY, card["ts"])]
    assert text(now).splitlines()[2].startswith(
        f"• <@U0CAROL>, friend: $20.00, :x: voided by <@{REVIEWER}>"
    )
    assert buttons(now) == []


async def test_a_second_click_changes_nothing_and_says_who_decided(rig: Rig) -> None:
    _, _, card = await two_referrals(rig)
    reward = buttons(card)[0][1]
    await rig.click(REWARD_APPROVE, reward, user=REVIEWER, on=card)
    await rig.click(REWARD_VOID, reward, user=REVIEWER, on=card)  # a stale card
    await rig.flush()
    entries = await ledger(rig, int(reward))
    [why] = rig.ephemeral(REVIEWER)
    assert why.startswith(f"Reward #{reward} was already approved by <@{REVIEWER}> <!date^")
    assert why.endswith("; nothing changed.")
    assert len(rig.fake.called("chat.update")) == 1
    await rig.click(REWARD_APPROVE, reward, user=REVIEWER, on=card)
    await rig.flush()
    assert await ledger(rig, int(reward)) == entries


async def test_only_reviewers_decide(rig: Rig) -> None:
    _, _, card = await two_referrals(rig)
    reward = buttons(card)[0][1]
    before = await ledger(rig, int(reward))
    for user in (NOBODY, MANAGER):  # an account manager is not their own client's reviewer
        await rig.click(REWARD_APPROVE, reward, user=user, on=card)
        await rig.flush()
        assert rig.ephemeral(user) == [
            "Only the program's reviewers (SLACK_STAFF_USERS) approve or void rewards; "
            "nothing changed."
        ]
    assert await ledger(rig, int(reward)) == before
    assert rig.fake.called("chat.update") == []


async def test_void_records_the_reviewer_and_tells_the_friend_why(rig: Rig) -> None:
    _, _, card = await two_referrals(rig)
    friend_reward = buttons(card)[2][1]
    await rig.click(REWARD_VOID, friend_reward, user=REVIEWER, on=card)
    await rig.flush()
    assert (await ledger(rig, int(friend_reward)))[-1] == ("voided", f"slack:{REVIEWER}")
    lines = text(rig.fake.messages[(NOTIFY, card["ts"])]).splitlines()
    assert lines[2].startswith(f"• <@U0CAROL>, friend: $20.00, :x: voided by <@{REVIEWER}> ")
    assert lines[2].endswith("(suspected fraud)")
    told = rig.posted(dm_of("U0CAROL"))[-1]["text"]
    reason = rig.bot.catalogs.text("en", "reason.suspected_fraud")
    assert told == rig.bot.catalogs.text("en", "reward.voided", amount="$20.00", reason=reason)


async def test_a_decision_made_elsewhere_shows_on_the_card(rig: Rig) -> None:
    """`referral-bot rewards approve` makes the same decision, and the card follows."""
    _, _, card = await two_referrals(rig)
    reward = int(buttons(card)[0][1])

    async def approve(tx: Tx, now: datetime) -> Done[None]:
        told = await decide(rig.bot.context, tx, reward, "approve", actor="cli", now=now)
        return Done(None, told)

    await rig.bot.work.run(approve)
    await rig.flush()
    lines = text(rig.fake.messages[(NOTIFY, card["ts"])]).splitlines()
    assert ":white_check_mark: approved by the CLI <!date^" in lines[1]
    friend_reward = buttons(card)[2][1]  # the other side still waits for its own decision
    assert buttons(rig.fake.messages[(NOTIFY, card["ts"])]) == [
        (REWARD_APPROVE, friend_reward),
        (REWARD_VOID, friend_reward),
    ]


async def test_two_approvals_at_the_same_moment_decide_once(rig: Rig) -> None:
    _, _, card = await two_referrals(rig)
    reward = buttons(card)[0][1]
    clicks = [
        rig.click(REWARD_APPROVE, reward, user=REVIEWER, on=card, action_ts=f"1795000500.00000{i}")
        for i in range(3)
    ]
    assert [r.status_code for r in await asyncio.gather(*clicks)] == [200, 200, 200]
    await rig.flush()
    assert [status for status, _ in await ledger(rig, int(reward))].count("approved") == 1
    assert len(rig.ephemeral(REVIEWER)) == 2
    assert len(rig.fake.called("chat.update")) == 1
