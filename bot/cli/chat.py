"""`referral-bot chat`: talk to the bot in the terminal as a customer."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Annotated

import typer
from prompt_toolkit import PromptSession
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout

from bot.app import ReferralBot, build
from bot.channels.console import Console, converse
from bot.cli.common import err, fail, settings
from bot.cli.terminal import piped_lines, typed_lines
from bot.core.config import Settings
from bot.core.language import LANGUAGES
from bot.core.messages import Profile
from bot.core.store.sqlite import unborn_file

POLL_SECONDS = 1.0  # how soon a thank-you queued by someone else shows in an open chat


def chat(
    user: Annotated[
        str, typer.Option(metavar="NAME", help="who you are in this conversation")
    ] = "me",
    lang: Annotated[
        str | None, typer.Option(metavar="LANG", help="en, ko, zh-Hant or zh-Hans")
    ] = None,
) -> None:
    """Talk to the bot in the terminal as a customer.

    At a terminal: arrow keys edit and recall lines, /quit or Ctrl-C leaves. Piped: one
    message a line from standard input.

    \b
    Examples:
      referral-bot chat --user alice
      printf 'LINK\\nCOUNT\\n' | referral-bot chat --user alice --lang ko
    """
    name = user.strip()
    if not name or len(name) > 64:
        raise fail("--user needs a name of 1 to 64 characters")
    if lang is not None and lang not in LANGUAGES:
        raise fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    env = settings()
    created = unborn_file(env.database_url)
    if created is not None:
        err.print(
            f"A new database: {created} (DATABASE_URL chooses another)",
            soft_wrap=True,
            highlight=False,
        )
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo(f"Chatting as {name}. Type HELP for what I can do, /quit to leave.")
    try:
        asyncio.run(_chat(env, name, lang, interactive))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


async def _chat(settings: Settings, user: str, lang: str | None, interactive: bool) -> None:
    console = Console(user=user, write=typer.echo)
    bot = await build(settings, channels=[console])
    try:
        if lang is not None:
            async with bot.store.transaction() as tx:
                found = await tx.participants.by_address(console.address)
                if found is not None:
                    await tx.participants.set_language(found[0].id, lang, chosen=True)
        if interactive:
            session: PromptSession[str] = PromptSession(history=InMemoryHistory())
            with patch_stdout(raw=True):
                await talk(bot, console, typed_lines(session), lang=lang, poll_every=POLL_SECONDS)
        else:
            await talk(bot, console, piped_lines(), lang=lang)
    finally:
        await bot.close()


async def talk(
    bot: ReferralBot,
    console: Console,
    lines: AsyncIterator[str],
    *,
    lang: str | None = None,
    poll_every: float | None = None,
) -> int:
    """One terminal conversation with a built bot (the command, and tests, call this)."""
    return await converse(
        console,
        lines=lines,
        deliver=bot.engine.handle,
        flush=bot.dispatcher.dispatch_due,
        clock=bot.clock,
        profile=Profile(name=console.user, lang=lang),
        unanswered=OptedOutNotice(bot, console),
        poll_every=poll_every,
    )


class OptedOutNotice:
    """Says once why a message got no reply, when the reason is the person's own STOP."""

    def __init__(self, bot: ReferralBot, console: Console) -> None:
        self._bot = bot
        self._console = console
        self._told_at = -1  # the console's message count when we last said it

    async def __call__(self) -> None:
        if self._told_at == self._console.shown:  # nothing since we said it: don't repeat
            return
        async with self._bot.store.transaction() as tx:
            found = await tx.participants.by_address(self._console.address)
        if found is None or not found[1].opted_out:
            return
        self._told_at = self._console.shown
        self._console.note(self._bot.catalogs.text(found[0].lang, "console.opted_out"))
