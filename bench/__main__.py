"""Every benchmark, small by default, into one markdown report.

    .venv/bin/python -m bench [--out bench-report.md] [--repeat 3] [--postgres URL] [--full]
        [--rival PATH]

Each bench runs as its own process (one at a time, loopback only, each bounded in count and
time) and its output goes into the report under its command line, so any figure can be re-run
alone. Sizes are small so the whole run takes minutes; --full uses each bench's own defaults
(the sizes the issue's aims name). The machine's other work shows in the figures: the benches
that time things repeat and report medians with their min-max.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def plan(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    repeat = ["--repeat", str(args.repeat)]
    small = not args.full
    pg = ["--database-url", args.postgres] if args.postgres else []
    benches: list[tuple[str, list[str]]] = [
        ("Statements and commits per message", ["bench/statements.py", *pg]),
        ("Telegram burst, SQLite", ["bench/telegram_burst.py", *repeat,
                                    *(["--referrers", "50", "--friends", "500"] if small else [])]),
    ]
    if args.postgres:
        benches.append(("Telegram burst, PostgreSQL", [
            "bench/telegram_burst.py", *repeat, "--pacing", "off", *pg,
            *(["--referrers", "50", "--friends", "500"] if small else []),
        ]))
    if args.postgres:
        benches.append(("Several processes on one PostgreSQL database", [
            "bench/scale.py", *pg, *(["--chats", "150"] if small else []),
        ]))
    benches += [
        ("Signed Twilio webhooks", ["bench/webhooks.py", *repeat,
                                    *(["--seconds", "3"] if small else [])]),
        ("Leaderboard own rank", ["bench/leaderboard.py", *repeat,
                                  *(["--referrers", "10000", "--referrals", "100000"]
                                    if small else [])]),
        ("Engine (no HTTP)", ["bench/engine.py", *(["--referrers", "5000", "--referrals",
                                                    "50000", "--messages", "1000"] if small
                                                   else [])]),
        ("Rewards", ["bench/rewards.py", *(["--referrers", "5000", "--signups", "1000"]
                                           if small else [])]),
        ("Dispatch", ["bench/dispatch.py", *(["--scale", "0.1", "--late", "5000",
                                              "--window", "5", "--kicks", "50"] if small
                                             else [])]),
    ]
    if args.rival:  # a checkout of the other bot: never part of this repository
        benches.append(("Side by side with another Telegram referral bot", [
            "bench/rival.py", "--rival", args.rival, *pg,
            *(["--referrers", "50", "--friends", "500"] if small else []),
        ]))
    return benches


def run_one(command: list[str], limit: float) -> tuple[str, float, int]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=limit,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return out + f"\n(stopped after {limit:.0f} s)", time.monotonic() - started, -1
    text = done.stdout if done.returncode == 0 else done.stdout + done.stderr[-3000:]
    return text, time.monotonic() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-report.md")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL server (fresh schemas, dropped after)")
    parser.add_argument("--rival", help="a checkout of github.com/kevin-kidd/telegram-referral-bot"
                        " to run bench/rival.py against (needs --postgres)")
    parser.add_argument("--full", action="store_true", help="each bench's own (large) sizes")
    parser.add_argument("--limit", type=float, default=1800, help="seconds per bench at most")
    args = parser.parse_args()
    load = os.getloadavg()
    lines = [
        "# Benchmarks",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, load average at the start "
        f"{load[0]:.1f} (other work on the machine shows in every timing).",
        "",
    ]
    for title, command in plan(args):
        print(f"running {' '.join(command)}", file=sys.stderr, flush=True)
        output, took, code = run_one(command, args.limit)
        lines += [f"## {title}", "", f"`python {' '.join(command)}` ({took:.0f} s"
                  + ("" if code == 0 else f", exit {code}") + ")", ""]
        # Benches that print markdown tables go in as they are; the others in a code block.
        lines += [output.strip()] if output.lstrip().startswith(("|", "#")) else [
            "```", output.strip(), "```"]
        lines.append("")
        Path(args.out).write_text("\n".join(lines), encoding="utf-8")  # a partial report too
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
