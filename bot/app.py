"""The composition root: settings -> store -> channels -> services -> dispatcher (-> ASGI app).

The only place where objects are wired together; everything else receives what it needs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.business_metrics import BusinessMetrics
from bot.core.channel import Channel, DeepLinking
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.context import Context
from bot.core.i18n import Catalogs
from bot.core.intents import Grammar, default_locales_dir
from bot.core.links import DeepLink, ShareLinks
from bot.core.metrics import Metrics
from bot.core.program import Program, ProgramError, load_program
from bot.core.staffing import Staffing
from bot.core.store import Store, open_store
from bot.core.store.webhook_events import WebhookTargets
from bot.delivery.breaker import Breakers
from bot.delivery.delivery_policy import DeliveryPolicy
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import REAL_CLOCK_MARGIN
from bot.delivery.retry_policy import RetryPolicy
from bot.delivery.scheduler import Scheduler
from bot.delivery.shared_pacing import SharedPacing
from bot.delivery.shared_pacing import wanted as shared_pacing_wanted
from bot.flows.held_thanks import HeldThanks
from bot.flows.routes import routes
from bot.http.ratelimit import RateLimit
from bot.services import friend_joined
from bot.services.conversation import Engine
from bot.services.conversions import Intake
from bot.services.credential_watch import CredentialWatch, Probe
from bot.services.inbox import CoreInbox
from bot.services.staff_desk import StaffDesk
from bot.services.sweeps import Sweeps
from bot.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.channels.web import WebChat

log = logging.getLogger(__name__)


@dataclass(slots=True, kw_only=True)
class ReferralBot:
    """Everything one process runs, wired once."""

    settings: Settings
    store: Store
    work: UnitOfWork
    engine: Engine
    dispatcher: Dispatcher
    catalogs: Catalogs
    grammar: Grammar
    program: Program
    context: Context
    clock: Clock
    metrics: Metrics
    business: BusinessMetrics  # the program's numbers, read from the database at scrape time
    inbox: CoreInbox
    intake: Intake
    desk: StaffDesk
    sweeps: Sweeps
    credentials: CredentialWatch  # a refused channel's credentials, asked again once a minute
    pages: Catalogs  # the landing page's and the web chat's texts
    secret: str  # signs dashboard sessions and web-chat cookies
    link_limit: RateLimit
    channels: dict[str, Channel] = field(default_factory=dict)

    def clockwork(self) -> Scheduler:
        """The clock for this process: it ticks the dispatcher and runs the periodic jobs."""
        scheduler = Scheduler(self.dispatcher)
        self.sweeps.schedule(scheduler)
        self.credentials.schedule(scheduler)
        return scheduler

    async def close(self) -> None:
        await self.store.close()


def channels_from_settings(settings: Settings) -> list[Channel]:
    """Every channel whose credentials are set; the log says what turns on the others. A
    channel's module (and its SDK) is imported only when it is on."""
    from bot.channels.switches import SWITCHES

    channels: list[Channel] = []
    for switch in SWITCHES:
        channel = switch.build(settings) if switch.on(settings) else None
        if channel is None:
            log.info("%s is off: set %s to turn it on", switch.channel, switch.required)
        else:
            channels.append(channel)
    return channels


def _credential_probes(settings: Settings, channels: Iterable[str]) -> dict[str, Probe]:
    from bot.channels.credentials import probes

    return probes(settings, channels)


def webhook_targets(settings: Settings) -> WebhookTargets:
    """Events are queued only when they can be sent: both the URL and the secret are set."""
    if not settings.webhook_secret:
        return WebhookTargets()
    return WebhookTargets.parse(settings.webhook_url, base_url=settings.public_base_url)


def load_language(locales_dir: str | None = None) -> tuple[Grammar, Catalogs]:
    folder = Path(locales_dir) if locales_dir else default_locales_dir()
    return Grammar.load(folder), Catalogs.load(folder)


def load_pages() -> Catalogs:
    return Catalogs.load(default_locales_dir(), "pages")


async def signing_secret(store: Store, clock: Clock) -> str:
    """SESSION_SECRET unset: one made once and kept in the database, shared by every process."""
    async with store.transaction() as tx:
        return await tx.staff_users.signing_key("cookies", at=clock.now())


def web_channel(
    settings: Settings, pages: Catalogs, program: Program, secret: str, clock: Clock
) -> WebChat:
    from bot.channels.web import WebChat
    from bot.channels.web_page import ChatPage
    from bot.core.signing import Signer

    limit = RateLimit(clock=clock, rate=1.0, burst=10)  # a person types; a script floods
    # Per address too, for a script minting visitor cookies; roomier, as an office shares one.
    network = RateLimit(clock=clock, rate=5.0, burst=50)
    return WebChat(
        signer=Signer(secret, "web-chat-visitor", clock),
        page=ChatPage(pages=pages, title=program.name),
        clock=clock,
        limit=limit,
        network_limit=network,
        secure=settings.public_base_url.startswith("https://"),
    )


