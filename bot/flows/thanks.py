"""The thank-you a referrer gets when a friend signs up: on their channel, in their language."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import Catalogs
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Tx
from bot.core.store.records import Participant, Referral
from bot.flows.base import Effects


async def thank_referrer(
    catalogs: Catalogs, tx: Tx, *, referral: Referral, friend: Participant, now: datetime
) -> Effects:
    referrer = await tx.participants.get(referral.referrer_id)
    identity = await tx.participants.reachable_identity(referral.referrer_id)
    if referrer is None or identity is None:
        return Effects()
    count = (await tx.referrals.counts(referrer.id)).counted
    name = friend.display_name.strip()
    if name:
        text = catalogs.text(referrer.lang, "thanks.signup", count=count, friend=name)
    else:
        text = catalogs.text(referrer.lang, "thanks.signup_anonymous", count=count)
    message = Outbound(to=identity.address, text=text, reply_to=identity.reply_to)
    scheduled = Scheduled(message, due_at=now, dedupe_key=f"thanks:{referral.id}", kind="thanks")
    return Effects(scheduled=((scheduled, referrer.id),))
