"""Several processes on one PostgreSQL database against a strict Telegram referee.

    .venv/bin/python bench/scale.py [--processes 1,2,4] [--chats 200] [--messages 2]
        [--shared on] [--tolerance-ms 1] [--database-url postgresql://...]

Per run (a fresh schema and fresh processes each time): N processes, half `referral-bot serve`
(webhook mode, taking the updates) and half `referral-bot worker` (N=1: one serve), all
dispatching from the one outbox. CHATS Telegram users each send MESSAGES "my link" updates,
posted as Telegram posts webhooks (the secret header), spread over the serve processes by a
driver in a process of its own. Every update is answered with one message; then the outbox is
left to drain.

The fake Bot API (tests/channels/fake_telegram.py) referees strictly, as tests/referee.py does:
a sendMessage that starts less than 1/30 s after the previous one, or less than 1 s after the
previous one to the same chat, is a violation (beyond `--tolerance-ms`, for the loopback's own
jitter) and is refused with a 429 like Telegram's, which the bot must honour.

Figures per run: inbound updates/s (all webhooks answered / the time to post them), outbound
sends/s from the first to the last answer vs Telegram's 30/s, the fastest gap per scope, strict
violations, 429s, duplicates (a row's message delivered more than once) and rows not sent.
`--shared off` shows what each process pacing on its own does (SHARED_PACING=off).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*, bench.*

from bench.serving import _spawn, fresh_database, program_file, serve
from bot.core.store import open_store
from tests.channels.fake_telegram import FakeTelegram, private_chat, user

SECRET = "scale-bench-secret"
BOT_GAP = 1 / 30
CHAT_GAP = 1.0
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class StrictTelegram(FakeTelegram):
    """The fake Bot API, refereeing every sendMessage two ways. As Telegram does, it refuses
    (429, retry after 1 s) a send past 30 in any second or a second to one chat in a second.
    Strictly, as tests/referee.py does, it also counts each send that arrives less than its
    scope's full gap (1/30 s; 1 s per chat) after the previous one, minus the tolerance."""

    tolerance: float = 0.001
    violations: list[str] = field(default_factory=list)  # strict, beyond the tolerance
    short: Counter[str] = field(default_factory=Counter)  # strict shortfalls, by how much
    fastest: dict[str, float] = field(default_factory=lambda: {"bot": 1e9, "chat": 1e9})
    _last: dict[str, float] = field(default_factory=dict)

    def _flooded(self, chat_id: str) -> int:
        now = time.monotonic()
        for kind, key, need in (("bot", "bot", BOT_GAP), ("chat", f"chat:{chat_id}", CHAT_GAP)):
            last = self._last.get(key)
            self._last[key] = now
            if last is None:
                continue
            gap = now - last
            self.fastest[kind] = min(self.fastest[kind], gap)
            for ms in (1, 5, 10):
                if gap + ms / 1e3 < need:
                    self.short[f"{kind} >{ms} ms short"] += 1
            if gap + self.tolerance < need:
                self.violations.append(f"{key}: {gap * 1e3:.2f} ms after the previous send")
        return super()._flooded(chat_id)  # Telegram's own counting decides the 429


@dataclass
class Figures:
    processes: int
    inbound_rate: float = 0.0
    inbound_failed: int = 0
    sent: int = 0
    rate: float = 0.0
    fastest_bot_ms: float = 0.0
    fastest_chat_ms: float = 0.0
    violations: int = 0
    refused: int = 0
    duplicates: int = 0
    not_sent: int = 0
    drain_s: float = 0.0
    examples: list[str] = field(default_factory=list)
    short: dict[str, int] = field(default_factory=dict)


def post_updates(urls: Sequence[str], updates: Sequence[dict[str, object]]) -> tuple[float, int]:
    """In a process of its own (the referee's clock must not wait for the load): post every
    update, round robin over the serve processes, 32 at a time; (seconds, failures)."""
    import httpx

    async def run() -> tuple[float, int]:
        failed = 0
        queue = list(enumerate(updates))
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with httpx.AsyncClient(timeout=30) as client:

            async def worker() -> None:
                nonlocal failed
                while queue:
                    i, update = queue.pop(0)
                    url = urls[i % len(urls)]
                    answer = await client.post(url, json=update, headers=headers)
                    failed += answer.status_code != 200

            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(32)))
            return time.monotonic() - started, failed

    return asyncio.run(run())


def updates(chats: int, messages: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    update_id = 1000
    for round_ in range(messages):
        for i in range(chats):
            chat = 200_000 + i
            update_id += 1
            out.append(
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": round_ * chats + i + 1,
                        "date": int(time.time()),
                        "chat": private_chat(chat, f"P{chat}"),
                        "from": user(chat, f"P{chat}"),
                        "text": "my link",
                    },
                }
            )
    return out


