"""`referral-bot rewards ...`: the ledger for the business, and what it does by hand.

Payouts happen in the business's own systems; `issue` records that one happened. Approving or
voiding tells the customer, through the outbox, in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer

from bot.app import ReferralBot
from bot.cli.common import fail, with_bot
from bot.cli.tables import show
from bot.core.clock import rfc3339
from bot.core.plural import counted
from bot.core.reward_text import reward_text
from bot.core.rewards import release_holds
from bot.core.staff_names import known_as
from bot.core.store import Tx
from bot.core.store.rewards import STATUSES, Reward
from bot.services.announce import announce
from bot.services.reward_decisions import Decision, ReviewError, decide
from bot.services.unit_of_work import Done

app = typer.Typer(help="Rewards owed, approved, paid or voided.", no_args_is_help=True)
ACTOR = "cli"
Listed = tuple[Reward, str, str | None, str]  # the reward, the name, a nameless one's phone, what
T = TypeVar("T")


def _run(work: Callable[[ReferralBot, Tx, datetime], Awaitable[Done[T]]]) -> tuple[T, int]:
    """Run `work` in one unit of work of a bot built from the environment: its result, and
    how many messages it queued."""

    async def run(bot: ReferralBot) -> tuple[T, int]:
        return await bot.work.run_counted(lambda tx, now: work(bot, tx, now))

    try:
        return with_bot(run)
    except ReviewError as exc:
        raise fail(str(exc)) from exc


def _decide(reward_id: int, decision: Decision, reason: str | None = None) -> int:
    async def work(bot: ReferralBot, tx: Tx, now: datetime) -> Done[None]:
        effects = await decide(
            bot.context, tx, reward_id, decision, actor=ACTOR, now=now, reason=reason
        )
        return Done(None, effects)

    return _run(work)[1]


def _row(r: Reward) -> dict[str, object]:
    return {
        "id": r.id,
        "participant_id": r.participant_id,
        "referral_id": r.referral_id,
        "side": r.side,
        "kind": r.kind,
        "rule": r.rule_id,
        "rule_version": r.rule_version,
        "unit": r.unit,
        "measure": r.measure,
        "perk": None if r.label is None else json.loads(r.label),
        "amount": str(r.amount),
        "status": r.status,
        "held": r.held,
        "reason": r.reason,
        "hold_until": rfc3339(r.hold_until),
        "created_at": rfc3339(r.created_at),
    }


@app.command("list")
def rewards_list(
    status: Annotated[str | None, typer.Option(metavar="STATUS", help=", ".join(STATUSES))] = None,
    limit: Annotated[int, typer.Option(metavar="N", min=1, max=100_000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object a line")] = False,
) -> None:
    """List the ledger, newest first, with the person each reward is for.

    \b
    Examples:
      referral-bot rewards list --status pending
      referral-bot rewards list --json | jq .amount
    """
    if status is not None and status not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}")

    async def work(bot: ReferralBot, tx: Tx, now: datetime) -> Done[list[Listed]]:
        rewards = await tx.rewards.listing(status=status, limit=limit)
        names: dict[int, tuple[str, str | None]] = {}
        for pid in {r.participant_id for r in rewards}:
            names[pid] = await _name_of(tx, pid)
        return Done(
            [(r, *names[r.participant_id], reward_text(bot.catalogs, "en", r)) for r in rewards]
        )

    rows, _ = _run(work)
    if as_json:
        for r, name, _phone, _what in rows:
            typer.echo(json.dumps(_row(r) | {"person": name}, ensure_ascii=False))
        return
    show(
        ("id", "person", "side", "reward", "status", "why", "clears (UTC)", "rule"),
        [
            (
                str(r.id),
                _shown(name, r.participant_id, phone),
                r.side,
                what,
                r.status,
                r.held or r.reason or "",
                r.hold_until.strftime("%Y-%m-%d") if r.status == "pending" else "",
                f"{r.rule_id} v{r.rule_version}",
            )
            for r, name, phone, what in rows
        ],
    )


async def _name_of(tx: Tx, participant_id: int) -> tuple[str, str | None]:
    """Their name and, when they have none, their SMS number (shown masked)."""
    person = await tx.participants.get(participant_id)
    if person is not None and person.display_name.strip():
        return person.display_name, None
    identities = await tx.participants.identities_of(participant_id)
    phone = next((i.address.id for i in identities if i.address.channel == "sms"), None)
    return "", phone


def _shown(name: str, participant_id: int, phone: str | None) -> str:
    known = known_as(name, phone)
    return f"{known} (#{participant_id})" if known else f"participant #{participant_id}"


@app.command("approve")
def rewards_approve(
    reward_id: Annotated[int, typer.Argument(metavar="ID", help="the reward's id (rewards list)")],
) -> None:
    """Approve a pending reward now (a held one: the reviewer vouches for its referral).

    \b
    Example:
      referral-bot rewards approve 12
    """

    told = _decide(reward_id, "approve")
    typer.echo(f"reward {reward_id} approved; {counted(told, 'message')} queued")


@app.command("issue")
def rewards_issue(
    reward_id: Annotated[int, typer.Argument(metavar="ID", help="the reward's id (rewards list)")],
) -> None:
    """Record that an approved reward was paid out.

    \b
    Example:
      referral-bot rewards issue 12
    """

    _decide(reward_id, "issue")
    typer.echo(f"reward {reward_id} issued")


@app.command("void")
def rewards_void(
    reward_id: Annotated[int, typer.Argument(metavar="ID", help="the reward's id (rewards list)")],
    reason: Annotated[str, typer.Option(metavar="WHY", help="why; the customer is told")],
) -> None:
    """Void a pending or approved reward, for a reason the customer is told.

    \b
    Example:
      referral-bot rewards void 12 --reason "duplicate account"
    """
    if not reason.strip():
        raise fail("say why: --reason is what the customer is told")
    told = _decide(reward_id, "void", reason)
    typer.echo(f"reward {reward_id} voided; {counted(told, 'message')} queued")


@app.command("release")
def rewards_release() -> None:
    """Approve every reward whose hold has ended now (the worker does this periodically).

    \b
    Example:
      referral-bot rewards release
    """

    async def work(bot: ReferralBot, tx: Tx, now: datetime) -> Done[int]:
        news = await release_holds(tx, bot.program, now=now)
        return Done(len(news.approved), await announce(bot.context, tx, news, now=now))

    approved, told = _run(work)
    typer.echo(f"{counted(approved, 'reward')} approved; {counted(told, 'message')} queued")
