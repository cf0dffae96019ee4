"""Webhook events, written into the outbox by the very store writes they report.

Each fact has one place where it happens (a referral row inserted, a reward moved, an opt-out
flag flipped), and the event is queued there, in the same transaction: no code path can make
the change and forget the event, and a rollback takes both back. One outbox row per endpoint
(channel `webhook`, address = the URL), so a dead endpoint does not hold the others back; an
endpoint stopped by a 410 Gone gets its row too, skipped, to be sent if it is resumed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from bot.core.clock import rfc3339
from bot.core.messages import Address, Outbound

if TYPE_CHECKING:
    from bot.core.store.database import Connection
    from bot.core.store.records import Referral
    from bot.core.store.reward_record import Reward

CHANNEL = "webhook"
KIND = "webhook"
EventType = Literal[
    "referral.created",
    "referral.qualified",
    "referral.rejected",
    "reward.created",
    "reward.approved",
    "reward.voided",
    "reward.issued",
    "participant.opted_out",
    "participant.opted_in",
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class WebhookTargets:
    """Where events go (`WEBHOOK_URL`, comma-separated), and the base of participants' links."""

    urls: tuple[str, ...] = ()
    base_url: str = "http://localhost:8000"

    @classmethod
    def parse(cls, urls: str | None, *, base_url: str) -> WebhookTargets:
        found = tuple(u.strip() for u in (urls or "").split(",") if u.strip())
        return cls(urls=found, base_url=base_url)

    def link_for(self, code: str) -> str:
        return f"{self.base_url.rstrip('/')}/r/{code}"


def event_body(event_id: str, type: str, data: dict[str, Any], *, at: datetime) -> str:
    """The payload every receiver gets: type, unique id, when it happened, and the object."""
    payload = {"id": event_id, "type": type, "timestamp": rfc3339(at), "data": data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class WebhookEvents:
    def __init__(self, conn: Connection, targets: WebhookTargets) -> None:
        self._conn = conn
        self._targets = targets

    @property
    def on(self) -> bool:
        return bool(self._targets.urls)

    async def emit(self, type: EventType, data: dict[str, Any], *, at: datetime) -> None:
        from bot.core.store.outbox import Outbox
        from bot.core.store.webhook_endpoints import KEPT, WebhookEndpoints

        if not self._targets.urls:
            return
        event_id = f"evt_{uuid.uuid4().hex}"
        body = event_body(event_id, type, data, at=at)
        outbox = Outbox(self._conn)
        stopped = await WebhookEndpoints(self._conn).stopped()
        for n, url in enumerate(self._targets.urls):
            row_id = await outbox.enqueue(
                Outbound(Address(CHANNEL, url), body),
                kind=KIND,
                due_at=at,
                at=at,
                dedupe_key=f"webhook:{event_id}:{n}",
            )
            if url in stopped and row_id is not None:  # kept for a resume, not sent
                await outbox.mark_skipped(row_id, reason=KEPT)

    async def referral(self, type: EventType, referral: Referral, *, at: datetime) -> None:
        from bot.core.resources import referral_out
        from bot.core.store.rewards import Rewards

        if self.on:
            rewards = await Rewards(self._conn).of_referral(referral.id)
            await self.emit(type, referral_out(referral, rewards).model_dump(mode="json"), at=at)

    async def reward(self, type: EventType, reward: Reward, *, at: datetime) -> None:
        from bot.core.resources import reward_out

        if self.on:
            await self.emit(type, reward_out(reward).model_dump(mode="json"), at=at)

    async def participant(self, type: EventType, participant_id: int, *, at: datetime) -> None:
        from bot.core.resources import participant_out
        from bot.core.store.participants import Participants
        from bot.core.store.referrals import Referrals
        from bot.core.store.rewards import Rewards

        if not self.on:
            return
        participant = await Participants(self._conn).get(participant_id)
        if participant is None:
            return
        shown = participant_out(
            participant,
            link=self._targets.link_for(participant.code),
            identities=await Participants(self._conn).identities_of(participant_id),
            counts=await Referrals(self._conn).counts(participant_id),
            rewards=await Rewards(self._conn).of_participant(participant_id, limit=100),
        )
        await self.emit(type, shown.model_dump(mode="json"), at=at)
