"""The staff settings every story may need: who reviews held rewards, where notices go."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.customers import StaffDirectory


@dataclass(frozen=True, slots=True, kw_only=True)
class Staffing:
    """The staff settings: reviewers' Slack user ids and the channel notifications go to."""

    reviewers: frozenset[str] = frozenset()
    notify_channel: str | None = None

    @classmethod
    def parse(cls, *, staff_users: str, notify_channel: str | None) -> Staffing:
        """`staff_users` as SLACK_STAFF_USERS spells it: `U1,U2` or `U1=ann@corp.com,...`."""
        return cls(
            reviewers=StaffDirectory(staff_users).ids,
            notify_channel=(notify_channel or "").strip() or None,
        )
