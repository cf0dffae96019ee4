"""`GET /api/v1/participants`, `/referrals`, `/rewards` and `/reports/funnel`: the business's
program as data, newest first, a page at a time (a cursor, of its own list, that stays put while
rows are added)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from bot.core.context import Links
from bot.core.resources import ParticipantOut, participant_out, referral_out, reward_out
from bot.core.store import Store, Tx
from bot.core.store.records import Participant
from bot.http.api.guard import Refusal, path_id, query
from bot.http.api.shapes import (
    DetailQuery,
    FunnelQuery,
    ParticipantPage,
    ParticipantsQuery,
    ReferralPage,
    ReferralsQuery,
    RewardPage,
    RewardsQuery,
)
from bot.services.report_json import report_json
from bot.services.reports import Period, report

PEOPLE_REWARDS = 100  # a participant's most recent rewards; the rewards list has them all


class Reads:
    def __init__(self, *, store: Store, links: Links) -> None:
        self._store = store
        self._links = links

    async def _person(self, tx: Tx, p: Participant, *, reveal: bool) -> ParticipantOut:
        return participant_out(
            p,
            link=self._links.web(p.code),
            identities=await tx.participants.identities_of(p.id),
            counts=await tx.referrals.counts(p.id),
            rewards=await tx.rewards.of_participant(p.id, limit=PEOPLE_REWARDS),
            reveal=reveal,
        )

    async def participants(self, request: Request) -> dict[str, Any]:
        q = query(ParticipantsQuery, request)
        reveal = q.reveal
        async with self._store.transaction() as tx:
            found = await tx.participants.page(query=q.query, before=q.before(), limit=q.limit)
            items = [await self._person(tx, p, reveal=reveal) for p in found]
        page = ParticipantPage(items=items, next_cursor=q.next_cursor([p.id for p in found]))
        return page.model_dump(mode="json")

    async def participant(self, request: Request) -> dict[str, Any]:
        participant_id = path_id(request)
        reveal = query(DetailQuery, request).reveal
        async with self._store.transaction() as tx:
            found = await tx.participants.get(participant_id)
            if found is None:
                raise Refusal(404, f"there is no participant {participant_id}", [("id", "unknown")])
            person = await self._person(tx, found, reveal=reveal)
        return person.model_dump(mode="json")

    async def referrals(self, request: Request) -> dict[str, Any]:
        q = query(ReferralsQuery, request)
        async with self._store.transaction() as tx:
            found = await tx.referrals.page(
                status=q.status,
                referrer_id=q.referrer_id,
                since=q.since,
                before=q.before(),
                limit=q.limit,
            )
            rewards = await tx.rewards.of_referrals([r.id for r in found])
        items = [referral_out(r, rewards[r.id]) for r in found]
        page = ReferralPage(items=items, next_cursor=q.next_cursor([r.id for r in found]))
        return page.model_dump(mode="json")

    async def rewards(self, request: Request) -> dict[str, Any]:
        q = query(RewardsQuery, request)
        async with self._store.transaction() as tx:
            found = await tx.rewards.listing(status=q.status, limit=q.limit, before=q.before())
        items = [reward_out(r) for r in found]
        page = RewardPage(items=items, next_cursor=q.next_cursor([r.id for r in found]))
        return page.model_dump(mode="json")

    async def funnel(self, request: Request) -> dict[str, Any]:
        q = query(FunnelQuery, request)
        if q.from_ is not None and q.to is not None and q.to < q.from_:
            raise Refusal(422, "invalid query", [("query.to", "is before from")])
        period = Period.of_dates(q.from_, q.to, q.channel)
        async with self._store.snapshot() as tx:  # a report scans: messages go on meanwhile
            return report_json(await report(tx, period))
