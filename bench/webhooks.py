"""Signed Twilio SMS webhooks into `serve`, against a bare Starlette endpoint as the floor.

    .venv/bin/python bench/webhooks.py [--rates 200,800] [--seconds 4] [--concurrency 32]
        [--repeat 3] [--senders 1000]

Each request is an inbound SMS as Twilio sends it (tests/payloads/twilio/inbound_sms.form, a
fresh MessageSid each, from one of SENDERS numbers, asking for the count), signed with
twilio-python's RequestValidator over the public URL; signatures are made before the clock
starts. `serve` checks each signature, runs the conversation and writes the reply to the outbox
before it answers (the reply goes out later to a fake Twilio REST API on loopback).
- Fixed rates: requests leave on a schedule (open loop, so a slow server cannot slow the
  client down and hide its queue); latency = answer time - scheduled time.
- Maximum: CONCURRENCY connections post back to back for SECONDS.
The bare endpoint (bench/bare_endpoint.py: reads the form, answers empty TwiML) gets the same
maximum run in the same invocation; the report gives ours as a share of it. The load generator
shares the machine's cores with the server, so the ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*, bench.*

import aiohttp

from bench.serving import fresh_database, median, parse_with_database, pct, serve, spread
from tests.channels.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_BASE_URL,
    FakeTwilio,
    new_sid,
    payload,
    sign,
)

PATH = "/twilio/sms"
BODY = "how many friends have I referred?"


@dataclass
class Load:
    sent: int
    ok: int
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float = float("nan")  # the server's CPU per request (user + system), when read


def signed_requests(count: int, senders: int) -> list[tuple[bytes, str]]:
    """(form body, X-Twilio-Signature) for COUNT distinct inbound messages."""
    template = payload("inbound_sms")
    out = []
    for i in range(count):
        sid = new_sid()
        values = {"Body": BODY, "From": f"+1415555{i % senders:04d}", "MessageSid": sid,
                  "SmsSid": sid, "SmsMessageSid": sid}
        pairs = [(k, values.get(k, v)) for k, v in template]
        out.append((urlencode(pairs).encode(), sign(AUTH_TOKEN, PUBLIC_BASE_URL + PATH, pairs)))
    return out


async def _post(
    session: aiohttp.ClientSession, url: str, request: tuple[bytes, str]
) -> bool:
    body, signature = request
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status == 200


async def at_rate(base: str, requests: list[tuple[bytes, str]], rate: float) -> Load:
    latencies: list[float] = []
    ok = 0
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        t0 = time.perf_counter()

        async def one(i: int, request: tuple[bytes, str]) -> None:
            nonlocal ok
            due = t0 + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            answered = await _post(session, base + PATH, request)  # then add: no lost update
            ok += answered
            latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
        elapsed = time.perf_counter() - t0
    return Load(len(requests), ok, ok / elapsed, pct(latencies, 0.5) * 1e3,
                pct(latencies, 0.99) * 1e3)


async def at_max(
    base: str, requests: list[tuple[bytes, str]], concurrency: int, seconds: float
) -> Load:
    latencies: list[float] = []
    ok = 0
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        t0 = time.perf_counter()
        stop = t0 + seconds

        async def worker() -> None:
            nonlocal ok
            for request in queue:
                if time.perf_counter() >= stop:
                    return
                started = time.perf_counter()
                answered = await _post(session, base + PATH, request)
                ok += answered
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return Load(len(latencies), ok, ok / elapsed, pct(latencies, 0.5) * 1e3,
                pct(latencies, 0.99) * 1e3)


async def one_round(args: argparse.Namespace, rates: list[float]) -> dict[str, Load]:
    figures: dict[str, Load] = {}
    most = int(args.seconds * 4000)  # enough for any maximum this machine reaches
    async with serve({}, app="bench.bare_endpoint:app") as bare:
        await at_max(bare.base_url, signed_requests(200, args.senders), args.concurrency, 0.5)
        requests = signed_requests(most, args.senders)
        cpu = bare.cpu()
        figures["bare max"] = await at_max(bare.base_url, requests, args.concurrency, args.seconds)
        figures["bare max"].cpu_ms = (bare.cpu() - cpu) / figures["bare max"].sent * 1e3
    fake = FakeTwilio()
    await fake.start()
    try:
        with fresh_database(args.database_url) as url:
            env = {"DATABASE_URL": url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                   "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                   "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_BASE_URL": fake.url}
            async with serve(env) as ours:
                await at_max(ours.base_url, signed_requests(200, args.senders), 8, 0.5)  # warm
                for rate in rates:
                    requests = signed_requests(int(rate * args.seconds), args.senders)
                    cpu = ours.cpu()
                    load = figures[f"{rate:g}/s"] = await at_rate(ours.base_url, requests, rate)
                    load.cpu_ms = (ours.cpu() - cpu) / load.sent * 1e3
                requests = signed_requests(most, args.senders)
                cpu = ours.cpu()
                load = figures["ours max"] = await at_max(
                    ours.base_url, requests, args.concurrency, args.seconds
                )
                load.cpu_ms = (ours.cpu() - cpu) / load.sent * 1e3
    finally:
        await fake.close()
    return figures


def report(args: argparse.Namespace, rounds: list[dict[str, Load]]) -> str:
    out = [
        f"#### Signed Twilio webhooks, {args.database_label}: median of {len(rounds)} round(s) "
        "(min-max)",
        "",
        "| load | requests | 200 OK | requests/s | p50 ms | p99 ms | server CPU ms/request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in rounds[0]:
        loads = [r[name] for r in rounds]

        def col(values: list[float], digits: int = 1) -> str:
            text = f"{median(values):,.{digits}f}"
            return f"{text} ({spread(values)})" if len(values) > 1 else text

        out.append(
            f"| {name} | {median([x.sent for x in loads]):,.0f} | "
            f"{median([x.ok for x in loads]):,.0f} | {col([x.rate for x in loads])} | "
            f"{col([x.p50_ms for x in loads], 2)} | {col([x.p99_ms for x in loads], 2)} | "
            f"{col([x.cpu_ms for x in loads], 2)} |"
        )
    ratios = [r["ours max"].rate / r["bare max"].rate for r in rounds]
    cpu = [r["bare max"].cpu_ms / r["ours max"].cpu_ms for r in rounds]
    out += ["", f"- ours at the maximum / the bare endpoint's: {median(ratios):.0%} "
                f"(rounds: {', '.join(f'{x:.0%}' for x in ratios)}); by server CPU per request "
                f"{median(cpu):.0%} (steadier on a shared machine)",
            "- server CPU ms/request bounds the rate one process can reach: 1,000 / it"]
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> None:
    rates = [float(r) for r in args.rates.split(",") if r]
    rounds = [await one_round(args, rates) for _ in range(args.repeat)]
    print(report(args, rounds), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="200,800")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--senders", type=int, default=1000)
    asyncio.run(main_async(parse_with_database(parser)))


if __name__ == "__main__":
    main()
