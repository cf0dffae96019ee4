"""`referral-bot chat`: the terminal as a customer sees it, piped and at a keyboard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from typer.testing import CliRunner

from bot.app import ReferralBot, build
from bot.channels.console import Console
from bot.cli import app
from bot.cli.chat import talk
from bot.cli.terminal import typed_lines
from bot.core.clock import FakeClock
from bot.core.config import Settings

UP = "\x1b[A"
CTRL_C = "\x03"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    file = tmp_path / "shop.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{file}")
    return file


def test_a_new_database_is_named_once(db: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    assert first.exit_code == 0
    assert f"A new database: {db} (DATABASE_URL chooses another)" in first.stderr
    again = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    assert "A new database" not in again.output


def test_an_opted_out_person_is_told_once_why_nothing_comes_back(db: Path) -> None:
    said = "STOP\nLINK\nwhat's my link?\nSTART\nLINK\n"
    result = CliRunner().invoke(app, ["chat", "--user", "zed"], input=said)
    lines = result.stdout.splitlines()
    notice = "(No reply: you've opted out; send START to talk again.)"
    assert lines[:3] == [
        "You're unsubscribed and won't get more messages here. Text START to come back.",
        notice,
        "Welcome back! You'll get messages here again. Text STOP any time to opt out.",
    ]
    assert lines.count(notice) == 1
    assert lines[3].startswith("Here's your personal link: ")


def test_a_script_that_ends_with_quit_leaves_and_stays_subscribed(db: Path) -> None:
    """/quit leaves a piped chat as it leaves one at the keyboard: read as a message it would
    be QUIT, one of the opt-out words, and unsubscribe the person."""
    runner = CliRunner()
    left = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n /quit \nCOUNT\n")
    assert left.exit_code == 0
    assert left.stdout.startswith("Here's your personal link: ")
    assert "unsubscribed" not in left.stdout
    assert "You haven't referred anyone yet" not in left.stdout  # nothing read after /quit
    again = runner.invoke(app, ["chat", "--user", "alice"], input="COUNT\n/exit\n")
    assert again.stdout.startswith("You haven't referred anyone yet.")
    assert "opted out" not in again.stdout


def test_the_notice_speaks_the_persons_language(db: Path) -> None:
    result = CliRunner().invoke(
        app, ["chat", "--user", "min", "--lang", "ko"], input="수신거부\n링크\n"
    )
    assert "(답장 없음: 수신 거부 상태예요. 다시 대화하려면 START를 보내 주세요.)" in result.stdout


@pytest.fixture
def keyboard() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe:
        yield pipe


def _session(keyboard: PipeInput) -> PromptSession[str]:
    return PromptSession(input=keyboard, output=DummyOutput(), history=InMemoryHistory())


class Screen:
    """What the terminal shows, with a way to wait for the next line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()

    def write(self, text: str) -> None:
        self.lines.append(text)
        self._changed.set()

    async def shows(self, words: str, times: int = 1) -> str:
        """The first line with these words, once they have been shown `times` times."""
        while sum(words in line for line in self.lines) < times:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), 10)
        return next(line for line in self.lines if words in line)


async def _bot(url: str, console: Console, clock: FakeClock) -> ReferralBot:
    return await build(Settings(database_url=url), channels=[console], clock=clock)


async def test_arrow_up_recalls_the_last_line_and_ctrl_c_quits(
    sqlite_url: str, clock: FakeClock, keyboard: PipeInput
) -> None:
    screen = Screen()
    console = Console(user="alice", write=screen.write)
    bot = await _bot(sqlite_url, console, clock)
    chat = asyncio.create_task(talk(bot, console, typed_lines(_session(keyboard))))
    try:
        keyboard.send_text("LINK\r")
        await screen.shows("Here's your personal link: ")
        keyboard.send_text(UP + "\r")
        await screen.shows("Here's your personal link: ", times=2)
        keyboard.send_text(CTRL_C + "COUNT\r")
        handled = await asyncio.wait_for(chat, 10)
    finally:
        chat.cancel()
        await bot.close()
    assert handled == 2  # LINK, LINK again from history; nothing after Ctrl-C
    links = [text for text in screen.lines if text.startswith("Here's your personal link: ")]
    assert len(links) == 2 and links[0] == links[1]


async def test_a_thank_you_appears_while_the_chat_is_open(
    sqlite_url: str, clock: FakeClock, keyboard: PipeInput
) -> None:
    """Alice keeps her chat open; Bob joins from another terminal; her thank-you shows up
    while her prompt waits, without her typing anything."""
    screen = Screen()
    alice = Console(user="alice", write=screen.write)
    alices_bot = await _bot(sqlite_url, alice, clock)
    keyboard.send_text("LINK\r")
    chat = asyncio.create_task(
        talk(alices_bot, alice, typed_lines(_session(keyboard)), poll_every=0.01)
    )
    try:
        code = (await screen.shows("/r/")).split("/r/")[1][:8]
        bob = Console(user="bob", write=lambda text: None)
        bobs_bot = await _bot(sqlite_url, bob, clock)
        try:
            await talk(bobs_bot, bob, _lines(f"JOIN {code}"))
        finally:
            await bobs_bot.close()
        await screen.shows("Thank you!")
        keyboard.send_text("/quit\r")
        assert await asyncio.wait_for(chat, 10) == 1
    finally:
        chat.cancel()
        await alices_bot.close()
    assert screen.lines[-1] == "Thank you! bob just joined with your link. That's 1 friend so far."


async def _lines(*texts: str) -> AsyncIterator[str]:
    for text in texts:
        yield text
