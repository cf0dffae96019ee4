"""Instructions per message, counted by valgrind: figures that do not move with the machine's load.

    .venv/bin/python bench/instructions.py [--only join,count,telegram,sms] [--small 100]
        [--large 400]

On a shared 2-core machine, CPU time per message varies by ±30% between runs made back to back
(the other core's work slows this one's), so a 10% gain cannot be seen in seconds. valgrind's
cachegrind counts the instructions a process runs, the same for the same code and inputs
whatever else the machine does. Each figure runs one workload in process twice, with SMALL and
with LARGE messages after the same seed and warm-up, and reports (I(LARGE) - I(SMALL)) /
(LARGE - SMALL): the instructions of one more message, start-up and seeding cancelled out.

Workloads (no HTTP; the kernel's work, such as a COMMIT's writes, is not counted):
- join: "JOIN <code>" from a new friend through the engine, one message after another (each its
  own COMMIT), into a SQLite file of 1,000 referrers and 5,000 referrals;
- count: "how many friends have I referred?" from a known referrer, the same way;
- telegram: a Telegram `/start <code>` update from a new friend, as the webhook reads its body,
  16 at a time (their transactions share commits), through the engine;
- sms: a signed Twilio inbound SMS asking for the count, through the ASGI app as `serve` builds
  it (signature check, form, engine), 16 at a time, from 100 known numbers;
- burst: a Telegram friend joining (as `telegram`, parsing aside) with the dispatcher running as
  `serve` runs it (system clock, the pacing lifted), its welcome and the referrer's thank-you
  claimed, judged, sent to an in-process channel and recorded: the join's whole cost to the
  database and the delivery, the provider's HTTP aside.
Compare two commits by running this from each checkout. valgrind runs each workload about 50x
slower than Python alone: the default sizes take a few minutes in all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.*, tests.*

WORKLOADS = ("join", "count", "telegram", "sms", "burst")
REFERRERS, REFERRALS, WARM, AT_ONCE, SENDERS = 1000, 5000, 100, 16, 100
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


async def _engine(kind: str, n: int) -> None:
    from bench.engine import seed
    from bot.app import build
    from bot.core.clock import SystemClock
    from bot.core.config import Settings
    from bot.core.messages import Address, Inbound, Profile
    from bot.core.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    await (await open_store(url)).close()  # the schema
    codes = seed(folder / "bench.db", REFERRERS, REFERRALS)
    bot = await build(Settings(database_url=url), clock=SystemClock())
    rng = random.Random(1)

    def inbound(i: int) -> Inbound:
        if kind == "join":
            return Inbound(Address("console", f"friend{i}"), f"JOIN {rng.choice(codes)}",
                           f"join-{i}", bot.clock.now(), Profile(name=f"Friend {i}"))
        return Inbound(Address("console", f"u{rng.randrange(REFERRERS)}"),
                       "how many friends have I referred?", f"count-{i}", bot.clock.now())

    for i in range(WARM + n):
        await bot.engine.handle(inbound(i))
    await bot.close()
    shutil.rmtree(folder, ignore_errors=True)


async def _telegram(n: int) -> None:
    from bench.engine import seed
    from bot.app import build
    from bot.channels.telegram import Telegram
    from bot.core.config import Settings
    from bot.core.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    await (await open_store(url)).close()
    codes = seed(folder / "bench.db", REFERRERS, REFERRALS)
    # A webhook secret, so nothing polls: the channel only reads the bodies it is handed.
    telegram = Telegram(token="123:abc", public_base_url="https://ref.example",
                        webhook_secret="bench-secret", api_base_url="http://127.0.0.1:9")
    bot = await build(Settings(database_url=url), channels=[telegram])
    rng = random.Random(3)

    def body(i: int) -> bytes:
        person = {"id": 5_000_000 + i, "is_bot": False, "first_name": f"Friend{i}",
                  "language_code": "en"}
        return json.dumps({"update_id": 10_000 + i, "message": {
            "message_id": i + 1, "date": 1_764_590_000, "from": person,
            "chat": {"id": person["id"], "type": "private", "first_name": person["first_name"]},
            "text": f"/start {rng.choice(codes)}",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }}).encode()

    async def one(raw: bytes) -> None:
        update = telegram._parse(raw)  # what the webhook route does with a body
        if update is not None:
            await telegram._handle(update, bot.inbox)

    bodies = [body(i) for i in range(WARM + n)]
    for raw in bodies[:WARM]:
        await one(raw)
    for k in range(WARM, len(bodies), AT_ONCE):
        await asyncio.gather(*(one(raw) for raw in bodies[k : k + AT_ONCE]))
    await bot.close()
    shutil.rmtree(folder, ignore_errors=True)


async def _sms(n: int) -> None:
    from bot.app import build, channels_from_settings
    from bot.core.config import Settings
    from bot.http.slow_clients import BodyDeadline
    from bot.web import create_app
    from tests.channels.fake_twilio import (
        ACCOUNT_SID,
        AUTH_TOKEN,
        FROM_NUMBER,
        PUBLIC_BASE_URL,
        new_sid,
        payload,
        sign,
    )

    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    os.environ.update({"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                       "TWILIO_FROM_NUMBER": FROM_NUMBER,
                       "TWILIO_API_BASE_URL": "http://127.0.0.1:9"})  # nothing is sent here
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}",
                        public_base_url=PUBLIC_BASE_URL)
    bot = await build(settings, channels=channels_from_settings(settings), web_chat=True)
    app = BodyDeadline(create_app(bot), seconds=settings.http_body_timeout)
    template = payload("inbound_sms")
    signed = []
    for i in range(WARM * 3 + n):
        sid = new_sid()
        values = {"Body": "how many friends have I referred?", "From": f"+1415555{i % SENDERS:04d}",
                  "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
        pairs = [(k, values.get(k, v)) for k, v in template]
        signed.append((urlencode(pairs).encode(), sign(AUTH_TOKEN, PUBLIC_BASE_URL + "/twilio/sms",
                                                       pairs)))

    async def one(body: bytes, signature: str) -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/twilio/sms",
                 "raw_path": b"/twilio/sms", "query_string": b"", "root_path": "",
                 "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
                 "headers": [(b"host", b"127.0.0.1:8000"),
                             (b"content-type", b"application/x-www-form-urlencoded"),
                             (b"content-length", str(len(body)).encode()),
                             (b"x-twilio-signature", signature.encode()),
                             (b"user-agent", b"TwilioProxy/1.1")]}
        given = False
        statuses: list[int] = []

        async def receive() -> dict[str, object]:
            nonlocal given
            if given:  # the app never asks twice for a body that came whole
                raise RuntimeError("asked for more body")
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(int(str(message["status"])))

        await app(scope, receive, send)
        if statuses != [200]:
            raise RuntimeError(f"the webhook answered {statuses}")

    # The first WARM * 3 from SENDERS numbers: every number has written before the counted ones.
    for k in range(0, len(signed), AT_ONCE):
        await asyncio.gather(*(one(b, s) for b, s in signed[k : k + AT_ONCE]))
    await bot.close()
    shutil.rmtree(folder, ignore_errors=True)


async def _burst(n: int) -> None:
    from bench.engine import seed
    from bench.serving import program_file
    from bot.app import build
    from bot.core.config import Settings
    from bot.core.messages import Address, Inbound, Profile
    from bot.core.store import open_store
    from tests.fakes import CollectingChannel

    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    await (await open_store(url)).close()
    codes = seed(folder / "bench.db", REFERRERS, REFERRALS)
    program = str(program_file(folder, pacing=False))
    # The friends on Telegram (paced, though lifted); the seeded referrers are on the console.
    telegram, console = CollectingChannel("telegram"), CollectingChannel("console")
    bot = await build(Settings(database_url=url, referral_program=program),
                      channels=[telegram, console])
    dispatching = asyncio.get_running_loop().create_task(bot.dispatcher.run(idle=0.05))
    rng = random.Random(5)

    def inbound(i: int) -> Inbound:
        return Inbound(Address("telegram", str(5_000_000 + i)), f"JOIN {rng.choice(codes)}",
                       f"burst-{i}", bot.clock.now(), Profile(name=f"Friend{i}", lang="en"))

    async def delivered() -> None:
        """Until no row waits or is being sent (thank-yous to one referrer may be coalesced)."""
        while True:
            await asyncio.sleep(0.005)
            async with bot.store.autocommit() as tx:
                left = await tx.conn.fetchval(
                    "SELECT COUNT(*) FROM outbox WHERE status IN ('scheduled', 'sending')")
            if not left:
                return

    for i in range(WARM):
        await bot.engine.handle(inbound(i))
    await delivered()
    for k in range(WARM, WARM + n, AT_ONCE):
        batch = range(k, min(k + AT_ONCE, WARM + n))
        await asyncio.gather(*(bot.engine.handle(inbound(i)) for i in batch))
    await delivered()
    dispatching.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await dispatching
    await bot.close()
    shutil.rmtree(folder, ignore_errors=True)


def run_workload(kind: str, n: int) -> None:
    if kind in ("join", "count"):
        asyncio.run(_engine(kind, n))
    elif kind == "telegram":
        asyncio.run(_telegram(n))
    elif kind == "burst":
        asyncio.run(_burst(n))
    else:
        asyncio.run(_sms(n))


def instructions(kind: str, n: int) -> int:
    """Instructions the whole process ran for the workload with `n` counted messages."""
    with tempfile.TemporaryDirectory(prefix="bench-cachegrind-") as folder:
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no",
             f"--cachegrind-out-file={folder}/out", sys.executable, __file__, "--workload", kind,
             "--n", str(n)],
            capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    found = _REFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind {kind} {n}: rc {done.returncode}\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=400)
    parser.add_argument("--workload", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:  # one run under valgrind (see `instructions`)
        run_workload(args.workload, args.n)
        return
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install -y valgrind): no figures")
        return
    chosen = [w for w in args.only.split(",") if w]
    unknown = sorted(set(chosen) - set(WORKLOADS))
    if unknown:
        parser.error(f"--only: no workload {', '.join(unknown)} (there are {', '.join(WORKLOADS)})")
    print(f"#### Instructions per message (valgrind), {args.large} - {args.small} messages\n")
    print("| workload | instructions/message |")
    print("|---|---:|")
    for kind in chosen:
        small, large = instructions(kind, args.small), instructions(kind, args.large)
        print(f"| {kind} | {(large - small) / (args.large - args.small):,.0f} |", flush=True)


if __name__ == "__main__":
    main()
