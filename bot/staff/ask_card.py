"""The card an account manager sees for a drafted ask: the wording as the client will read it,
whether now is a good time, and Send / Edit / Cancel. It changes in place as they decide."""

from __future__ import annotations

from datetime import datetime

from bot.core.kinds import STAFF
from bot.core.messages import Button, Outbound, Scheduled
from bot.core.store.asks import StaffAsk, card_key
from bot.core.store.records import Participant
from bot.staff.access import person
from bot.staff.clients import label
from bot.staff.mrkdwn import local, medium, mention, moment, quote
from bot.staff.readiness import Readiness
from bot.staff.requests import ASK_CANCEL, ASK_EDIT, ASK_SEND, Spot

LANGUAGE_NAMES = {
    "en": "English",
    "ko": "Korean",
    "zh-Hant": "Traditional Chinese",
    "zh-Hans": "Simplified Chinese",
}


def _heading(title: str, client: Participant, ready: Readiness, status: str = "") -> str:
    where = f" · {medium(ready.reach.address.channel)}" if ready.reach else ""
    language = LANGUAGE_NAMES.get(client.lang, client.lang)
    return f"{title} for {label(client)}{where} · {language}{status}"


def draft_card(
    ask: StaffAsk, client: Participant, ready: Readiness, *, editing: bool = False
) -> tuple[str, tuple[Button, ...]]:
    lines = [_heading(":memo: *Draft referral ask*", client, ready), quote(ask.text)]
    if ready.blockers or ready.advice:
        lines.append(":warning: Not recommended now: " + "; ".join(ready.blockers + ready.advice))
    if ready.goes_at is not None:
        when = local(ready.goes_at, ready.zone)
        lines.append(f":crescent_moon: {ready.waits_for} now: Send queues it to go at {when}.")
    if not (ready.blockers or ready.advice or ready.goes_at):
        lines.append(":white_check_mark: A good time to ask.")
    if editing:
        lines.append(
            ":pencil2: Reply in this thread with the wording you want; "
            "I'll add their link if you leave it out."
        )
    value = str(ask.id)
    buttons = (
        Button("Send", value, ASK_SEND),
        Button("Edit", value, ASK_EDIT),
        Button("Cancel", value, ASK_CANCEL),
    )
    return "\n".join(lines), buttons


def sent_card(
    ask: StaffAsk, client: Participant, ready: Readiness, *, by: str, at: datetime
) -> str:
    status = f" · sent by {mention(by)} {moment(at)}"
    return "\n".join(
        [_heading(":outbox_tray: *Referral ask*", client, ready, status), quote(ask.text)]
    )


def cancelled_card(
    ask: StaffAsk, client: Participant, ready: Readiness, *, by: str, at: datetime
) -> str:
    status = f" · cancelled by {mention(by)} {moment(at)}"
    return "\n".join([_heading(":x: *Referral ask*", client, ready, status), quote(ask.text)])


def confirmation(client: Participant, ready: Readiness) -> str:
    assert ready.reach is not None
    where = f"Queued for {label(client)} on {medium(ready.reach.address.channel)}"
    if ready.goes_at is None:
        when = "it goes out now"
    else:
        when = f"{ready.waits_for} now, so it goes at {local(ready.goes_at, ready.zone)}"
    return f":white_check_mark: {where}: {when}. I'll tell you here when a friend signs up."


def card_change(
    ask: StaffAsk,
    event: str,
    text: str,
    spot: Spot,
    *,
    at: datetime,
    buttons: tuple[Button, ...] = (),
    thread: bool = False,
) -> Scheduled:
    """The card replaced in place (or, with `thread`, an answer under it); once per `event`."""
    outbound = Outbound(
        person(spot.user),
        text,
        buttons,
        reply_to=spot.where,
        edit_of=None if thread else spot.message,
        thread=spot.message if thread else None,
        markup=True,
    )
    return Scheduled(outbound, due_at=at, dedupe_key=card_key(ask.id, event), kind=STAFF)
