"""`/referrals nudge <client>`: the account manager's referral ask, drafted in the client's
language and the program's voice (its own wording of `ask.b2b`, if it has one), as a card with
Send / Edit / Cancel in their DM. Nothing reaches the client until they press Send."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.kinds import STAFF
from bot.core.messages import Outbound, Scheduled
from bot.core.phones import phone_address
from bot.core.store import Tx
from bot.core.store.asks import card_key
from bot.core.store.records import Participant
from bot.staff.access import Role, person
from bot.staff.ask_card import draft_card
from bot.staff.clients import label
from bot.staff.mrkdwn import escape
from bot.staff.readiness import assess_one
from bot.staff.requests import Refused


async def find_client(
    tx: Tx, *, user: str, role: Role, query: str, region: str | None = None
) -> Participant:
    """One client by company, name or phone, among those this person may ask; a number
    without +country is read as from `region` (the program's `phone_region`), as imports are."""
    manager = None if role.reviewer else user
    query = " ".join(query.split())  # "Acme  Corp", a pasted no-break space: the same client
    phone = phone_address(query, region=region)
    if phone is not None:
        found = await tx.participants.by_address(phone)
        candidates = [found[0]] if found is not None else []
        candidates = [
            c for c in candidates if (c.account_manager == user if manager else c.segment == "b2b")
        ]
    else:
        candidates = await tx.staff.clients(manager=manager, search=query, limit=20)
        wanted = query.casefold()
        exact = [
            c
            for c in candidates
            if wanted in ((c.company or "").casefold(), c.display_name.strip().casefold())
        ]
        candidates = exact or candidates
    if not candidates:
        whose = "of yours " if manager else ""
        raise Refused(
            f"No client {whose}matches “{escape(query)}”. `/referrals clients` lists them."
        )
    if len(candidates) > 1:
        names = ", ".join(label(c) for c in candidates[:8])
        raise Refused(f"“{escape(query)}” matches {len(candidates)} clients: {names}. Which one?")
    return candidates[0]


async def draft(
    ctx: Context, tx: Tx, *, user: str, role: Role, query: str, now: datetime
) -> tuple[str, Effects]:
    if not query:
        raise Refused("Whom should I draft an ask for? `/referrals nudge <company, name or phone>`")
    region = ctx.program.phone_region
    client = await find_client(tx, user=user, role=role, query=query, region=region)
    ready = await assess_one(tx, ctx.program, client, now=now, off=ctx.off)
    if ready.blockers:
        raise Refused(f"{label(client)} can't be asked: {'; '.join(ready.blockers)}.")
    name = client.display_name.strip() or (client.company or "").strip()
    link = ctx.links.web(client.code)
    text = ctx.catalogs.text(client.lang, "ask.b2b", name=name, link=link)
    ask = await tx.asks.draft(participant_id=client.id, manager=user, text=text, at=now)
    card, buttons = draft_card(ask, client, ready)
    # Posted to the user id: it lands in their DM with the app wherever they typed the command
    # (a draft for a client has no place in a shared channel).
    message = Outbound(person(user), card, buttons, reply_to=user, markup=True)
    scheduled = Scheduled(message, due_at=now, dedupe_key=card_key(ask.id, "card"), kind=STAFF)
    answer = (
        f"Drafted an ask for {label(client)}: it's in your DM with me, to Send, Edit or Cancel."
    )
    return answer, Effects(scheduled=((scheduled, None),))
