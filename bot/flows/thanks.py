"""The thank-you a referrer gets when a friend signs up: on their channel, in their language.

What the signup earned the referrer rides along in the same message ("You earned $20.00")
when both fit two SMS segments: one text instead of two, one fewer against the weekly cap.
Milestones and caps, rarer and bigger news, follow as messages of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.messages import Outbound, Scheduled
from bot.core.sms_text import sms_segments
from bot.core.store import Tx
from bot.core.store.participants import reachable
from bot.core.store.records import Identity, Participant, Referral
from bot.flows.fit import SEGMENTS
from bot.flows.names import first_name
from bot.flows.reward_news import Note, schedule


async def thank_referrer(
    ctx: Context,
    tx: Tx,
    *,
    referral: Referral,
    friend: Participant,
    now: datetime,
    also: Sequence[Note] = (),
    known: tuple[Participant, Sequence[Identity]] | None = None,
) -> Effects:
    """`also`: notes for the referrer to add below the thanks, in the same message.
    `known`: the referrer as this transaction left them and their identities, when the caller
    has read them already (the signup has); else they are read here. Either way the thanks
    goes where every unprompted message goes: their last chat on a channel that runs."""
    referrer: Participant | None
    if known is not None:
        referrer, identities = known
        identity = reachable(identities, ctx.off)
    else:
        referrer = await tx.participants.get(referral.referrer_id)
        identity = await tx.participants.reachable_identity(referral.referrer_id, off=ctx.off)
    if referrer is None or identity is None:
        return Effects()
    # referral_count is kept with every status change in this transaction (the store contract
    # checks it against COUNT(*)): the friends who count, without counting them again.
    count = referrer.referral_count
    name = first_name(friend.display_name)  # never a URL, a phone or "Reply STOP" from a profile
    if name:
        text = ctx.catalogs.text(referrer.lang, "thanks.signup", count=count, friend=name)
    else:
        text = ctx.catalogs.text(referrer.lang, "thanks.signup_anonymous", count=count)
    folded = "\n".join([text, *(note.write(referrer) for note in also)])
    apart: Sequence[Note] = also
    if sms_segments(folded) <= SEGMENTS:  # else each goes on its own, rather than a long text
        text, apart = folded, ()
    message = Outbound(to=identity.address, text=text, reply_to=identity.reply_to)
    scheduled = Scheduled(message, due_at=now, dedupe_key=f"thanks:{referral.id}", kind="thanks")
    rest = tuple(schedule(note, referrer, identity, now=now) for note in apart)
    return Effects(scheduled=((scheduled, referrer.id), *rest))