@contextlib.asynccontextmanager
async def processes(n: int, env: dict[str, str]) -> AsyncIterator[list[str]]:
    """N processes (serves and workers); yields the serve processes' webhook URLs. The first
    serve migrates the schema before the others start."""
    serves = max(1, (n + 1) // 2)
    async with contextlib.AsyncExitStack() as stack:
        urls = []
        for _ in range(serves):
            served = await stack.enter_async_context(serve(env))
            urls.append(f"{served.base_url}/telegram/webhook")
        workers: list[subprocess.Popen[bytes]] = []
        for _ in range(n - serves):
            process, log = _spawn(["-m", "bot", "worker"], env)
            workers.append(process)
            stack.callback(log.unlink, missing_ok=True)
        await asyncio.sleep(2.0 if workers else 0)  # a worker has no health check: let it start
        for process in workers:
            if process.poll() is not None:
                raise RuntimeError("a worker exited at start")
        try:
            yield urls
        finally:
            for process in workers:
                process.send_signal(signal.SIGTERM)
            for process in workers:
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    process.kill()


async def one_run(args: argparse.Namespace, n: int, folder: Path) -> Figures:
    figures = Figures(n)
    fake = StrictTelegram(enforce_flood_limits=True, tolerance=args.tolerance_ms / 1e3)
    await fake.start()
    load = updates(args.chats, args.messages)
    try:
        with fresh_database(args.database_url) as url:
            env = {
                "DATABASE_URL": url,
                "PUBLIC_BASE_URL": "https://ref.example",
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "REFERRAL_PROGRAM": str(program_file(folder, pacing=True)),
                "SHARED_PACING": args.shared,
            }
            async with processes(n, env) as urls:
                loop = asyncio.get_running_loop()
                with concurrent.futures.ProcessPoolExecutor(1) as pool:
                    took, failed = await loop.run_in_executor(pool, post_updates, urls, load)
                figures.inbound_rate, figures.inbound_failed = len(load) / took, failed
                started = time.monotonic()
                within = 30 + len(load) / 30 * 3
                with contextlib.suppress(TimeoutError):
                    await fake.wait_for(lambda: delivered(fake) >= len(load), within=within)
                await asyncio.sleep(1.5)  # a duplicate still on its way lands now
                figures.drain_s = time.monotonic() - started
            store = await open_store(url, migrate=False)
            async with store.transaction() as tx:
                rows = await tx.conn.fetchall(
                    "SELECT address, status FROM outbox WHERE channel = 'telegram'"
                )
            await store.close()
    finally:
        await fake.close()
    sent_rows = Counter(str(r[0]) for r in rows if r[1] == "sent")
    ok = [c for c in fake.calls if c.method == "sendMessage" and c.ok]
    per_chat = Counter(str(c.params.get("chat_id")) for c in ok)
    figures.sent = len(ok)
    figures.duplicates = sum(max(0, per_chat[chat] - sent_rows[chat]) for chat in per_chat)
    figures.not_sent = sum(1 for r in rows if r[1] != "sent")
    if len(ok) > 1:
        figures.rate = (len(ok) - 1) / (ok[-1].at - ok[0].at)
    figures.fastest_bot_ms = fake.fastest["bot"] * 1e3
    figures.fastest_chat_ms = fake.fastest["chat"] * 1e3
    figures.violations = len(fake.violations)
    figures.refused = sum(1 for c in fake.calls if c.answer == [429])
    figures.examples = fake.violations[:3]
    figures.short = dict(fake.short)
    return figures


def delivered(fake: FakeTelegram) -> int:
    return sum(1 for c in fake.calls if c.method == "sendMessage" and c.ok)


def report(args: argparse.Namespace, runs: list[Figures]) -> str:
    lines = [
        f"#### {args.chats} chats x {args.messages} messages, PostgreSQL, SHARED_PACING="
        f"{args.shared}, strict referee (tolerance {args.tolerance_ms} ms)",
        "",
        "| processes | inbound/s | sent | sends/s (limit 30) | fastest gap bot / chat ms "
        "| violations | 429s | duplicates | not sent | drain s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in runs:
        lines.append(
            f"| {f.processes} | {f.inbound_rate:,.0f}"
            f"{f' ({f.inbound_failed} failed)' if f.inbound_failed else ''} | {f.sent} "
            f"| {f.rate:.2f} | {f.fastest_bot_ms:.2f} / {f.fastest_chat_ms:.1f} "
            f"| {f.violations} | {f.refused} | {f.duplicates} | {f.not_sent} | {f.drain_s:.1f} |"
        )
    for f in runs:
        if f.examples:
            lines.append(
                f"- {f.processes} processes: violations such as "
                + "; ".join(f.examples)
                + f"; strict shortfalls {f.short}"
            )
    load = os.getloadavg()
    lines += ["", f"- load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", ""]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    runs = [await one_run(args, int(n), folder) for n in args.processes.split(",")]
    print(report(args, runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2, help="per chat (the flood guard: <=3)")
    parser.add_argument("--shared", default="on", choices=("on", "off", "auto"))
    parser.add_argument("--tolerance-ms", type=float, default=1.0)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
