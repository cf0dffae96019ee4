"""Thank-yous rendered when they are sent: a held one says the count as it is then, and
several held for the same referrer become one summary ("5 more friends joined this week").

The dispatcher calls this through `bot.core.rendering.Renderer` with the rows it is about to
send; other rows pass through untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.i18n import Catalogs
from bot.core.kinds import THANKS
from bot.core.rendering import Rendered
from bot.core.store import Tx
from bot.core.store.records import OutboxRow
from bot.flows.names import first_name

PROMPT = timedelta(minutes=10)  # sent within this of its cause, a thank-you is still news


class HeldThanks:
    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs

    async def render(self, tx: Tx, rows: Sequence[OutboxRow], now: datetime) -> list[Rendered]:
        groups: dict[int, list[OutboxRow]] = {}
        for row in rows:
            if _is_thanks(row) and row.participant_id is not None:
                groups.setdefault(row.participant_id, []).append(row)
        out = []
        for row in rows:
            group = groups.get(row.participant_id or 0) if _is_thanks(row) else None
            if group is None:
                out.append(Rendered(row))
            elif row is group[0]:
                out.append(await self._thanks(tx, group, now))
        return out

    async def _thanks(self, tx: Tx, group: list[OutboxRow], now: datetime) -> Rendered:
        first, rest = group[0], tuple(r.id for r in group[1:])
        if not rest and now - first.created_at <= PROMPT:
            return Rendered(first)  # still news as written: nothing to read
        referrer = await tx.participants.get(first.participant_id or 0)
        if referrer is None:
            return Rendered(first, rest)
        cat, lang = self._catalogs, referrer.lang
        total = (await tx.referrals.counts(referrer.id)).counted
        if rest:
            text = cat.text(lang, "thanks.summary", count=len(group), total=total)
            return Rendered(replace(first, text=text), rest)
        name = await self._friend(tx, first)
        if name:
            line = cat.text(lang, "thanks.signup_held", count=total, friend=name)
        else:
            line = cat.text(lang, "thanks.signup_held_anonymous", count=total)
        notes = first.text.split("\n")[1:]  # what the signup earned rides along, as queued
        return Rendered(replace(first, text="\n".join([line, *notes])))

    async def _friend(self, tx: Tx, row: OutboxRow) -> str | None:
        referral_id = (row.dedupe_key or "").removeprefix("thanks:")
        if not referral_id.isdigit():
            return None
        referral = await tx.referrals.get(int(referral_id))
        friend = None if referral is None else await tx.participants.get(referral.friend_id)
        return None if friend is None else first_name(friend.display_name)


def _is_thanks(row: OutboxRow) -> bool:
    return row.kind == THANKS and (row.dedupe_key or "").startswith("thanks:")
