"""Where channels hand things to the core: messages to the engine, provider facts to the store,
and what the business's staff ask for in Slack to the staff desk."""

from __future__ import annotations

from bot.core.engine import Engine, Handled
from bot.core.messages import Address, Inbound
from bot.core.metrics import Metrics
from bot.core.store import Store
from bot.staff.desk import StaffDesk


class CoreInbox:
    def __init__(self, *, engine: Engine, store: Store, metrics: Metrics, staff: StaffDesk) -> None:
        self._engine = engine
        self._store = store
        self._metrics = metrics
        self._staff = staff

    @property
    def staff(self) -> StaffDesk:
        return self._staff

    async def message(self, inbound: Inbound) -> Handled:
        with self._metrics.handle_seconds.time():
            handled = await self._engine.handle(inbound)
        intent = handled.reading.intent if handled.reading else "duplicate"
        self._metrics.inbound.labels(inbound.sender.channel, intent).inc()
        return handled

    async def delivery_report(self, channel: str, provider_id: str, status: str) -> None:
        async with self._store.transaction() as tx:
            await tx.outbox.record_delivery(provider_id, status)

    async def reachability(self, address: Address, *, reachable: bool) -> None:
        async with self._store.transaction() as tx:
            await tx.participants.set_unreachable(address, not reachable)
