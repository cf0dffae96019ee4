"""A dispatcher on a real store and the injected clock, its channels behind the strict referee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import FakeClock
from bot.core.i18n import Catalogs
from bot.core.messages import Address, Button, Outbound
from bot.core.program import Program
from bot.core.store import Store
from bot.core.store.records import OutboxRow
from bot.delivery.delivery_policy import DeliveryPolicy
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.shared_pacing import SharedPacing
from tests.referee import Limits, Referee, RefereeChannel

CHANNELS = ("sms", "telegram", "slack", "console")


@dataclass
class Rig:
    store: Store
    clock: FakeClock
    dispatcher: Dispatcher
    referee: Referee
    channels: dict[str, RefereeChannel]

    async def person(self, address: Address, *, time_zone: str | None = None) -> int:
        now = self.clock.now()
        async with self.store.transaction() as tx:
            found = await tx.participants.by_address(address)
            if found is not None:
                return found[0].id
            p = await tx.participants.create(
                display_name=address.id, lang="en", time_zone=time_zone, at=now
            )
            await tx.participants.attach(address, p.id, at=now)
            return p.id

    async def enqueue(
        self,
        to: Address,
        text: str = "hi",
        *,
        kind: str = "reply",
        due: datetime | None = None,
        participant: int | None = None,
        buttons: tuple[Button, ...] = (),
        reply_to: str | None = None,
        key: str | None = None,
    ) -> int:
        now = self.clock.now()
        async with self.store.transaction() as tx:
            row_id = await tx.outbox.enqueue(
                Outbound(to, text, buttons, reply_to),
                kind=kind,
                due_at=due or now,
                at=now,
                dedupe_key=key,
                participant_id=participant,
            )
        assert row_id is not None
        return row_id

    async def row(self, row_id: int) -> OutboxRow:
        async with self.store.transaction() as tx:
            found = await tx.outbox.get(row_id)
        assert found is not None
        return found

    async def drain(self, *, until: datetime | None = None, steps: int = 100_000) -> None:
        """Dispatch, then move the clock to the next moment there is work, until none is left
        (or the clock would pass `until`)."""
        for _ in range(steps):
            await self.dispatcher.dispatch_due()
            wake = await self.dispatcher.next_wake()
            if wake is None or (until is not None and wake > until):
                return
            self.clock.set(max(self.clock.now(), wake))
        raise AssertionError("the outbox did not drain")


def make_rig(
    store: Store,
    clock: FakeClock,
    *,
    program: Program | None = None,
    paced: bool = True,
    policy: bool = True,
    max_attempts: int = 8,
    batch: int = 100,
    flood_guard: bool = False,
    shared: SharedPacing | None = None,
    notices: Catalogs | None = None,
) -> Rig:
    program = program or Program()
    pacing = program.pacing
    referee = Referee(
        clock,
        Limits(
            pacing.sms_segments_per_second,
            pacing.telegram_per_second,
            pacing.telegram_per_chat_per_second,
            pacing.slack_per_channel_per_second,
        ),
    )
    channels = {name: RefereeChannel(name, referee) for name in CHANNELS}
    dispatcher = Dispatcher(
        store=store,
        channels=channels,
        clock=clock,
        # The flood guard off unless asked: these tests queue many replies to one chat at once.
        policy=DeliveryPolicy.of(program, guards=flood_guard, catalogs=notices) if policy else None,
        pacing=pacing if paced else None,
        hold=timedelta(0),
        max_attempts=max_attempts,
        batch=batch,
        shared=shared,
    )
    return Rig(store, clock, dispatcher, referee, channels)
