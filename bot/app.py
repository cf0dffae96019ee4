"""The composition root: settings -> store -> channels -> engine -> dispatcher (-> ASGI app)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.channels.base import Channel, DeepLinking
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.delivery_policy import DeliveryPolicy
from bot.core.dispatcher import Dispatcher
from bot.core.engine import Engine
from bot.core.i18n import Catalogs
from bot.core.inbox import CoreInbox
from bot.core.intents import Grammar, default_locales_dir
from bot.core.links import DeepLink, ShareLinks
from bot.core.metrics import Metrics
from bot.core.program import Program, ProgramError, load_program
from bot.core.store import Store, open_store
from bot.core.sweeps import Sweeps
from bot.delivery.breaker import Breakers
from bot.delivery.retry_policy import RetryPolicy
from bot.flows.base import Context
from bot.staff.access import Staffing
from bot.staff.desk import StaffDesk

log = logging.getLogger(__name__)


@dataclass(slots=True, kw_only=True)
class Bot:
    """Everything one process runs, wired once."""

    settings: Settings
    store: Store
    engine: Engine
    dispatcher: Dispatcher
    catalogs: Catalogs
    grammar: Grammar
    program: Program
    context: Context
    clock: Clock
    metrics: Metrics
    inbox: CoreInbox
    sweeps: Sweeps
    channels: dict[str, Channel] = field(default_factory=dict)

    async def close(self) -> None:
        await self.store.close()


def channels_from_settings(settings: Settings) -> list[Channel]:
    """Every channel whose credentials are set; the log says what turns on the others."""
    from bot.channels import slack, slack_staff, sms, telegram

    channels: list[Channel] = []
    for module in (sms, telegram, slack):
        if module is slack:
            # Account managers' and reviewers' commands, ahead of the customers' ones.
            channel = slack.from_settings(settings, staff=[slack_staff.listen])
        else:
            channel = module.from_settings(settings)
        if channel is None:
            log.info("%s is off: set %s to turn it on", module.CHANNEL, module.REQUIRED)
        else:
            channels.append(channel)
    return channels


def load_language(locales_dir: str | None = None) -> tuple[Grammar, Catalogs]:
    from pathlib import Path

    folder = Path(locales_dir) if locales_dir else default_locales_dir()
    return Grammar.load(folder), Catalogs.load(folder)


async def build(
    settings: Settings,
    *,
    channels: Sequence[Channel] = (),
    clock: Clock | None = None,
    store: Store | None = None,
) -> Bot:
    realtime = clock is None  # pacing needs time that passes; an injected test clock does not
    clock = clock or SystemClock()
    store = store or await open_store(settings.database_url)
    program = load_program(settings.referral_program)
    grammar, catalogs = load_language()
    try:
        catalogs = catalogs.with_overrides(program.messages)
    except ValueError as exc:  # the program file's [messages.<lang>] tables
        raise ProgramError(f"{settings.referral_program}: messages: {exc}") from exc
    by_name = {channel.name: channel for channel in channels}
    metrics = Metrics()
    delivery = program.delivery
    dispatcher = Dispatcher(
        store=store,
        channels=by_name,
        clock=clock,
        policy=DeliveryPolicy.of(program),
        pacing=program.pacing if realtime else None,
        hold=timedelta(seconds=1) if realtime else timedelta(0),
        retry=RetryPolicy.of(delivery),
        breakers=Breakers(
            failures=delivery.breaker_failures,
            pause=timedelta(seconds=delivery.breaker_pause_seconds),
            max_pause=timedelta(minutes=delivery.breaker_max_pause_minutes),
        ),
        outcome=metrics.delivery_outcome,
    )
    deep_links: dict[str, DeepLink] = {
        channel.name: channel.deep_link for channel in channels if isinstance(channel, DeepLinking)
    }
    context = Context(
        catalogs=catalogs,
        links=ShareLinks(settings.public_base_url, deep_links),
        program=program,
        staff=Staffing.parse(
            staff_users=settings.slack_staff_users, notify_channel=settings.slack_notify_channel
        ),
    )
    engine = Engine(
        store=store, grammar=grammar, context=context, clock=clock, on_enqueued=dispatcher.kick
    )
    return Bot(
        settings=settings,
        store=store,
        engine=engine,
        dispatcher=dispatcher,
        catalogs=catalogs,
        grammar=grammar,
        program=program,
        context=context,
        clock=clock,
        metrics=metrics,
        inbox=CoreInbox(
            engine=engine,
            store=store,
            metrics=metrics,
            staff=StaffDesk(store=store, context=context, clock=clock, kick=dispatcher.kick),
        ),
        sweeps=Sweeps(store=store, context=context, clock=clock, kick=dispatcher.kick),
        channels=by_name,
    )
