"""Who may do what from Slack, and where staff messages go.

Reviewers (`SLACK_STAFF_USERS`, the program's owners) see every B2B client and decide held
rewards; account managers (anyone the customer import names as one) see and ask their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.messages import Address
from bot.core.staffing import Staffing
from bot.core.store import Tx

CHANNEL = "slack"


@dataclass(frozen=True, slots=True)
class Role:
    reviewer: bool = False
    manager: bool = False

    @property
    def staff(self) -> bool:
        return self.reviewer or self.manager


async def role_of(tx: Tx, staff: Staffing, user: str) -> Role:
    return Role(reviewer=user in staff.reviewers, manager=await tx.staff.manages(user))


def person(user: str) -> Address:
    """A staff member's DM. A bare user id rather than `team:user`: the app lives in one
    workspace, and messages that start in the core (a signup's card) do not know the team.
    It also keeps work apart from their customer identity, should they have one: a STOP they
    sent as a customer does not silence their work."""
    return Address(CHANNEL, user)


def room(channel: str) -> Address:
    """A Slack channel, such as the notification channel."""
    return Address(CHANNEL, channel)
