"""Is a referral ask appropriate for this client now, and if not, why not.

Three kinds of reasons: the client cannot be asked at all (opted out, no chat to ask in); the
program advises against it (the relationship is younger than its B2B minimum, or they were
asked within its interval); or delivery would wait (quiet hours where they are, the weekly
cap), judged by the dispatcher's own policy, with the moment it would go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.messages import CHANNELS
from bot.core.program import Program
from bot.core.store import Tx
from bot.core.store.records import Identity, OutboxRow, Participant
from bot.core.store.staff import LastAsk
from bot.delivery.delivery_policy import DeliveryPolicy
from bot.delivery.quiet_hours import recipient_zones
from bot.staff.mrkdwn import local, medium, moment


@dataclass(frozen=True, slots=True)
class Readiness:
    reach: Identity | None  # where an ask would go
    zone: ZoneInfo  # the client's time zone, as quiet hours read it
    blockers: tuple[str, ...] = ()  # cannot be asked at all
    advice: tuple[str, ...] = ()  # the program says not yet; the account manager decides
    goes_at: datetime | None = None  # an ask sent now would wait until then
    waits_for: str | None = None

    @property
    def ready(self) -> bool:
        return not self.blockers and not self.advice and self.goes_at is None

    def reasons(self) -> list[str]:
        waiting = []
        if self.goes_at is not None:
            waiting = [f"{self.waits_for} now: it would go at {local(self.goes_at, self.zone)}"]
        return [*self.blockers, *self.advice, *waiting]


def _ago(then: datetime, now: datetime) -> str:
    days = (now - then).days
    return "today" if days < 1 else "yesterday" if days < 2 else f"{days} days ago"


def reach_of(
    identities: Sequence[Identity], off: frozenset[str] = frozenset()
) -> tuple[Identity | None, str | None]:
    """The chat an ask would go to (the one they used last, on a channel this deployment
    runs), or why there is none."""
    known = [i for i in identities if i.address.channel in CHANNELS]
    chats = [i for i in known if i.address.channel not in off]
    open_ = [i for i in chats if not i.opted_out and not i.unreachable]
    if open_:
        return open_[0], None
    if known and not chats:
        unrun = sorted({medium(i.address.channel) for i in known})
        return None, f"only on {', '.join(unrun)}, which this deployment does not run"
    if not chats:
        return None, "no chat to ask in (known only by email or a CRM id)"
    stopped = [medium(i.address.channel) for i in chats if i.opted_out]
    if stopped:
        return None, f"opted out of messages (STOP on {', '.join(stopped)})"
    return None, f"can't be reached on {medium(chats[0].address.channel)} (blocked the bot)"


def _advice(
    program: Program, client: Participant, last: LastAsk | None, now: datetime
) -> list[str]:
    rules = program.reminders
    advice = []
    if client.segment != "b2b":
        advice.append("a B2C customer: asked automatically after each purchase")
    since = client.customer_since or client.created_at
    age = (now - since).days
    if age < rules.b2b_min_relationship_days:
        advice.append(
            f"a client for {age} days; the program asks after {rules.b2b_min_relationship_days}"
        )
    if last is not None and last.queued:
        advice.append(f"an ask is already on its way (due {moment(last.at)})")
    elif last is not None and now - last.at < timedelta(days=rules.b2b_ask_interval_days):
        advice.append(
            f"asked {_ago(last.at, now)}; the program waits "
            f"{rules.b2b_ask_interval_days} days between asks"
        )
    return advice


async def assess(
    tx: Tx,
    program: Program,
    client: Participant,
    *,
    now: datetime,
    identities: Sequence[Identity],
    last: LastAsk | None,
    off: frozenset[str] = frozenset(),
) -> Readiness:
    default = ZoneInfo(program.default_time_zone)
    reach, blocked = reach_of(identities, off)
    address = reach.address if reach is not None else identities[0].address if identities else None
    zones = recipient_zones(client.time_zone, address, default, client.lang) if address else ()
    zone = zones[0] if zones else default
    blockers = (blocked,) if blocked else ()
    advice = tuple(_advice(program, client, last, now))
    if reach is None:
        return Readiness(reach, zone, blockers, advice)
    [verdict] = await DeliveryPolicy.of(program).judge_all(tx, [_probe(client, reach, now)], now)
    if verdict.skip:
        return Readiness(reach, zone, (verdict.why,), advice)
    return Readiness(reach, zone, blockers, advice, verdict.until, verdict.why or None)


async def assess_one(
    tx: Tx,
    program: Program,
    client: Participant,
    *,
    now: datetime,
    off: frozenset[str] = frozenset(),
) -> Readiness:
    identities = await tx.participants.identities_of(client.id)
    last = (await tx.staff.last_asks([client.id])).get(client.id)
    return await assess(tx, program, client, now=now, identities=identities, last=last, off=off)


def _probe(client: Participant, reach: Identity, now: datetime) -> OutboxRow:
    """An ask as it would be queued now: what the dispatcher would say about it is the answer
    to "quiet hours?" and "weekly cap?", by the very rules that will apply."""
    return OutboxRow(
        id=-1,
        to=reach.address,
        reply_to=reach.reply_to,
        participant_id=client.id,
        kind="ask",
        text="",
        buttons=(),
        dedupe_key=None,
        due_at=now,
        status="sending",
        attempts=0,
        last_error=None,
        provider_id=None,
        delivery_status=None,
        created_at=now.astimezone(UTC),
        sent_at=None,
    )
