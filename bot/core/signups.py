"""A friend signs up through a code: the rules that decide whether it counts, and why not.

Every attempt is recorded, counted or rejected with its reason, so "why didn't my friend
count?" always has an answer. The database's constraints settle concurrent joins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.store import Tx
from bot.core.store.records import Participant, Referral


@dataclass(frozen=True, slots=True)
class Signup:
    referral: Referral | None  # the counted referral, when the signup counts
    reason: str | None  # why it does not count, one of records.REASONS


def is_existing_customer(friend: Participant) -> bool:
    """Someone who already bought, shared their own link or brought friends is no new friend."""
    return friend.is_customer or friend.link_sent_at is not None or friend.referral_count > 0


async def sign_up(
    tx: Tx, *, referrer: Participant, friend: Participant, code: str, channel: str, at: datetime
) -> Signup:
    reason: str | None = None
    if referrer.id == friend.id:
        reason = "self_referral"
    elif await tx.referrals.of_friend(friend.id) is not None:
        reason = "already_referred"
    elif is_existing_customer(friend):
        reason = "already_customer"
    if reason is None:
        referral = await tx.referrals.create(
            referrer_id=referrer.id, friend_id=friend.id, code=code, channel=channel, at=at
        )
        if referral is not None:
            return Signup(referral, None)
        reason = "already_referred"  # a concurrent join won the race; the constraint decided
    await tx.referrals.create(
        referrer_id=referrer.id,
        friend_id=friend.id,
        code=code,
        channel=channel,
        at=at,
        status="rejected",
        reason=reason,
    )
    return Signup(None, reason)
