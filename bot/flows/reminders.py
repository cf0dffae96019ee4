"""Reminders to share: one after a few quiet days, a lighter second one later, then no more."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Tx

_TEXTS = {1: "reminder.share", 2: "reminder.share_second"}


async def remind(
    ctx: Context, tx: Tx, participant_id: int, *, which: int, now: datetime
) -> Effects:
    participant = await tx.participants.get(participant_id)
    identity = await tx.participants.reachable_identity(participant_id, off=ctx.off)
    if participant is None or identity is None:
        return Effects()
    text = ctx.catalogs.text(participant.lang, _TEXTS[which], link=ctx.links.web(participant.code))
    message = Outbound(identity.address, text, reply_to=identity.reply_to)
    # The dedupe key is the memory of what was sent: the sweep never asks twice.
    scheduled = Scheduled(
        message, due_at=now, dedupe_key=f"reminder:{which}:{participant_id}", kind="reminder"
    )
    return Effects(scheduled=((scheduled, participant_id),))
