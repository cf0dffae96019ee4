"""The staff desk: where the Slack channel hands what staff asked for, as the engine is for
customers. One transaction per request, its event recorded once (so Slack's retries and replays
change nothing), everything it says going out through the outbox.

A request that changes nothing (`Refused`) is rolled back whole, and only the answer saying
why is kept: a decision half made (a review raced by another reviewer) never commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.clock import Clock
from bot.core.enqueue import enqueue_scheduled
from bot.core.kinds import STAFF
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Store, Tx
from bot.flows.base import Context, Effects
from bot.staff import drafts, review
from bot.staff.access import CHANNEL, Role, person, role_of
from bot.staff.clients import clients_text
from bot.staff.nudge import draft
from bot.staff.requests import (
    ASK_CANCEL,
    ASK_EDIT,
    ASK_SEND,
    Click,
    Command,
    Refused,
    ThreadReply,
)

NOT_STAFF = (
    "Sorry, `/referrals clients` and `/referrals nudge` are for the account team. If you look "
    "after clients, ask the program's owners to add you."
)
Work = Callable[[Tx, Role, datetime], Awaitable[Effects]]
_ASKS = {ASK_SEND: drafts.send, ASK_EDIT: drafts.edit, ASK_CANCEL: drafts.cancel}


class StaffDesk:
    def __init__(
        self, *, store: Store, context: Context, clock: Clock, kick: Callable[[], None]
    ) -> None:
        self._store = store
        self._ctx = context
        self._clock = clock
        self._kick = kick

    async def command(self, request: Command) -> str:
        """What to answer the command with (Slack shows it to them alone)."""
        now = self._clock.now()
        try:
            async with self._store.transaction() as tx:
                if not await tx.events.first_time(CHANNEL, request.event_id, now):
                    return ""
                role = await role_of(tx, self._ctx.staff, request.user)
                if not role.staff:
                    raise Refused(NOT_STAFF)
                if request.name == "clients":
                    return await clients_text(
                        self._ctx, tx, user=request.user, role=role, search=request.args, now=now
                    )
                answer, effects = await draft(
                    self._ctx, tx, user=request.user, role=role, query=request.args, now=now
                )
                queued = await enqueue_scheduled(tx, effects, at=now)
        except Refused as refused:
            return refused.why
        if queued:
            self._kick()
        return answer

    async def click(self, request: Click) -> None:
        async def work(tx: Tx, role: Role, now: datetime) -> Effects:
            if request.action in _ASKS:
                if not role.staff:
                    raise Refused(NOT_STAFF)
                return await _ASKS[request.action](self._ctx, tx, request, role=role, now=now)
            return await review.decide(self._ctx, tx, request, role=role, now=now)

        # The "nothing changed, because..." answer is an ephemeral post through the outbox, not
        # the click's response_url: every message goes out (and is retried) the same way.
        def refusal(why: str) -> Outbound:
            return Outbound(
                person(request.user), why, reply_to=request.where, ephemeral=True, markup=True
            )

        await self._act(request.event_id, request.user, work, refusal)

    async def reply(self, request: ThreadReply) -> None:
        async def work(tx: Tx, role: Role, now: datetime) -> Effects:
            return await drafts.reword(self._ctx, tx, request, role=role, now=now)

        def refusal(why: str) -> Outbound:
            return Outbound(
                person(request.user),
                why,
                reply_to=request.where,
                thread=request.thread,
                markup=True,
            )

        await self._act(request.event_id, request.user, work, refusal)

    async def is_draft_thread(self, thread: str) -> bool:
        """Whether a reply under message `thread` is about a drafted ask (else it is a
        customer's message like any other)."""
        async with self._store.transaction() as tx:
            return await tx.asks.by_card(thread) is not None

    async def _act(
        self, event_id: str, user: str, work: Work, refusal: Callable[[str], Outbound]
    ) -> None:
        now = self._clock.now()
        try:
            async with self._store.transaction() as tx:
                if not await tx.events.first_time(CHANNEL, event_id, now):
                    return
                role = await role_of(tx, self._ctx.staff, user)
                queued = await enqueue_scheduled(tx, await work(tx, role, now), at=now)
        except Refused as refused:
            async with self._store.transaction() as tx:
                if not await tx.events.first_time(CHANNEL, event_id, now):
                    return
                answer = Scheduled(refusal(refused.why), now, f"staff:refused:{event_id}", STAFF)
                queued = await enqueue_scheduled(tx, Effects(scheduled=((answer, None),)), at=now)
        if queued:
            self._kick()
