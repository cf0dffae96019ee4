"""Referrers: a searchable, sortable list, and one page per person with everything about them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core.staff_names import staff_name
from bot.core.store.admin_views import SORTS, AdminViews, ReferralFilter
from bot.core.store.database import MAX_ID, row_id
from bot.core.store.records import Participant
from bot.http.admin.desk import Desk
from bot.http.admin.session import Sessions, Visit, guarded

PAGE = 50


def _page_number(raw: str | None) -> int:
    number = row_id(raw or "")
    return number if number is not None and number < 100_000 else 1


def people_routes(desk: Desk, sessions: Sessions) -> list[BaseRoute]:
    async def listing(visit: Visit) -> Response:
        query = visit.request.query_params
        search = query.get("q", "")[:100]
        sort = query.get("sort", "referrals")
        sort = sort if sort in SORTS else "referrals"
        page = _page_number(query.get("page"))
        async with desk.store.snapshot() as tx:  # sorted over every referrer: off the lock
            lines = await AdminViews(tx.conn).referrers(
                search=search, sort=sort, limit=PAGE + 1, offset=(page - 1) * PAGE
            )
        return desk.page(
            visit,
            "referrers.html",
            here="/admin/referrers",
            title="Referrers",
            lines=lines[:PAGE],
            more=len(lines) > PAGE,
            page=page,
            search=search,
            sort=sort,
            sorts=list(SORTS),
        )

    async def person(visit: Visit) -> Response:
        raw = visit.request.path_params["person"]
        async with desk.store.transaction() as tx:
            found: Participant | None = await tx.participants.get(raw) if raw <= MAX_ID else None
            if found is None:
                return desk.page(
                    visit, "not_found.html", here="/admin/referrers", title="No such referrer",
                    status=404, message=f"There is no referrer {raw}.",
                    back=("/admin/referrers", "All referrers"),
                )
            views = AdminViews(tx.conn)
            identities = await tx.participants.identities_of(found.id)
            referrals = await views.referrals(ReferralFilter(), referrer_id=found.id)
            invited_by = await tx.referrals.of_friend(found.id)
            rewards = await views.rewards(participant_id=found.id)
            messages = await tx.conn.fetchall(
                "SELECT id FROM outbox WHERE participant_id = ? ORDER BY id DESC LIMIT 100",
                found.id,
            )
            sent = [await tx.outbox.get(int(row[0])) for row in messages]
        phone = next((i.address.id for i in identities if i.address.channel == "sms"), None)
        known_as = staff_name(found.display_name, participant_id=found.id, phone=phone)
        return desk.page(
            visit,
            "person.html",
            here="/admin/referrers",
            title=known_as,
            known_as=known_as,
            person=found,
            link=desk.link(found.code),
            identities=identities,
            referrals=referrals,
            invited_by=invited_by,
            rewards=[(line, desk.reward(line.reward)) for line in rewards],
            messages=[row for row in sent if row is not None],
        )

    return [
        Route("/admin/referrers", guarded(sessions, listing), methods=["GET"]),
        Route("/admin/referrers/{person:int}", guarded(sessions, person), methods=["GET"]),
    ]
