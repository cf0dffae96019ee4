"""A friend joined through a code: the one story both the chat join and the events API tell.

Read top to bottom: the sign-up is judged (self-referral, first code wins, attribution window,
fraud holds) and recorded; the rewards it earned are granted; the referrer is thanked, with
their own reward in the same message when it fits; the rest of the news is told; the staff's
referral card is posted and the referrer's account manager hears of it. All in the caller's
transaction, so a crash leaves the sign-up and every message it causes, or none of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.fraud import Origin
from bot.core.messages import Address
from bot.core.rewards import RewardNews
from bot.core.signups import Signup, sign_up
from bot.core.store import Tx
from bot.core.store.records import Participant
from bot.flows import join
from bot.flows.reward_news import notes
from bot.flows.thanks import thank_referrer
from bot.services.announce import announce
from bot.staff.notify import referral_made


@dataclass(frozen=True, slots=True)
class Joined:
    signup: Signup
    effects: Effects = field(default_factory=Effects)


async def friend_joined(
    ctx: Context,
    tx: Tx,
    *,
    referrer: Participant,
    friend: Participant,
    code: str,
    channel: str,
    now: datetime,
    origin: Origin | None = None,
    claimed: Iterable[Address] = (),
    friend_is_told: bool = False,
) -> Joined:
    """`referrer`, `friend`: as read in this transaction. `friend_is_told`: the friend is in
    this conversation and hears their reward in the welcome, so it is not told again as news."""
    signup = await sign_up(
        tx,
        program=ctx.program,
        referrer=referrer,
        friend=friend,
        code=code,
        channel=channel,
        at=now,
        origin=origin,
        claimed=claimed,
    )
    referral = signup.referral
    if referral is None:
        return Joined(signup)
    news = signup.news.without_grants_to(friend.id) if friend_is_told else signup.news
    mine = notes(ctx, RewardNews(granted=news.granted_to(referral.referrer_id)))
    known = None if signup.referrer is None else (signup.referrer, signup.identities)
    thanks = await thank_referrer(
        ctx, tx, referral=referral, friend=friend, now=now, also=mine, known=known
    )
    told = await announce(ctx, tx, news.without_grants_to(referral.referrer_id), now=now)
    staff = await referral_made(
        ctx, tx, referral=referral, now=now, referrer=signup.referrer, friend=friend
    )
    return Joined(signup, thanks + told + staff)


async def from_chat(ctx: Context, turn: Turn) -> Effects:
    """The join intent's answer: the route table hands "JOIN <code>" here."""
    found = await join.invite(ctx, turn)
    if isinstance(found, Effects):
        return found
    joined = await friend_joined(
        ctx,
        turn.tx,
        referrer=found.referrer,
        friend=turn.participant,
        code=found.code,
        channel=turn.inbound.sender.channel,
        now=turn.now,
        friend_is_told=True,
    )
    if joined.signup.referral is None:
        return join.refused(ctx, turn, joined.signup.reason)
    held = bool(joined.signup.held)
    return join.welcome(ctx, turn, found.referrer, joined.signup.news, held=held) + joined.effects
