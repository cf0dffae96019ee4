"""A referral as reviewers see it in the notification channel: who referred whom, on which
channel, each reward and its state, and Approve / Void on those held for review.

The card is drawn from the ledger every time, so it always says what the ledger says; when
the ledger moves (a decision, a purchase that qualifies the referral, a hold ending) the card
changes in place.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.kinds import STAFF
from bot.core.messages import Button, Outbound, Scheduled
from bot.core.reward_text import reward_text
from bot.core.store import Tx
from bot.core.store.rewards import Reward
from bot.core.store.staff import Decision
from bot.staff.access import CHANNEL, room
from bot.staff.clients import who
from bot.staff.mrkdwn import actor, escape, medium, moment
from bot.staff.requests import REWARD_APPROVE, REWARD_VOID


def card_key(referral_id: int) -> str:
    return f"staff:referral:{referral_id}"


def _state(reward: Reward, decision: Decision | None) -> str:
    if reward.status == "pending" and reward.held is not None:
        return f":hourglass: held for review ({escape(reward.held)})"
    if reward.status == "pending":
        return f"pending, clears {moment(reward.hold_until)}"
    by = f" by {actor(decision.actor)} {moment(decision.at)}" if decision else ""
    why = reward.reason.replace("_", " ") if reward.status == "voided" and reward.reason else ""
    why = f" ({escape(why)})" if why else ""
    icon = {"approved": ":white_check_mark:", "issued": ":moneybag:"}.get(reward.status, ":x:")
    return f"{icon} {reward.status}{by}{why}"


async def referral_card(ctx: Context, tx: Tx, referral_id: int) -> tuple[str, tuple[Button, ...]]:
    referral = await tx.referrals.get(referral_id)
    assert referral is not None
    referrer = await tx.participants.get(referral.referrer_id)
    friend = await tx.participants.get(referral.friend_id)
    assert referrer is not None and friend is not None
    names = {referrer.id: await who(tx, referrer), friend.id: await who(tx, friend)}
    lines = [
        f":tada: *New referral* #{referral.id}: {names[referrer.id]} referred {names[friend.id]} "
        f"on {medium(referral.channel)}"
    ]
    rewards = await tx.rewards.of_referral(referral.id)
    buttons: list[Button] = []
    for reward in rewards:
        person = referrer if reward.participant_id == referrer.id else friend
        amount = escape(reward_text(ctx.catalogs, "en", reward))
        role = "milestone" if reward.kind == "milestone" else reward.side
        decision = await tx.staff.decision(reward.id)
        lines.append(f"• {names[person.id]}, {role}: {amount}, {_state(reward, decision)}")
        if reward.status == "pending" and reward.held is not None:
            what = f"{role}'s {reward_text(ctx.catalogs, 'en', reward)}"
            buttons.append(Button(f"Approve {what}", str(reward.id), REWARD_APPROVE))
            buttons.append(Button(f"Void {what}", str(reward.id), REWARD_VOID))
    if not rewards:
        lines.append(
            "• No reward yet: it comes with the friend's first purchase."
            if ctx.program.qualifying_event == "purchase"
            else "• No reward: the program gives none for this referral."
        )
    return "\n".join(lines), tuple(buttons)


async def card_change(
    ctx: Context, tx: Tx, referral_id: int, *, where: str, message: str, now: datetime
) -> Effects:
    """The card, posted as `message` in `where`, redrawn from the ledger; once per state of the
    referral's rewards (the dedupe key names it), however many causes ask for it."""
    text, buttons = await referral_card(ctx, tx, referral_id)
    rewards = await tx.rewards.of_referral(referral_id)
    state = ",".join(f"{r.id}{r.status}{'-held' if r.held else ''}" for r in rewards)
    outbound = Outbound(room(where), text, buttons, reply_to=where, edit_of=message, markup=True)
    key = f"{card_key(referral_id)}:{state}"
    return Effects(scheduled=((Scheduled(outbound, due_at=now, dedupe_key=key, kind=STAFF), None),))


async def follow(ctx: Context, tx: Tx, referral_id: int, *, now: datetime) -> Effects:
    """Post the referral's card in the notification channel, or bring it up to date."""
    channel = ctx.staff.notify_channel
    if channel is None or CHANNEL in ctx.off:
        return Effects()  # no channel named, or no Slack here to post it in
    posted = await tx.staff.posted(card_key(referral_id))
    if posted is None:
        text, buttons = await referral_card(ctx, tx, referral_id)
        outbound = Outbound(room(channel), text, buttons, reply_to=channel, markup=True)
        card = Scheduled(outbound, due_at=now, dedupe_key=card_key(referral_id), kind=STAFF)
        return Effects(scheduled=((card, None),))
    if posted.provider_id is None or posted.where is None:
        return Effects()  # still on its way: it shows the state it was queued with
    return await card_change(
        ctx, tx, referral_id, where=posted.where, message=posted.provider_id, now=now
    )
