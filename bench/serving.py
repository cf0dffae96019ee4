"""What every end-to-end bench needs: `referral-bot serve` as a real process on loopback, its CPU
and memory read from /proc, a fresh database (SQLite file or PostgreSQL schema), medians.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (its threads included), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(samples: Sequence[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> str:
    """min-max of the runs, so a reader sees the noise beside the median."""
    if len(values) < 2:
        return ""
    return f"{min(values):,.3g}-{max(values):,.3g}"


@contextlib.contextmanager
def fresh_database(postgres_url: str | None) -> Iterator[str]:
    """A DATABASE_URL nobody else uses: a SQLite file in a temp folder, or a new PG schema."""
    if postgres_url is None:
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    import asyncpg

    schema = "bench_" + uuid.uuid4().hex[:10]

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(postgres_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def now(sql: str) -> None:  # in a thread of its own: callers may be inside a running loop
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, run(sql)).result()

    now(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}search_path={schema}"
    finally:
        now(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> float:
        return rss_mb(self.pid)


@contextlib.asynccontextmanager
async def serve(
    env: Mapping[str, str], *, app: str | None = None, ready_within: float = 60.0
) -> AsyncIterator[Served]:
    """`python -m bot serve` on a free loopback port until the block ends (then SIGTERM);
    or, given `app` ("module:attribute"), plain `uvicorn` serving that ASGI app."""
    port = free_port()
    where = ["--host", "127.0.0.1", "--port", str(port)]
    command = ["-m", "bot", "serve", *where] if app is None else ["-m", "uvicorn", app, *where]
    if profile := os.environ.get("BENCH_PROFILE"):  # cProfile the server into this file
        command = ["-m", "cProfile", "-o", profile, *command]
    process, log = _spawn(command, env)
    served = Served(process, f"http://127.0.0.1:{port}", log)
    try:
        await _wait_healthy(served, ready_within)
        yield served
    finally:
        if process.poll() is None:
            # SIGINT when profiling: it ends as KeyboardInterrupt, and cProfile still writes
            stop = signal.SIGINT if os.environ.get("BENCH_PROFILE") else signal.SIGTERM
            process.send_signal(stop)
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
        _forget(log)


def _spawn(command: list[str], env: Mapping[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = Path(tempfile.mkstemp(prefix="bench-serve-", suffix=".log")[1])
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=full_env, stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, log


def _forget(log: Path) -> None:
    log.unlink(missing_ok=True)


async def _wait_healthy(served: Served, within: float) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if served.process.poll() is not None:
                raise RuntimeError(f"serve exited: {served.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                # /healthz on `serve`; any answer at all from a bare app (404 included)
                if (await client.get(f"{served.base_url}/healthz")).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"serve not healthy within {within} s: {served.log.read_text()[-2000:]}")


def program_file(folder: Path, *, pacing: bool) -> Path:
    """A program for load: no quiet hours, no weekly cap, fraud limits out of the way, and
    the providers' pacing as shipped (on) or lifted (off)."""
    lifted = "" if pacing else (
        "[pacing]\ntelegram_per_second = 1000000\ntelegram_per_chat_per_second = 1000000\n"
        "sms_segments_per_second = 1000000\n"
    )
    path = folder / f"program-{'paced' if pacing else 'lifted'}.toml"
    path.write_text(
        '[program]\nname = "Bench"\nmax_proactive_per_week = 1000000\n'
        "[quiet_hours]\nstart = 00:00:00\nend = 00:00:00\n"
        "[fraud]\nsignups_per_code_per_hour = 1000000\nsignups_per_network_per_day = 1000000\n"
        + lifted,
        encoding="utf-8",
    )
    return path


def parse_with_database(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The bench's arguments plus --database-url (SQLite in a temp folder when unset)."""
    parser.add_argument("--database-url", default=os.environ.get("BENCH_POSTGRES_URL"),
                        help="a PostgreSQL server to run on (a fresh schema); SQLite when unset")
    args = parser.parse_args()
    args.database_label = "PostgreSQL" if args.database_url else "SQLite"
    return args
