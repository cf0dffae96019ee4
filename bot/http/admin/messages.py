"""Messages: the outbox as the owner needs it (what is due, what waits and why, what failed),
retry one or all of the dead, and the webhook deliveries to the business's systems."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core.plural import counted
from bot.core.store.admin_views import AdminViews
from bot.core.store.database import row_id
from bot.core.store.records import OutboxRow
from bot.http.admin.desk import Desk
from bot.http.admin.session import Sessions, Visit, guarded
from bot.services.outbox_retry import NotRetryable, retry_outbox

STATES = (
    ("due", "Due now"),
    ("deferred", "Deferred (quiet hours, weekly cap, pacing)"),
    ("failing", "Failing, retried with backoff"),
    ("dead", "Dead: gave up"),
    ("waiting", "Scheduled for later"),
    ("skipped", "Skipped on purpose (opted out, blocked, expired, merged into another message)"),
    ("sent", "Sent"),
)


def message_routes(desk: Desk, sessions: Sessions) -> list[BaseRoute]:
    async def outbox(visit: Visit) -> Response:
        now = desk.clock.now()
        sections: list[tuple[str, str, list[OutboxRow]]] = []
        async with desk.store.transaction() as tx:
            views = AdminViews(tx.conn)
            for state, title in STATES:
                limit = 50 if state == "sent" else 200
                ids = await views.outbox_ids(state, now=now, limit=limit)
                rows = [await tx.outbox.get(n) for n in ids]
                sections.append((state, title, [r for r in rows if r is not None]))
            hooks = [await tx.outbox.get(i) for i in await views.webhook_ids()]
        return desk.page(
            visit,
            "messages.html",
            here="/admin/messages",
            title="Messages",
            sections=sections,
            webhooks=[r for r in hooks if r is not None],
        )

    async def retry(visit: Visit) -> Response:
        form = await visit.request.form()
        actor = f"admin:{visit.user.email}"
        raw = str(form.get("row", ""))
        retried: list[int] = []
        try:  # the one home of a retry, as for the CLI and the API
            if form.get("all") == "dead":
                retried = await retry_outbox(desk.work, status="dead", actor=actor)
            elif (row := row_id(raw)) is not None:
                retried = await retry_outbox(desk.work, row_id=row, actor=actor)
        except NotRetryable:
            pass
        if retried:
            desk.kick()
            notice = f"{counted(len(retried), 'message')} due again now."
            return desk.back("/admin/messages", notice=notice)
        return desk.back("/admin/messages", problem="Nothing to retry: only dead or skipped rows.")

    return [
        Route("/admin/messages", guarded(sessions, outbox), methods=["GET"]),
        Route("/admin/messages/retry", guarded(sessions, retry, change=True), methods=["POST"]),
    ]
