"""The staff desk: where the Slack channel hands what staff asked for, as the engine is for
customers. One transaction per request, its event recorded once (so Slack's retries and replays
change nothing), everything it says going out through the outbox.

A request that changes nothing (`Refused`) is rolled back whole, and only the answer saying
why is kept: a decision half made (a review raced by another reviewer) never commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.kinds import STAFF
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Tx
from bot.services import reward_decisions
from bot.services.unit_of_work import Done, UnitOfWork
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
Act = Callable[[Tx, Role, datetime], Awaitable[Effects]]
_ASKS = {ASK_SEND: drafts.send, ASK_EDIT: drafts.edit, ASK_CANCEL: drafts.cancel}


class StaffDesk:
    def __init__(self, *, work: UnitOfWork, context: Context) -> None:
        self._work = work
        self._ctx = context

    async def command(self, request: Command) -> str:
        """What to answer the command with (Slack shows it to them alone)."""

        async def work(tx: Tx, now: datetime) -> Done[str]:
            if not await tx.events.first_time(CHANNEL, request.event_id, now):
                return Done("")
            role = await role_of(tx, self._ctx.staff, request.user)
            if not role.staff:
                raise Refused(NOT_STAFF)
            if request.name == "clients":
                text = await clients_text(
                    self._ctx, tx, user=request.user, role=role, search=request.args, now=now
                )
                return Done(text)
            answer, effects = await draft(
                self._ctx, tx, user=request.user, role=role, query=request.args, now=now
            )
            return Done(answer, effects)

        try:
            return await self._work.run(work)
        except Refused as refused:
            return refused.why

    async def click(self, request: Click) -> None:
        async def work(tx: Tx, role: Role, now: datetime) -> Effects:
            if request.action in _ASKS:
                if not role.staff:
                    raise Refused(NOT_STAFF)
                return await _ASKS[request.action](self._ctx, tx, request, role=role, now=now)
            reward = await review.reviewable(tx, request, role=role)
            decision, reason = review.decision_of(request)
            try:
                told = await reward_decisions.decide(
                    self._ctx,
                    tx,
                    reward.id,
                    decision,
                    actor=f"slack:{request.user}",
                    now=now,
                    reason=reason,
                )
            except reward_decisions.ReviewError as exc:  # a concurrent decision won
                raise Refused(f"{exc}; nothing changed.") from exc
            # The card the click was on goes first: the news's own card updates share its
            # dedupe key, so this in-place answer to the click is the one that is kept.
            return await review.redraw(self._ctx, tx, reward, request, now=now) + told

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

        async def work(tx: Tx, now: datetime) -> Done[bool]:
            return Done(await tx.asks.by_card(thread) is not None)

        return await self._work.run(work)

    async def _act(
        self, event_id: str, user: str, act: Act, refusal: Callable[[str], Outbound]
    ) -> None:
        async def work(tx: Tx, now: datetime) -> Done[None]:
            if not await tx.events.first_time(CHANNEL, event_id, now):
                return Done(None)
            role = await role_of(tx, self._ctx.staff, user)
            return Done(None, await act(tx, role, now))

        async def refuse(why: str) -> None:
            async def work(tx: Tx, now: datetime) -> Done[None]:
                if not await tx.events.first_time(CHANNEL, event_id, now):
                    return Done(None)
                answer = Scheduled(refusal(why), now, f"staff:refused:{event_id}", STAFF)
                return Done(None, Effects.schedule(answer))

            await self._work.run(work)

        try:
            await self._work.run(work)
        except Refused as refused:
            await refuse(refused.why)
