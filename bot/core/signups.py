"""A friend signs up through a code: the rules that decide whether it counts, and why not.

Every attempt is recorded, counted or rejected with its reason, so "why didn't my friend
count?" always has an answer. The database's constraints settle concurrent joins. Chat joins
and the events API both come through here, so both get the fraud rules and the rewards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.core.fraud import HOUR, Origin, record, same_person, suspicions, trace
from bot.core.messages import Address
from bot.core.program import Program
from bot.core.rewards import RewardNews, qualify
from bot.core.store import Tx
from bot.core.store.flags import Facts
from bot.core.store.records import Identity, Participant, Referral


@dataclass(frozen=True, slots=True)
class Signup:
    referral: Referral | None  # the counted referral, when the signup counts
    reason: str | None  # why it does not count, one of records.REASONS
    news: RewardNews = field(default_factory=RewardNews)  # rewards the signup earned
    held: tuple[str, ...] = ()  # fraud flags: counted, but its rewards wait for a reviewer
    # When it counts: the referrer as it leaves them (their count includes this friend), and
    # their identities, read with the rules' facts, so the thanks need not read them again
    # (which of them to write to is the thanks' decision: `participants.reachable`).
    referrer: Participant | None = None
    identities: tuple[Identity, ...] = ()


def is_existing_customer(friend: Participant) -> bool:
    """Someone who already bought or brought friends is no new friend. Having asked for a link
    of one's own is not enough: a friend who texts "my link" before JOIN (meaning the link
    they were sent) would lose what joining gets them."""
    return friend.is_customer or friend.referral_count > 0 or friend.pending_count > 0


def _refusal(
    program: Program,
    facts: Facts,
    *,
    referrer: Participant,
    friend: Participant,
    origin: Origin,
    claimed: Iterable[Address],
    at: datetime,
) -> str | None:
    if same_person(facts, referrer.id, friend.id, claimed):
        return "self_referral"
    if facts.friend_referred:
        return "already_referred"  # first code wins
    if is_existing_customer(friend):
        return "already_customer"
    referred_at = origin.referred_at or at
    if at - referred_at > timedelta(days=program.attribution_days):
        return "attribution_expired"
    return None


def _counted(referrer: Participant, referral: Referral) -> Participant:
    """The referrer's row as the referrals trigger (migration 0090) just left it: one more
    friend who counts. The row was read holding its lock, so nobody else moved it since."""
    pending = referrer.pending_count + (referral.status == "signed_up")
    return replace(referrer, referral_count=referrer.referral_count + 1, pending_count=pending)


async def sign_up(
    tx: Tx,
    *,
    program: Program,
    referrer: Participant,
    friend: Participant,
    code: str,
    channel: str,
    at: datetime,
    origin: Origin | None = None,
    claimed: Iterable[Address] = (),
) -> Signup:
    """`origin`: where the friend came from (the API's visitor id, network, device);
    `claimed`: identifiers the friend gave that may belong to someone else (self-referral)."""
    origin = await trace(tx, code, origin or Origin())
    # Signups for one code take turns from here: the rules' counts below see the ones before.
    referrer = await tx.participants.lock(referrer)
    facts = await tx.rewards.flags.signup_facts(referrer.id, friend.id, since=at - HOUR)
    reason = _refusal(
        program, facts, referrer=referrer, friend=friend, origin=origin, claimed=claimed, at=at
    )
    if reason is None:
        held = await suspicions(tx, program, facts=facts, origin=origin, at=at)
        # Counted at once when the signup is what qualifies and nothing needs a review.
        at_once = program.qualifying_event == "signup" and not held
        referral = await tx.referrals.create(
            referrer_id=referrer.id,
            friend_id=friend.id,
            code=code,
            channel=channel,
            at=at,
            status="qualified" if at_once else "signed_up",
            referred_at=origin.referred_at,
        )
        if referral is not None:
            await record(tx, referral_id=referral.id, origin=origin, reasons=held, at=at)
            news = RewardNews()
            if program.qualifying_event == "signup":
                news = await qualify(tx, program, referral, at=at, flags=held)
            theirs = tuple(facts.identities.get(referrer.id, ()))
            return Signup(referral, None, news, tuple(held), _counted(referrer, referral), theirs)
        reason = "already_referred"  # a concurrent join won the race; the constraint decided
    await tx.referrals.create(
        referrer_id=referrer.id,
        friend_id=friend.id,
        code=code,
        channel=channel,
        at=at,
        status="rejected",
        reason=reason,
        referred_at=origin.referred_at,
    )
    return Signup(None, reason)
