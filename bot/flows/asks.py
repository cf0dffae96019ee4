"""Referral asks: B2C customers are asked right after a purchase, their happiest moment.

B2B clients are asked by their account manager once the relationship is established, never
automatically unless the program says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Tx
from bot.core.store.records import Participant


async def purchase_ask(ctx: Context, tx: Tx, buyer: Participant, *, now: datetime) -> Effects:
    settings = ctx.program.reminders
    if buyer.segment == "b2b" and not settings.b2b_automatic:
        return Effects()
    identity = await tx.participants.reachable_identity(buyer.id, off=ctx.off)
    if identity is None:
        return Effects()  # known only by email or a CRM id: there is no chat to ask in
    link = ctx.links.web(buyer.code)
    text = ctx.catalogs.text(buyer.lang, "ask.after_purchase", link=link)
    due = now + timedelta(minutes=settings.ask_after_purchase_minutes)
    await tx.participants.mark_link_sent(buyer.id, now, channel=identity.address.channel)
    # One ask a day at most, however many purchases: the dedupe key carries the date.
    scheduled = Scheduled(
        Outbound(identity.address, text, reply_to=identity.reply_to),
        due_at=due,
        dedupe_key=f"ask:purchase:{buyer.id}:{due.date().isoformat()}",
        kind="ask",
    )
    return Effects(scheduled=((scheduled, buyer.id),))
