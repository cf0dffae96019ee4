"""The composition root: settings -> store -> channels -> engine -> dispatcher (-> ASGI app)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

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
from bot.core.store.webhook_events import WebhookTargets
from bot.core.sweeps import Sweeps
from bot.flows.base import Context
from bot.staff.access import Staffing
from bot.staff.desk import StaffDesk

if TYPE_CHECKING:
    from bot.channels.web import WebChat

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
    pages: Catalogs  # the landing page's and the web chat's texts
    secret: str  # signs dashboard sessions and web-chat cookies
    channels: dict[str, Channel] = field(default_factory=dict)

    async def close(self) -> None:
        await self.store.close()


def channels_from_settings(settings: Settings) -> list[Channel]:
    """Every channel whose credentials are set; the log says what turns on the others."""
    from bot.channels import slack, slack_staff, sms, telegram, webhook

    channels: list[Channel] = []
    for module in (sms, telegram, slack, webhook):
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


def webhook_targets(settings: Settings) -> WebhookTargets:
    """Events are queued only when they can be sent: both the URL and the secret are set."""
    if not settings.webhook_secret:
        return WebhookTargets()
    return WebhookTargets.parse(settings.webhook_url, base_url=settings.public_base_url)


def load_language(locales_dir: str | None = None) -> tuple[Grammar, Catalogs]:
    from pathlib import Path

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
    from bot.http.ratelimit import RateLimit

    limit = RateLimit(clock=clock, rate=1.0, burst=10)  # a person types; a script floods
    return WebChat(
        signer=Signer(secret, "web-chat-visitor", clock),
        page=ChatPage(pages=pages, title=program.name),
        clock=clock,
        allow=limit.allow,
        secure=settings.public_base_url.startswith("https://"),
    )


async def build(
    settings: Settings,
    *,
    channels: Sequence[Channel] = (),
    clock: Clock | None = None,
    store: Store | None = None,
    web_chat: bool = False,
) -> Bot:
    realtime = clock is None  # pacing needs time that passes; an injected test clock does not
    clock = clock or SystemClock()
    store = store or await open_store(settings.database_url, webhooks=webhook_targets(settings))
    program = load_program(settings.referral_program)
    grammar, catalogs = load_language()
    try:
        catalogs = catalogs.with_overrides(program.messages)
    except ValueError as exc:  # the program file's [messages.<lang>] tables
        raise ProgramError(f"{settings.referral_program}: messages: {exc}") from exc
    pages = load_pages()
    secret = settings.session_secret or await signing_secret(store, clock)
    web = web_channel(settings, pages, program, secret, clock) if web_chat else None
    channels = [*channels, web] if web is not None else list(channels)
    by_name = {channel.name: channel for channel in channels}
    dispatcher = Dispatcher(
        store=store,
        channels=by_name,
        clock=clock,
        policy=DeliveryPolicy.of(program),
        pacing=program.pacing if realtime else None,
        hold=timedelta(seconds=1) if realtime else timedelta(0),
    )
    if web is not None:
        web.wake_with(dispatcher.kick)
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
    metrics = Metrics()
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
        pages=pages,
        secret=secret,
        channels=by_name,
    )
