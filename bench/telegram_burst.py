"""A Telegram burst end to end: `serve` long-polls a fake Bot API on loopback.

    .venv/bin/python bench/telegram_burst.py [--referrers 200] [--friends 2000] [--repeat 3]
        [--pacing on,off] [--database-url postgresql://...] [--backlog 128]

Per run (a fresh database and a fresh `serve` process each time):
1. links: every referrer asks for their link (the code is read from the reply);
2. joins: FRIENDS friends press Start on a referrer's deep link, all queued at once;
3. again: a quarter of them press Start again;
4. counts: every referrer asks "how many friends have I referred?"; the number in each reply
   is checked against the friends they were given (count accuracy);
then every thank-you is awaited. Figures per phase: answers/s (answered / time to the last
answer), latency p50/p99 (update queued -> its answer reached the fake), CPU per update (the
serve process's user+system CPU over the phase / the phase's updates; thank-yous sent meanwhile
are in it). Also: RSS idle and after, the largest SQLite WAL seen, 429s, outbox rows left dead.
Pacing "on" is the shipped program (30 messages/s, 1/s per chat, the fake enforcing both);
"off" lifts it. Medians over --repeat runs, with the min-max range.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*, bench.*

from bench.serving import (
    Served,
    fresh_database,
    median,
    parse_with_database,
    pct,
    program_file,
    serve,
    spread,
)
from bot.core.store import open_store
from tests.channels.fake_telegram import FakeTelegram, command_entities, private_chat, user

CODE = re.compile(r"/r/([0-9A-Za-z]{8})")
COUNTED = re.compile(r"referred (\d+) friend")
PHASES = ("links", "joins", "again", "counts")


@dataclass
class Figures:
    updates: int
    answered: int
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float


@dataclass
class Run:
    phases: dict[str, Figures] = field(default_factory=dict)
    accuracy: tuple[int, int] = (0, 0)
    thanks: tuple[int, int, float] = (0, 0, 0.0)  # delivered, expected, seconds after counts
    rss_idle: float = 0.0
    rss_after: float = 0.0
    wal_mb: float = 0.0
    too_many: int = 0
    dead: int = 0
    left: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # outbox rows by their last error


class Burst:
    """Queues a phase's updates at once and waits for each sender's answer."""

    def __init__(self, fake: FakeTelegram, served: Served) -> None:
        self.fake = fake
        self.served = served
        self._message_ids = iter(range(1, 10**9))

    def sender(self, chat: int) -> dict[str, object]:
        return user(chat, f"P{chat}")

    def _update(self, chat: int, text: str) -> dict[str, object]:
        message: dict[str, object] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": private_chat(chat, f"P{chat}"), "from": self.sender(chat), "text": text,
        }
        if entities := command_entities(text):
            message["entities"] = entities
        return {"message": message}

    async def phase(
        self, sends: list[tuple[int, str]], answer: Callable[[str], bool], within: float
    ) -> tuple[Figures, dict[int, str]]:
        cursor = len(self.fake.calls)
        cpu0, t0 = self.served.cpu(), time.monotonic()
        for chat, text in sends:
            self.fake.queue_update(self._update(chat, text))
        waiting = {chat for chat, _ in sends}
        answers: dict[int, str] = {}
        latencies: list[float] = []
        deadline = t0 + within
        while waiting and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            calls, cursor = self.fake.calls[cursor:], len(self.fake.calls)
            for call in calls:
                if call.method != "sendMessage":
                    continue
                chat = int(call.params.get("chat_id", 0))
                text = str(call.params.get("text", ""))
                if chat in waiting and answer(text):
                    waiting.discard(chat)
                    answers[chat] = text
                    latencies.append(call.at - t0)
        cpu = self.served.cpu() - cpu0
        span = max(latencies) if latencies else within
        return Figures(
            updates=len(sends),
            answered=len(answers),
            rate=len(answers) / span if span else 0.0,
            p50_ms=pct(latencies, 0.5) * 1e3,
            p99_ms=pct(latencies, 0.99) * 1e3,
            cpu_ms=cpu / len(sends) * 1e3,
        ), answers


async def watch_wal(database_url: str, run: Run, stop: asyncio.Event) -> None:
    if not database_url.startswith("sqlite:///"):
        return
    wal = Path(database_url.removeprefix("sqlite:///") + "-wal")
    while not stop.is_set():
        run.wal_mb = max(run.wal_mb, _megabytes(wal))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


def _megabytes(path: Path) -> float:
    return path.stat().st_size / 2**20 if path.exists() else 0.0


async def one_run(args: argparse.Namespace, pacing: bool, database_url: str) -> Run:
    run = Run()
    fake = FakeTelegram(enforce_flood_limits=pacing, backlog=args.backlog)
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="bench-tg-"))
    env = {
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": "https://ref.example",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "REFERRAL_PROGRAM": str(program_file(folder, pacing=pacing)),
    }
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_wal(database_url, run, stop))
    try:
        async with serve(env) as served:
            await fake.wait_for(lambda: bool(fake.called("getUpdates")), within=30)
            await asyncio.sleep(1.0)  # let start-up settle before reading idle memory
            run.rss_idle = served.rss()
            await scenario(args, pacing, Burst(fake, served), run)
            run.rss_after = served.rss()
    finally:
        stop.set()
        await watcher
        await fake.close()
    run.too_many = sum(1 for call in fake.calls if call.answer == [429])
    store = await open_store(database_url, migrate=False)
    async with store.transaction() as tx:
        rows = await tx.conn.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        errors = await tx.conn.fetchall(
            "SELECT last_error, COUNT(*) FROM outbox WHERE last_error IS NOT NULL GROUP BY 1"
        )
    await store.close()
    run.errors = {str(row[0])[:60]: int(row[1]) for row in errors}
    by_status = {row[0]: int(row[1]) for row in rows}
    run.dead = by_status.get("dead", 0)
    run.left = by_status.get("scheduled", 0) + by_status.get("sending", 0)
    return run


async def scenario(args: argparse.Namespace, pacing: bool, burst: Burst, run: Run) -> None:
    referrers = [10_000 + i for i in range(args.referrers)]
    friends = [100_000 + i for i in range(args.friends)]
    slow = 1.0 / 25 if pacing else 1.0 / 200  # seconds an answer may take, at the least rate
    total = args.referrers * 2 + args.friends + args.friends // 4

    def within(n: int) -> float:
        return 30 + n * slow * 3 + (total * slow if pacing else 0)

    figures, links = await burst.phase(
        [(r, "my link") for r in referrers], lambda t: bool(CODE.search(t)), within(len(referrers))
    )
    run.phases["links"] = figures
    codes = {r: m.group(1) for r, text in links.items() if (m := CODE.search(text))}
    given: dict[int, int] = dict.fromkeys(referrers, 0)
    joins = []
    for i, friend in enumerate(friends):
        referrer = referrers[i % len(referrers)]
        if referrer in codes:
            joins.append((friend, f"/start {codes[referrer]}"))
            given[referrer] += 1
    thanks_before = len(burst.fake.calls)
    run.phases["joins"], _ = await burst.phase(
        joins, lambda t: t.startswith("Welcome"), within(len(joins))
    )
    again = joins[: len(joins) // 4]
    run.phases["again"], _ = await burst.phase(again, lambda t: True, within(len(again)))
    figures, counts = await burst.phase(
        [(r, "how many friends have I referred?") for r in referrers],
        lambda t: bool(COUNTED.search(t)) or "haven't referred" in t,
        within(len(referrers)),
    )
    run.phases["counts"] = figures
    right = sum(
        1 for r, text in counts.items()
        if int(m.group(1) if (m := COUNTED.search(text)) else 0) == given[r]
    )
    run.accuracy = (right, len(referrers))
    expected = sum(given.values())
    t0 = time.monotonic()

    cursor = [thanks_before]
    distinct: set[tuple[str, str]] = set()  # each thank-you names the friend and the total

    def thanked() -> int:
        calls, cursor[0] = burst.fake.calls[cursor[0]:], len(burst.fake.calls)
        for call in calls:
            text = str(call.params.get("text", ""))
            if call.method == "sendMessage" and text.startswith("Thank you!"):
                distinct.add((str(call.params.get("chat_id")), text))
        return len(distinct)

    with contextlib.suppress(TimeoutError):
        await burst.fake.wait_for(lambda: thanked() >= expected, within(expected))
    run.thanks = (thanked(), expected, time.monotonic() - t0)


def report(args: argparse.Namespace, mode: str, runs: list[Run]) -> str:
    out = [
        f"#### Pacing {mode}: {args.referrers} referrers, {args.friends} friends, "
        f"{args.database_label}, median of {len(runs)} run(s) (min-max)",
        "",
        "| phase | updates | answered | answers/s | p50 ms | p99 ms | CPU ms/update |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in PHASES:
        got = [run.phases[name] for run in runs if name in run.phases]
        if not got:
            continue

        def col(pick: Callable[[Figures], float], digits: int = 1, got: list[Figures] = got) -> str:
            values = [pick(f) for f in got]
            return f"{median(values):,.{digits}f} ({spread(values)})" if len(values) > 1 else (
                f"{median(values):,.{digits}f}"
            )

        out.append(
            f"| {name} | {got[0].updates} | {col(lambda f: f.answered, 0)} | "
            f"{col(lambda f: f.rate)} | {col(lambda f: f.p50_ms)} | {col(lambda f: f.p99_ms)} | "
            f"{col(lambda f: f.cpu_ms, 2)} |"
        )
    last = runs[-1]
    out += [
        "",
        f"- count accuracy: {', '.join(f'{r.accuracy[0]}/{r.accuracy[1]}' for r in runs)}",
        "- thank-yous delivered: "
        + ", ".join(f"{r.thanks[0]}/{r.thanks[1]} (+{r.thanks[2]:.1f} s)" for r in runs),
        f"- RSS idle {median([r.rss_idle for r in runs]):.1f} MB, after the burst "
        f"{median([r.rss_after for r in runs]):.1f} MB",
        f"- 429 answers {[r.too_many for r in runs]}; outbox rows dead {[r.dead for r in runs]}, "
        f"still queued {[r.left for r in runs]}",
    ]
    if any(r.errors for r in runs):
        out.append(f"- outbox rows by last error: {[r.errors for r in runs]}")
    if last.wal_mb:
        out.append(f"- largest SQLite WAL seen: {max(r.wal_mb for r in runs):.1f} MB")
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> None:
    for mode in args.pacing.split(","):
        runs = []
        for _ in range(args.repeat):
            with fresh_database(args.database_url) as url:
                runs.append(await one_run(args, mode == "on", url))
        print(report(args, mode, runs), flush=True)
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrers", type=int, default=200)
    parser.add_argument("--friends", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pacing", default="off,on", help="on, off, or both: off,on")
    parser.add_argument("--backlog", type=int, default=128,
                        help="connections the fake Bot API lets wait to be accepted")
    asyncio.run(main_async(parse_with_database(parser)))


if __name__ == "__main__":
    main()
