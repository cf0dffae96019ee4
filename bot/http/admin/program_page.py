"""Program: the program in force in plain words, and a check of a candidate file (nothing
changes until the server restarts with REFERRAL_PROGRAM pointing at the new file)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core.grammar_files import default_locales_dir
from bot.core.i18n import Catalogs
from bot.core.program import (
    BUILT_IN_LANDING,
    NO_SUPPORT,
    Program,
    ProgramError,
    RewardRule,
    parse_program,
)
from bot.core.reward_rules import Amount
from bot.core.reward_text import describe
from bot.http.admin.desk import STAFF_LANG, Desk
from bot.http.admin.session import Sessions, Visit, guarded

MAX_FILE = 256_000  # bytes; a program file is a page of TOML
NO_FILE = "No file was chosen: choose a program file (.toml) to check."


@dataclass(frozen=True, slots=True)
class RuleLine:
    id: str
    side: str
    amounts: list[tuple[str, str]]  # (from date, or "" since the start; amount in words)
    cap: str


def describe_rules(program: Program, catalogs: Catalogs) -> list[RuleLine]:
    """`catalogs` carry `program`'s own wording ("{count} Supercharger miles" for points)."""

    def amount(rule: RewardRule, value: Decimal) -> str:
        return describe(
            catalogs, STAFF_LANG, unit=rule.unit, measure=rule.measure, label=None, amount=value
        )

    lines = []
    for rule in program.rewards:
        amounts = [(_since(a), amount(rule, a.amount)) for a in rule.amounts] or [("", _perk(rule))]
        if rule.unit == "perk":
            amounts = [(since, _perk(rule)) for since, _ in amounts]
        cap = "" if rule.cap is None else amount(rule, rule.cap)
        lines.append(RuleLine(rule.id, rule.side, amounts, cap))
    return lines


def _since(amount: Amount) -> str:
    """An amount without a `since` in the file is in force from the start: no date to show."""
    return "" if amount.since == Amount.model_fields["since"].default else amount.since.isoformat()


def _perk(rule: RewardRule) -> str:
    perk = rule.perk
    return perk.get("en", "") if isinstance(perk, dict) else (perk or "")


def program_routes(desk: Desk, sessions: Sessions) -> list[BaseRoute]:
    def show(
        visit: Visit,
        *,
        missing: str = "",
        errors: list[str] | None = None,
        candidate: list[RuleLine] | None = None,
        candidate_name: str = "",
        file_name: str = "",
    ) -> Response:
        program = desk.program
        return desk.page(
            visit,
            "program.html",
            here="/admin/program",
            title="Program",
            program=program,
            rules=describe_rules(program, desk.catalogs),  # the running program's wording
            milestones=[(m.count, m.text("en")) for m in program.milestones],
            landing=program.landing_url or BUILT_IN_LANDING,
            support=program.support or NO_SUPPORT,
            missing=missing,
            errors=errors or [],
            candidate=candidate,
            candidate_name=candidate_name,
            file_name=file_name,
        )

    async def page(visit: Visit) -> Response:
        return show(visit)

    async def check(visit: Visit) -> Response:
        form = await visit.request.form()
        upload = form.get("program")
        # With no file chosen a browser still sends the field: no name, no bytes.
        if not isinstance(upload, UploadFile) or not upload.filename:
            return show(visit, missing=NO_FILE)
        raw = await upload.read(MAX_FILE + 1)
        name = upload.filename[:100]
        if not raw.strip():  # every setting has a default, but nobody means an empty program
            return show(visit, errors=[f"{name} is empty."], file_name=name)
        if len(raw) > MAX_FILE:
            return show(visit, errors=[f"{name} is over {MAX_FILE // 1000} KB."], file_name=name)
        try:
            candidate = parse_program(raw.decode("utf-8"), source=name)
        except UnicodeDecodeError:
            return show(visit, errors=[f"{name} is not UTF-8 text."], file_name=name)
        except ProgramError as exc:
            # One line a mistake; a line's own "; did you mean ...?" stays on it.
            errors = list(exc.problems) or [str(exc).removeprefix(f"{name}: ")]
            return show(visit, errors=errors, file_name=name)
        try:  # the candidate's [messages] overrides, on the shipped catalogs, as `serve` loads them
            wording = Catalogs.load(default_locales_dir()).with_overrides(candidate.messages)
        except ValueError as exc:  # an override the catalogs refuse: `serve` would not start
            return show(visit, errors=[f"messages: {exc}"], file_name=name)
        return show(
            visit,
            candidate=describe_rules(candidate, wording),
            candidate_name=candidate.name,
            file_name=name,
        )

    return [
        Route("/admin/program", guarded(sessions, page), methods=["GET"]),
        Route("/admin/program", guarded(sessions, check), methods=["POST"]),
    ]
