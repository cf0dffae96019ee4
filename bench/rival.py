"""Side by side, in one run: our bot and the Telegram referral bot a user might pick instead.

    .venv/bin/python bench/rival.py --rival PATH [--referrers 200] [--friends 2000]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

PATH is a checkout of github.com/kevin-kidd/telegram-referral-bot (pyTelegramBotAPI, psycopg2,
PostgreSQL). None of its code is in this repository: the bench runs it from PATH, in a venv of
its own made once beside it (PATH/.bench-venv, from PyPI: pyTelegramBotAPI, psycopg2-binary,
python-dotenv), with `telebot.apihelper.API_URL` pointed at the fake Bot API.

Both bots long-poll the same fake Bot API (bench/telegram_burst.py's), pacing lifted for both,
through the same burst: every referrer asks for a link, FRIENDS friends press Start on a
referrer's link all at once, a quarter of them again, every referrer asks their count. Each bot
is spoken to in its own words (the rival: /create, /start CODE, /check; ours: "my link",
/start CODE, "how many friends have I referred?"). Ours runs on SQLite and, given a
PostgreSQL server, on PostgreSQL; the rival on PostgreSQL (the only store it has), in a fresh
database dropped after. Figures per phase: answers/s, CPU ms per update, count accuracy; then
ours / the rival's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*, bench.*

from bench.serving import cpu_seconds, fresh_database
from bench.telegram_burst import PHASES, Burst, Figures, Run, one_run
from tests.channels.fake_telegram import FakeTelegram, user

RIVAL_PACKAGES = ("pyTelegramBotAPI==4.22.0", "psycopg2-binary", "python-dotenv")
RIVAL_LINK = re.compile(r"\?start=([a-z]{15})")
RIVAL_COUNT = re.compile(r"Referral amount: (\d+)")
# Run inside the rival's venv: aim telebot at the fake, make its tables, then its own main.py.
BOOT = """
import runpy, sys
import telebot.apihelper
telebot.apihelper.API_URL = sys.argv[1] + "{0}/{1}"
sys.path.insert(0, ".")
from src.db_setup import create_tables, init_db_pool
init_db_pool()
create_tables()
runpy.run_path("main.py", run_name="__main__")
"""


class Rival:
    """The rival bot's process: its CPU is what `Burst` reads."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)


class NamedBurst(Burst):
    """The rival keys everything on the Telegram username: every sender has one."""

    def sender(self, chat: int) -> dict[str, object]:
        return user(chat, f"P{chat}", username=f"p{chat}")


def rival_python(path: Path) -> Path:
    venv = path / ".bench-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *RIVAL_PACKAGES], check=True)
    return python


def start_rival(path: Path, api_url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(rival_python(path)), "-c", BOOT, api_url],
        cwd=path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@asynccontextmanager
async def fresh_postgres_database(server: str) -> AsyncIterator[str]:
    """A database of its own (the rival's tables live in `public`), dropped after."""
    import asyncpg

    name = "rival_" + uuid.uuid4().hex[:10]
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        try:
            yield name
        finally:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@asynccontextmanager
async def running_rival(path: Path, fake: FakeTelegram, server: str) -> AsyncIterator[Rival]:
    parts = urlsplit(server)
    async with fresh_postgres_database(server) as database:
        env = {
            **os.environ,
            "BOT_TOKEN": fake.token,
            "CHANNEL_LINK": "https://t.me/bench_group",
            "DB_HOST": parts.hostname or "127.0.0.1",
            "DB_PORT": str(parts.port or 5432),
            "DB_NAME": database,
            "DB_USER": parts.username or "postgres",
            "DB_PASSWORD": parts.password or "unused",  # it insists on one; trust auth ignores it
        }
        process = start_rival(path, fake.base_url, env)
        try:
            await fake.wait_for(lambda: bool(fake.called("getUpdates")), within=60)
            yield Rival(process)
        finally:
            process.terminate()
            try:
                await asyncio.to_thread(process.wait, 10)
            except subprocess.TimeoutExpired:
                process.kill()


