"""What an account manager does with a drafted ask: Send, Edit (by replying in the card's
thread), Cancel. Each changes the card in place; a second click finds nothing open to change.

Send queues the ask on the client's own channel as an ordinary `ask`: the dispatcher holds it
through quiet hours and the weekly cap, and STOP still wins at send time.

Editing is a reply in the card's thread rather than a modal: a modal must open within 3 s of
the click (its trigger_id expires), and every message here goes through the durable outbox.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Tx
from bot.core.store.asks import StaffAsk, ask_key
from bot.core.store.records import Participant
from bot.staff.access import Role
from bot.staff.ask_card import cancelled_card, card_change, confirmation, draft_card, sent_card
from bot.staff.clients import label
from bot.staff.mrkdwn import mention, moment
from bot.staff.readiness import assess_one
from bot.staff.requests import Click, Refused, ThreadReply

MAX_ASK = 480  # characters: the ask may go by SMS, and a short ask reads better anyway


async def _open(
    tx: Tx, ask: StaffAsk | None, *, user: str, role: Role
) -> tuple[StaffAsk, Participant]:
    """A draft this person may still decide, and its client; or Refused saying why not."""
    if ask is None:
        raise Refused("That draft doesn't exist any more; nothing changed.")
    if ask.manager != user and not role.reviewer:
        raise Refused(f"This draft is {mention(ask.manager)}'s to decide; nothing changed.")
    if not ask.is_open:
        by = f" by {mention(ask.decided_by)}" if ask.decided_by else ""
        raise Refused(f"This ask was {ask.status}{by} {moment(ask.updated_at)}; nothing changed.")
    client = await tx.participants.get(ask.participant_id)
    assert client is not None
    return ask, client


def _still(moved: StaffAsk | None) -> StaffAsk:
    """The draft as moved; on PostgreSQL a concurrent click may have moved it first (the
    conditional UPDATE waited for it, then found nothing open)."""
    if moved is None:
        raise Refused("Someone decided this draft at the same moment; nothing changed.")
    return moved


async def send(ctx: Context, tx: Tx, click: Click, *, role: Role, now: datetime) -> Effects:
    ask, client = await _open(tx, await tx.asks.get(click.target), user=click.user, role=role)
    ready = await assess_one(tx, ctx.program, client, now=now, off=ctx.off)
    if ready.blockers or ready.reach is None:
        raise Refused(f"Not sent: {label(client)}: {'; '.join(ready.blockers)}.")
    last = (await tx.staff.last_asks([client.id])).get(client.id)
    if last is not None and (last.queued or last.at > ask.created_at):
        raise Refused(f"Not sent: {label(client)} was asked after this draft ({moment(last.at)}).")
    sent = _still(await tx.asks.move(ask.id, to="sent", at=now, by=click.user))
    await tx.asks.place_card(ask.id, channel=click.where, ts=click.message)
    await tx.participants.mark_link_sent(client.id, now, channel=ready.reach.address.channel)
    reach = ready.reach
    message = Outbound(reach.address, sent.text, reply_to=reach.reply_to)
    the_ask = Scheduled(message, due_at=now, dedupe_key=ask_key(ask.id), kind="ask")
    card = sent_card(sent, client, ready, by=click.user, at=now)
    note = confirmation(client, ready)
    return Effects(
        scheduled=(
            (the_ask, client.id),
            (card_change(sent, "sent", card, click.spot, at=now), None),
            (card_change(sent, "queued", note, click.spot, at=now, thread=True), None),
        )
    )


async def edit(ctx: Context, tx: Tx, click: Click, *, role: Role, now: datetime) -> Effects:
    ask, client = await _open(tx, await tx.asks.get(click.target), user=click.user, role=role)
    editing = _still(await tx.asks.move(ask.id, to="editing", at=now))
    ready = await assess_one(tx, ctx.program, client, now=now, off=ctx.off)
    card, buttons = draft_card(editing, client, ready, editing=True)
    event = f"edit:{click.event_id}"
    return Effects(
        scheduled=((card_change(editing, event, card, click.spot, at=now, buttons=buttons), None),)
    )


async def cancel(ctx: Context, tx: Tx, click: Click, *, role: Role, now: datetime) -> Effects:
    ask, client = await _open(tx, await tx.asks.get(click.target), user=click.user, role=role)
    cancelled = _still(await tx.asks.move(ask.id, to="cancelled", at=now, by=click.user))
    ready = await assess_one(tx, ctx.program, client, now=now, off=ctx.off)
    card = cancelled_card(cancelled, client, ready, by=click.user, at=now)
    return Effects(
        scheduled=((card_change(cancelled, "cancelled", card, click.spot, at=now), None),)
    )


async def reword(ctx: Context, tx: Tx, reply: ThreadReply, *, role: Role, now: datetime) -> Effects:
    """New wording typed in the card's thread; the client's link is kept in it."""
    ask, client = await _open(tx, await tx.asks.by_card(reply.thread), user=reply.user, role=role)
    text = reply.text.strip()
    link = ctx.links.web(client.code)
    if link not in text:
        text = f"{text} {link}" if text else ""
    if not text:
        raise Refused("Type the new wording here, in the draft's thread.")
    if len(text) > MAX_ASK:
        raise Refused(f"That's {len(text)} characters; keep the ask under {MAX_ASK}.")
    reworded = _still(await tx.asks.rewrite(ask.id, text, at=now))
    ready = await assess_one(tx, ctx.program, client, now=now, off=ctx.off)
    card, buttons = draft_card(reworded, client, ready)
    event = f"text:{reply.event_id}"
    return Effects(
        scheduled=((card_change(reworded, event, card, reply.spot, at=now, buttons=buttons), None),)
    )
