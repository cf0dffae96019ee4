"""The dispatcher against the providers' limits, and how late scheduled messages leave.

    .venv/bin/python bench/dispatch.py [--scale 1] [--sms-rate 100] [--late 100000] [--window 50]

1. Pacing: 10,000 messages (x --scale) drain through one dispatcher run as `serve` runs it (system
   clock, 1 s hold, SQLite file) into in-process providers behind the strict referee of
   tests/referee.py. First SMS (one sender at --sms-rate segments/s, a short code's class; the
   texts mix GSM-7, UCS-2 and multi-segment), Telegram to thousands of chats (30/s overall) and
   Slack to 50 channels (1/s each) all at once; then Telegram to 25 busy chats (1/s per chat).
   Achieved rate = units sent between a scope's first and last send / that time / its limit.
2. Lateness: --late messages fall due evenly over --window seconds on an unpaced fake provider;
   lateness = when the provider got each one minus its due time.
3. Kick: replies enqueued one by one while the dispatcher idles; time until the provider has it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.referee

from bot.core.clock import SystemClock
from bot.core.messages import Address, Button, Outbound
from bot.core.program import Pacing
from bot.core.store import Store, open_store
from bot.delivery.dispatcher import Dispatcher
from tests.referee import Limits, Referee, RefereeChannel

TEXTS = (
    ("Thanks! Your link: https://ref.example/r/ABCD1234", ()),
    ("Here is how it works. " * 9, ()),  # GSM-7, 2 segments
    ("친구 초대 링크: https://ref.example/r/ABCD1234", ()),  # UCS-2, 1 segment
    ("추천해 주셔서 감사합니다! 친구가 가입하면 보상을 드립니다. " * 3, ()),  # UCS-2, 2-3
    ("Your link is ready.", (Button("My link", "LINK"), Button("My count", "COUNT"))),
)


async def enqueue(store: Store, messages: list[Outbound], due: list[datetime]) -> None:
    now = datetime.now(UTC)
    async with store.transaction() as tx:
        for message, when in zip(messages, due, strict=True):
            await tx.outbox.enqueue(message, kind="reply", due_at=when, at=now)


async def run_until(dispatcher: Dispatcher, done: asyncio.Event, limit: float) -> float:
    gc.freeze()  # as Scheduler.start does in `serve`
    started = time.perf_counter()
    task = asyncio.create_task(dispatcher.run(idle=0.2))
    try:
        await asyncio.wait_for(done.wait(), limit)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return time.perf_counter() - started


def shares(referee: Referee, rates: dict[str, float]) -> dict[str, list[float]]:
    """Achieved rate / limit per scope, grouped by scope kind (the part before ':')."""
    by_scope: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for send in referee.sends:
        for scope in send.scopes:
            by_scope[scope].append((send.at, send.cost))
    found: dict[str, list[float]] = defaultdict(list)
    for scope, sends in by_scope.items():
        kind = scope.split(":")[0]
        if kind not in rates or len(sends) < 5:
            continue
        span = (sends[-1][0] - sends[0][0]).total_seconds()
        units = sum(cost for _, cost in sends[:-1])
        found[kind].append(units / span / rates[kind])
    return found


async def pacing_phase(
    title: str, url: str, messages: list[Outbound], pacing: Pacing, rates: dict[str, float]
) -> None:
    store = await open_store(url)
    clock = SystemClock()
    # 1 ms: the dispatcher and the referee read the clock a few statements apart, and a GC
    # pause in between (seen up to ~0.35 ms) is not the pacer's doing; any network adds more.
    referee = Referee(clock, Limits(**pacing.model_dump()), tolerance=0.001)
    done = asyncio.Event()
    channels = {name: RefereeChannel(name, referee) for name in ("sms", "telegram", "slack")}
    dispatcher = Dispatcher(
        store=store, channels=channels, clock=clock, pacing=pacing, hold=timedelta(seconds=1)
    )

    async def watch() -> None:
        while len(referee.sends) < len(messages):  # noqa: ASYNC110 (the referee has no event)
            await asyncio.sleep(0.05)
        done.set()

    await enqueue(store, messages, [clock.now()] * len(messages))
    watcher = asyncio.create_task(watch())
    took = await run_until(dispatcher, done, limit=3600)
    await watcher
    refused = sum(channel.refused for channel in channels.values())
    print(f"\n{title}: {len(referee.sends)} messages in {took:.1f} s")
    for kind, values in sorted(shares(referee, rates).items()):
        print(
            f"  {kind:<16} limit {rates[kind]:>6g}/s  achieved {statistics.mean(values):6.1%}"
            f" of it (worst scope {min(values):6.1%}, {len(values)} scopes)"
        )
    print(f"  violations {len(referee.violations)}, 429s {refused}, {tightest(referee)}")
    for violation in referee.violations[:5]:
        print("   ", violation)
    await store.close()


def tightest(referee: Referee) -> str:
    """The closest any two sends in a scope came, against what the first one needed."""
    last: dict[str, tuple[datetime, float]] = {}
    worst = float("inf")
    for send in referee.sends:
        for scope, rate in referee.scopes(send.message)[0]:
            if scope in last:
                at, need = last[scope]
                worst = min(worst, (send.at - at).total_seconds() - need)
            last[scope] = (send.at, send.cost / rate)
    return f"tightest gap {worst * 1e6:+.0f} us against the limit"


class Recorder:
    """A provider with no limit that notes when each message arrived."""

    def __init__(self, name: str, expected: int, done: asyncio.Event) -> None:
        self.name, self.expected, self.done = name, expected, done
        self.arrived: dict[str, float] = {}

    def routes(self, inbox: object) -> tuple[()]:
        return ()

    def reach(self) -> frozenset[str] | None:
        return None

    async def send(self, message: Outbound) -> str | None:
        self.arrived[message.text] = time.time()
        if len(self.arrived) >= self.expected:
            self.done.set()
        return None


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    p50, p99 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {values[-1] * 1000:.1f} ms"


async def lateness_phase(url: str, count: int, window: float) -> None:
    store = await open_store(url)
    done = asyncio.Event()
    channel = Recorder("fast", count, done)
    dispatcher = Dispatcher(
        store=store, channels={"fast": channel}, clock=SystemClock(), hold=timedelta(seconds=1)
    )
    later = datetime.now(UTC) + timedelta(hours=1)  # enqueueing takes a while: shift after
    due = [later + timedelta(seconds=window * i / count) for i in range(count)]
    messages = [Outbound(Address("fast", f"u{i % 5000}"), f"m{i}") for i in range(count)]
    await enqueue(store, messages, due)
    shift = later - (datetime.now(UTC) + timedelta(seconds=2))
    async with store.transaction() as tx:
        micros = shift // timedelta(microseconds=1)
        await tx.conn.execute("UPDATE outbox SET due_at = due_at - ?", micros)
    due = [when - shift for when in due]
    took = await run_until(dispatcher, done, limit=window * 10 + 60)
    late = [channel.arrived[f"m{i}"] - due[i].timestamp() for i in range(count)]
    print(
        f"\nlateness: {count} messages due over {window:g} s from 2 s on; all sent in {took:.1f} s"
    )
    print(f"  after their due time: {percentiles(late)}")
    await store.close()


async def kick_phase(url: str, count: int) -> None:
    store = await open_store(url)
    done = asyncio.Event()
    channel = Recorder("fast", count, done)
    dispatcher = Dispatcher(
        store=store, channels={"fast": channel}, clock=SystemClock(), hold=timedelta(seconds=1)
    )
    task = asyncio.create_task(dispatcher.run(idle=1.0))
    enqueued: dict[str, float] = {}
    for i in range(count):
        await asyncio.sleep(0.02)
        now = datetime.now(UTC)
        async with store.transaction() as tx:
            await tx.outbox.enqueue(
                Outbound(Address("fast", "me"), f"k{i}"), kind="reply", due_at=now, at=now
            )
        enqueued[f"k{i}"] = time.time()
        dispatcher.kick()  # what the engine's on_enqueued does
    await asyncio.wait_for(done.wait(), 30)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    print(f"\nkick: {count} replies, enqueue commit to provider: ", end="")
    print(percentiles([channel.arrived[k] - t for k, t in enqueued.items()]))
    await store.close()


def pacing_messages(scale: float) -> tuple[list[Outbound], list[Outbound]]:
    def n(base: int) -> int:
        return max(5, int(base * scale))

    sms = [
        Outbound(Address("sms", f"+1415{i:07d}"), *TEXTS[i % len(TEXTS)]) for i in range(n(4000))
    ]
    telegram = [Outbound(Address("telegram", f"{1000 + i}"), f"hi {i}") for i in range(n(2000))]
    slack = [Outbound(Address("slack", f"T1:U{i % 50}"), f"hey {i}") for i in range(n(3000))]
    busy = [Outbound(Address("telegram", f"busy{i % 25}"), f"again {i}") for i in range(n(1000))]
    return sms + telegram + slack, busy


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="x 10,000 paced messages")
    parser.add_argument("--sms-rate", type=float, default=100.0, help="segments/s per sender")
    parser.add_argument("--late", type=int, default=100_000, help="messages for lateness")
    parser.add_argument("--window", type=float, default=50.0, help="seconds they fall due over")
    parser.add_argument("--kicks", type=int, default=300)
    args = parser.parse_args()
    pacing = Pacing(sms_segments_per_second=args.sms_rate)
    rates = {
        "twilio-sender": pacing.sms_segments_per_second,
        "telegram-bot": pacing.telegram_per_second,
        "telegram-chat": pacing.telegram_per_chat_per_second,
        "slack-channel": pacing.slack_per_channel_per_second,
    }
    mixed, busy = pacing_messages(args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        await pacing_phase("sms + telegram + slack", f"sqlite:///{base / 'a.db'}", mixed, pacing,
                           {k: v for k, v in rates.items() if k != "telegram-chat"})  # fmt: skip
        await pacing_phase("telegram, 25 busy chats", f"sqlite:///{base / 'b.db'}", busy, pacing,
                           {"telegram-chat": rates["telegram-chat"]})  # fmt: skip
        await lateness_phase(f"sqlite:///{base / 'c.db'}", args.late, args.window)
        await kick_phase(f"sqlite:///{base / 'd.db'}", args.kicks)


if __name__ == "__main__":
    asyncio.run(main())
