"""Fraud rules for signups: refuse the same person on both sides; flag the suspicious for review.

Refusals are certain (the same phone, email or chat identity); flags are suspicions (too many
signups for a code in an hour, too many clicks or signups from one network or device in a day)
and only hold rewards until a reviewer decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.messages import Address
from bot.core.program import Program
from bot.core.store import Tx
from bot.core.store.flags import Facts

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """Where a signup came from, as far as the caller knows (chat joins know nothing of it).

    `visitor` is the id `/r/{code}` gave the browser; its first click supplies the rest."""

    visitor: str | None = None
    network: str | None = None  # the client's IP address or network
    device: str | None = None  # a device fingerprint
    referred_at: datetime | None = None  # when the friend got the code, if not at signup


async def trace(tx: Tx, code: str, origin: Origin) -> Origin:
    """Fill the origin in from the visitor's first click on this code, where it left gaps."""
    if origin.visitor is None:
        return origin
    click = await tx.rewards.flags.first_click(code, origin.visitor)
    if click is None:
        return origin
    return replace(
        origin,
        network=origin.network or click.network,
        device=origin.device or origin.visitor,
        referred_at=origin.referred_at or click.at,
    )


def _key(address: Address) -> tuple[str, str]:
    """One person's identifier however it was written: emails by case, phones by digits."""
    if address.channel == "email":
        return ("email", address.id.strip().casefold())
    if address.channel == "sms":
        return ("phone", re.sub(r"[^0-9+]", "", address.id))
    return (address.channel, address.id.strip())


def same_person(
    facts: Facts, referrer_id: int, friend_id: int, claimed: Iterable[Address] = ()
) -> bool:
    """Both sides share an identity, counting those the friend claims but another owns."""
    if referrer_id == friend_id:
        return True
    theirs = {_key(i.address) for i in facts.identities.get(friend_id, ())}
    theirs |= {_key(a) for a in claimed}
    return not theirs.isdisjoint(_key(i.address) for i in facts.identities.get(referrer_id, ()))


async def suspicions(
    tx: Tx, program: Program, *, facts: Facts, origin: Origin, at: datetime
) -> list[str]:
    """The reasons to hold this signup for review (none, usually), counting those before it.

    The caller read `facts` (the signups through the code in the last HOUR) holding the
    referrer's lock, so concurrent signups for one code are counted one after another."""
    rules, flags = program.fraud, tx.rewards.flags
    reasons = []
    if facts.recent_signups >= rules.signups_per_code_per_hour:
        reasons.append("velocity")
    limit = rules.signups_per_network_per_day
    if origin.network is not None and (
        await flags.signups_from(column="network", value=origin.network, since=at - DAY) >= limit
        or await flags.clicks_from(origin.network, since=at - DAY) > limit  # theirs included
    ):
        reasons.append("network")
    if origin.device is not None and (
        await flags.signups_from(column="device", value=origin.device, since=at - DAY) >= limit
    ):
        reasons.append("device")
    return reasons


async def record(
    tx: Tx, *, referral_id: int, origin: Origin, reasons: Iterable[str], at: datetime
) -> None:
    """Keep where the signup came from, and why it is held: every flag names its reason."""
    if origin.network is not None or origin.device is not None:
        await tx.rewards.flags.record_origin(
            referral_id, network=origin.network, device=origin.device, at=at
        )
    for reason in reasons:
        await tx.rewards.flags.raise_flag(referral_id, reason, at=at)
