"""Telling the business's people what happened, in the transaction that made it happen.

A new referral is posted to the notification channel (a card reviewers act on), and the
referrer's account manager hears of it: under the card of the ask they sent, or by DM.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.kinds import STAFF
from bot.core.messages import Outbound, Scheduled
from bot.core.rewards import RewardNews
from bot.core.store import Tx
from bot.core.store.records import Participant, Referral
from bot.staff.access import CHANNEL, person
from bot.staff.clients import label, who
from bot.staff.mrkdwn import medium
from bot.staff.referral_card import card_key, follow


async def referral_made(
    ctx: Context,
    tx: Tx,
    *,
    referral: Referral,
    now: datetime,
    referrer: Participant | None = None,
    friend: Participant | None = None,
) -> Effects:
    """A friend signed up through a code and it counted. `referrer`, `friend`: both sides as
    read in this transaction, when the caller has them (else they are read here)."""
    effects = await follow(ctx, tx, referral.id, now=now)
    if CHANNEL in ctx.off:
        return effects  # no Slack here: an account manager could never read it (nor an ask)
    referrer = referrer or await tx.participants.get(referral.referrer_id)
    friend = friend or await tx.participants.get(referral.friend_id)
    if referrer is None or friend is None:
        return effects
    text = (
        f":tada: Your client {label(referrer)} brought a friend: {await who(tx, friend)} "
        f"signed up on {medium(referral.channel)}."
    )
    told: set[str] = set()
    ask = await tx.asks.latest_sent(referrer.id)
    if ask is not None and ask.card_channel and ask.card_ts:
        message = Outbound(
            person(ask.manager), text, reply_to=ask.card_channel, thread=ask.card_ts, markup=True
        )
        key = f"{card_key(referral.id)}:ask:{ask.id}"
        effects += Effects(scheduled=((Scheduled(message, now, key, STAFF), None),))
        told.add(ask.manager)
    manager = referrer.account_manager
    if manager and manager not in told:
        message = Outbound(person(manager), text, reply_to=manager, markup=True)
        key = f"{card_key(referral.id)}:manager"
        effects += Effects(scheduled=((Scheduled(message, now, key, STAFF), None),))
    return effects


async def follow_news(ctx: Context, tx: Tx, news: RewardNews, *, now: datetime) -> Effects:
    """The ledger moved (a purchase qualified a referral, a hold ended, someone decided): the
    cards of the referrals it concerns change in place."""
    effects = Effects()
    rewards = (*news.granted, *news.approved, *news.voided, *news.milestones)
    for referral_id in dict.fromkeys(r.referral_id for r in rewards):
        effects += await follow(ctx, tx, referral_id, now=now)
    return effects
