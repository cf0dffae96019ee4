"""Telling people what happened to their rewards, on their channel, in their language.

Each piece of news is one outbox message with a dedupe key naming the reward and the event,
so retries and repeated events never say the same thing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.messages import Outbound, Scheduled
from bot.core.reward_text import describe, local_day, reason_text, reward_text
from bot.core.rewards import Capped, RewardNews
from bot.core.store import Tx
from bot.core.store.records import Identity, Participant
from bot.core.store.rewards import Reward

KIND = "reward"


@dataclass(frozen=True, slots=True)
class Note:
    """One message to one person, written when we know their language and time zone."""

    to: int
    dedupe_key: str
    write: Callable[[Participant], str]


async def tell(ctx: Context, tx: Tx, news: RewardNews, *, now: datetime) -> Effects:
    scheduled: list[tuple[Scheduled, int | None]] = []
    people: dict[int, Participant | None] = {}
    for note in notes(ctx, news):
        if note.to not in people:
            people[note.to] = await tx.participants.get(note.to)
        person = people[note.to]
        identity = await tx.participants.reachable_identity(note.to, off=ctx.off)
        if person is None or identity is None:
            continue  # nobody to tell: the ledger and the `rewards` reply still say it
        scheduled.append(schedule(note, person, identity, now=now))
    return Effects(scheduled=tuple(scheduled))


def schedule(
    note: Note, person: Participant, identity: Identity, *, now: datetime
) -> tuple[Scheduled, int | None]:
    message = Outbound(to=identity.address, text=note.write(person), reply_to=identity.reply_to)
    return Scheduled(message, due_at=now, dedupe_key=note.dedupe_key, kind=KIND), person.id


def notes(ctx: Context, news: RewardNews) -> list[Note]:
    out: list[Note] = []
    for r in news.granted:
        if r.held is not None and r.side == "friend" and r.status == "pending":
            # The friend expects a reward now: it is checked first, and they hear when approved.
            out.append(Note(r.participant_id, _key(r, "held"), _held(ctx, r)))
            continue
        if r.held is not None or r.status == "voided":
            continue  # the referrer's review shows in REWARDS; a capped grant is told as the cap
        if r.side == "friend":
            out.append(Note(r.participant_id, _key(r, "granted"), _friend_got(ctx, r)))
        elif r.status == "approved":
            out.append(Note(r.participant_id, _key(r, "approved"), _approved(ctx, r)))
        else:
            out.append(Note(r.participant_id, _key(r, "granted"), _earned(ctx, r)))
    for r in news.milestones:
        out.append(Note(r.participant_id, _key(r, "milestone"), _milestone(ctx, r)))
    for c in news.capped:
        key = f"reward:cap:{c.participant_id}:{c.rule_id}"
        out.append(Note(c.participant_id, key, _cap(ctx, c)))
    for r in news.approved:
        out.append(Note(r.participant_id, _key(r, "approved"), _approved(ctx, r)))
    for r in news.voided:
        out.append(Note(r.participant_id, _key(r, "voided"), _voided(ctx, r)))
    return out


def _key(reward: Reward, event: str) -> str:
    return f"reward:{reward.id}:{event}"


def _friend_got(ctx: Context, r: Reward) -> Callable[[Participant], str]:
    cat = ctx.catalogs
    return lambda p: cat.text(p.lang, "reward.friend_got", reward=reward_text(cat, p.lang, r))


def _held(ctx: Context, r: Reward) -> Callable[[Participant], str]:
    cat = ctx.catalogs
    return lambda p: cat.text(p.lang, "reward.held", amount=reward_text(cat, p.lang, r))


def _approved(ctx: Context, r: Reward) -> Callable[[Participant], str]:
    cat = ctx.catalogs
    return lambda p: cat.text(p.lang, "reward.approved", amount=reward_text(cat, p.lang, r))


def _milestone(ctx: Context, r: Reward) -> Callable[[Participant], str]:
    cat = ctx.catalogs
    return lambda p: cat.text(p.lang, "thanks.milestone", reward=reward_text(cat, p.lang, r))


def _earned(ctx: Context, r: Reward) -> Callable[[Participant], str]:
    cat = ctx.catalogs

    def write(p: Participant) -> str:
        day = local_day(r.hold_until, p, ctx.program.default_time_zone)
        return cat.text(
            p.lang,
            "reward.earned",
            amount=reward_text(cat, p.lang, r),
            date=cat.format_date(p.lang, day),
        )

    return write


def _voided(ctx: Context, r: Reward) -> Callable[[Participant], str]:
    cat = ctx.catalogs
    return lambda p: cat.text(
        p.lang,
        "reward.voided",
        amount=reward_text(cat, p.lang, r),
        reason=reason_text(cat, p.lang, r.reason),
    )


def _cap(ctx: Context, c: Capped) -> Callable[[Participant], str]:
    cat = ctx.catalogs

    def write(p: Participant) -> str:
        cap = describe(cat, p.lang, unit=c.unit, measure=c.measure, label=c.label, amount=c.cap)
        return cat.text(p.lang, "rewards.cap_reached", cap=cap)

    return write