def _program_and_catalogs(settings: Settings) -> tuple[Program, Grammar, Catalogs]:
    program = load_program(settings.referral_program)
    grammar, catalogs = load_language()
    try:
        catalogs = catalogs.with_overrides(program.messages)
    except ValueError as exc:  # the program file's [messages.<lang>] tables
        raise ProgramError(f"{settings.referral_program}: messages: {exc}") from exc
    return program, grammar, catalogs


def _hand_staff_to_slack(channels: Sequence[Channel], desk: StaffDesk) -> None:
    """Account managers' and reviewers' commands, ahead of the customers' ones."""
    if not any(channel.name == "slack" for channel in channels):
        return  # no Slack here: its SDK (~9 MB) stays unimported
    from bot.channels import slack_staff
    from bot.channels.slack import Slack

    for channel in channels:
        if isinstance(channel, Slack):
            channel.add_staff(slack_staff.listener(desk))


async def build(
    settings: Settings,
    *,
    channels: Sequence[Channel] = (),
    clock: Clock | None = None,
    store: Store | None = None,
    web_chat: bool = False,
) -> ReferralBot:
    realtime = clock is None  # pacing needs time that passes; an injected test clock does not
    clock = clock or SystemClock()
    store = store or await open_store(settings.database_url, webhooks=webhook_targets(settings))
    shared = shared_pacing_wanted(settings.shared_pacing, store.dialect)
    program, grammar, catalogs = _program_and_catalogs(settings)
    pages = load_pages()
    secret = settings.session_secret or await signing_secret(store, clock)
    web = web_channel(settings, pages, program, secret, clock) if web_chat else None
    channels = [*channels, web] if web is not None else list(channels)
    by_name = {channel.name: channel for channel in channels}
    business = BusinessMetrics(store=store, clock=clock)
    metrics = Metrics(collectors=[business])
    delivery = program.delivery
    breakers = Breakers(
        failures=delivery.breaker_failures,
        pause=timedelta(seconds=delivery.breaker_pause_seconds),
        max_pause=timedelta(minutes=delivery.breaker_max_pause_minutes),
    )
    dispatcher = Dispatcher(
        store=store,
        channels=by_name,
        clock=clock,
        policy=DeliveryPolicy.of(program, catalogs=catalogs),
        renderer=HeldThanks(catalogs),
        pacing=program.pacing if realtime else None,
        hold=timedelta(seconds=1) if realtime else timedelta(0),
        retry=RetryPolicy.of(delivery),
        breakers=breakers,
        observe=metrics.delivery_outcome,
        shared=SharedPacing(store, clock) if realtime and shared else None,
        margin=REAL_CLOCK_MARGIN if realtime else 0.0,
    )
    if web is not None:
        web.wake_with(dispatcher.kick)
    deep_links: dict[str, DeepLink] = {
        channel.name: channel.deep_link for channel in channels if isinstance(channel, DeepLinking)
    }
    from bot.channels.switches import SLACK, SMS, TELEGRAM

    context = Context(
        catalogs=catalogs,
        links=ShareLinks(settings.public_base_url, deep_links),
        program=program,
        staff=Staffing.parse(
            staff_users=settings.slack_staff_users, notify_channel=settings.slack_notify_channel
        ),
        off=frozenset(
            switch.channel
            for switch in (SMS, TELEGRAM, SLACK)
            if switch.channel not in by_name and not switch.on(settings)
        ),
    )
    work = UnitOfWork(store=store, clock=clock, kick=dispatcher.kick)
    engine = Engine(
        work=work,
        grammar=grammar,
        context=context,
        routes=routes(join=friend_joined.from_chat),
    )
    desk = StaffDesk(work=work, context=context)
    _hand_staff_to_slack(channels, desk)
    return ReferralBot(
        settings=settings,
        store=store,
        work=work,
        engine=engine,
        dispatcher=dispatcher,
        catalogs=catalogs,
        grammar=grammar,
        program=program,
        context=context,
        clock=clock,
        metrics=metrics,
        business=business,
        inbox=CoreInbox(engine=engine, work=work, metrics=metrics),
        intake=Intake(context=context, work=work),
        desk=desk,
        sweeps=Sweeps(work=work, context=context),
        credentials=CredentialWatch(
            breakers=breakers,
            probes=_credential_probes(settings, by_name),
            clock=clock,
            resume=dispatcher.kick,
        ),
        link_limit=RateLimit(clock=clock, rate=1.0, burst=30),
        pages=pages,
        secret=secret,
        channels=by_name,
    )