async def rival_run(args: argparse.Namespace) -> Run:
    """The same burst as bench/telegram_burst.py's scenario, in the rival's words."""
    run = Run()
    fake = FakeTelegram(backlog=args.backlog)
    await fake.start()
    try:
        async with running_rival(Path(args.rival), fake, args.database_url) as rival:
            burst = NamedBurst(fake, rival)  # type: ignore[arg-type]  # only .cpu() is read
            referrers = [10_000 + i for i in range(args.referrers)]
            friends = [100_000 + i for i in range(args.friends)]

            def within(n: int) -> float:
                return 30 + n / 50

            def any_answer(text: str) -> bool:
                return True

            run.phases["links"], links = await burst.phase(
                [(r, "/create") for r in referrers],
                lambda t: bool(RIVAL_LINK.search(t)),
                within(len(referrers)),
            )
            codes = {r: m.group(1) for r, t in links.items() if (m := RIVAL_LINK.search(t))}
            given = dict.fromkeys(referrers, 0)
            joins = []
            for i, friend in enumerate(friends):
                referrer = referrers[i % len(referrers)]
                if referrer in codes:
                    joins.append((friend, f"/start {codes[referrer]}"))
                    given[referrer] += 1
            run.phases["joins"], _ = await burst.phase(joins, any_answer, within(len(joins)))
            again = joins[: len(joins) // 4]
            run.phases["again"], _ = await burst.phase(again, any_answer, within(len(again)))
            run.phases["counts"], counts = await burst.phase(
                [(r, "/check") for r in referrers], any_answer, within(len(referrers))
            )
            right = sum(
                1
                for r, text in counts.items()
                if (m := RIVAL_COUNT.search(text)) is not None and int(m.group(1)) == given[r]
            )
            run.accuracy = (right, len(referrers))
    finally:
        await fake.close()
    return run


def table(runs: dict[str, Run]) -> str:
    names = list(runs)
    rival = runs["rival (PostgreSQL)"]
    out = [
        "| phase | "
        + " | ".join(f"{n} answers/s" for n in names)
        + " | "
        + " | ".join(f"{n} CPU ms/update" for n in names)
        + " |",
        "|---|" + "---:|" * (2 * len(names)),
    ]
    for phase in PHASES:
        got: list[Figures | None] = [runs[n].phases.get(phase) for n in names]
        rates = [f"{f.rate:,.1f} ({f.answered}/{f.updates})" if f else "-" for f in got]
        cpus = [f"{f.cpu_ms:.2f}" if f else "-" for f in got]
        out.append(f"| {phase} | " + " | ".join(rates) + " | " + " | ".join(cpus) + " |")
    out.append("")
    out.append(
        "- count accuracy: "
        + ", ".join(f"{n} {r.accuracy[0]}/{r.accuracy[1]}" for n, r in runs.items())
    )
    for name in names:
        if runs[name] is rival:
            continue
        ratios = []
        for phase in PHASES:
            ours, theirs = runs[name].phases.get(phase), rival.phases.get(phase)
            if ours and theirs and theirs.rate:
                ratios.append(f"{phase} {ours.rate / theirs.rate:.2f}x")
        out.append(f"- {name} / rival, answers/s: " + ", ".join(ratios))
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> None:
    runs: dict[str, Run] = {}
    with fresh_database(None) as url:
        runs["ours (SQLite)"] = await one_run(args, False, url)
    with fresh_database(args.database_url) as url:
        runs["ours (PostgreSQL)"] = await one_run(args, False, url)
    runs["rival (PostgreSQL)"] = await rival_run(args)
    print(
        f"#### Side by side, pacing lifted: {args.referrers} referrers, {args.friends} friends, "
        "one run each\n"
    )
    print(table(runs), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rival", required=True, help="a checkout of github.com/kevin-kidd/telegram-referral-bot"
    )
    parser.add_argument("--referrers", type=int, default=200)
    parser.add_argument("--friends", type=int, default=2000)
    parser.add_argument("--backlog", type=int, default=128)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    args.database_label = "side by side"
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
