"""Where channels hand what they heard: a person's message to the conversation, and the
provider's facts (a delivery report, a blocked bot) to the store."""

from __future__ import annotations

from datetime import datetime

from bot.core.messages import Address, Inbound
from bot.core.metrics import Metrics
from bot.core.store import Tx
from bot.services.conversation import Engine, Handled
from bot.services.unit_of_work import Done, UnitOfWork


class CoreInbox:
    def __init__(self, *, engine: Engine, work: UnitOfWork, metrics: Metrics) -> None:
        self._engine = engine
        self._work = work
        self._metrics = metrics

    async def message(self, inbound: Inbound) -> Handled:
        with self._metrics.handle_seconds.time():
            handled = await self._engine.handle(inbound)
        intent = handled.reading.intent if handled.reading else "duplicate"
        self._metrics.inbound.labels(inbound.sender.channel, intent).inc()
        return handled

    async def delivery_report(self, channel: str, provider_id: str, status: str) -> None:
        async def work(tx: Tx, now: datetime) -> Done[None]:
            await tx.outbox.record_delivery(provider_id, status)
            return Done(None)

        await self._work.run(work)

    async def reachability(self, address: Address, *, reachable: bool) -> None:
        async def work(tx: Tx, now: datetime) -> Done[None]:
            await tx.participants.set_unreachable(address, not reachable)
            return Done(None)

        await self._work.run(work)
