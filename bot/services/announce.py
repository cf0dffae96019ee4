"""Reward news goes out to everyone it concerns: the customers, in their language, and the
staff's referral cards in Slack, which change in place as the ledger moves."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.rewards import RewardNews
from bot.core.store import Tx
from bot.flows.reward_news import tell
from bot.staff.notify import follow_news


async def announce(ctx: Context, tx: Tx, news: RewardNews, *, now: datetime) -> Effects:
    return await tell(ctx, tx, news, now=now) + await follow_news(ctx, tx, news, now=now)
