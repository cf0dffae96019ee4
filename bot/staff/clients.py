"""`/referrals clients`: an account manager's clients, what each has done, and whether now is a
good time to ask them (and why not). Reviewers who manage nobody see every B2B client."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.store import Tx
from bot.core.store.records import Participant
from bot.core.store.staff import LastAsk
from bot.staff.access import Role
from bot.staff.mrkdwn import escape, medium, mention, moment
from bot.staff.readiness import Readiness, assess

LIMIT = 40  # a list longer than this is better narrowed than scrolled


def label(client: Participant) -> str:
    """The client as staff know them, escaped: *Acme Corp* (Ann Lee), or whichever is known."""
    company, name = (client.company or "").strip(), client.display_name.strip()
    if company and name:
        return f"*{escape(company)}* ({escape(name)})"
    return f"*{escape(company or name or f'participant {client.id}')}*"


async def who(tx: Tx, participant: Participant) -> str:
    """`label`, or for someone known by neither name nor company, how we know them."""
    if participant.display_name.strip() or (participant.company or "").strip():
        return label(participant)
    for identity in await tx.participants.identities_of(participant.id):
        address = identity.address
        if address.channel == "slack":
            return mention(address.id.rpartition(":")[2])
        return f"*{escape(address.id)}* ({medium(address.channel)})"
    return label(participant)


def _line(client: Participant, ready: Readiness, last: LastAsk | None, show_manager: bool) -> str:
    where = medium(ready.reach.address.channel) if ready.reach else "no chat"
    referred = f"{client.referral_count} referral{'' if client.referral_count == 1 else 's'}"
    asked = "never asked"
    if last is not None:
        asked = f"ask due {moment(last.at)}" if last.queued else f"last asked {moment(last.at)}"
    verdict = ":white_check_mark: a good time to ask"
    if not ready.ready:
        verdict = ":double_vertical_bar: not now: " + "; ".join(ready.reasons())
    manager = (
        f" · {mention(client.account_manager)}" if show_manager and client.account_manager else ""
    )
    return f"• {label(client)}{manager} · {where} · {referred} · {asked} · {verdict}"


async def clients_text(
    ctx: Context, tx: Tx, *, user: str, role: Role, search: str, now: datetime
) -> str:
    manager = user if role.manager else None
    found = await tx.staff.clients(manager=manager, search=search, limit=LIMIT + 1)
    whose = "Your clients" if manager is not None else "B2B clients"
    matching = f" matching “{escape(search)}”" if search else ""
    if not found:
        hint = "" if search else " The customer import names each client's account manager."
        return f"{whose}{matching}: none.{hint}"
    shown = found[:LIMIT]
    ids = [client.id for client in shown]
    identities = await tx.staff.identities(ids)
    lasts = await tx.staff.last_asks(ids)
    lines = [f"*{whose}*{matching}"]
    for client in shown:
        last = lasts.get(client.id)
        ready = await assess(
            tx,
            ctx.program,
            client,
            now=now,
            identities=identities[client.id],
            last=last,
            off=ctx.off,
        )
        lines.append(_line(client, ready, last, show_manager=manager is None))
    if len(found) > LIMIT:
        lines.append("…and more: narrow it down with `/referrals clients <company or name>`.")
    lines.append("Draft an ask with `/referrals nudge <company, name or phone>`.")
    return "\n".join(lines)
