"""What a staff member asked for in Slack, as the Slack channel translates it for the desk."""

from __future__ import annotations

from dataclasses import dataclass

SUBCOMMANDS = frozenset({"clients", "nudge"})  # `/referrals <sub>` that are staff work

# The action ids on staff buttons; each button's value is the ask or reward it acts on.
ASK_SEND = "staff_ask_send"
ASK_EDIT = "staff_ask_edit"
ASK_CANCEL = "staff_ask_cancel"
REWARD_APPROVE = "staff_reward_approve"
REWARD_VOID = "staff_reward_void"
ACTIONS = frozenset({ASK_SEND, ASK_EDIT, ASK_CANCEL, REWARD_APPROVE, REWARD_VOID})


@dataclass(frozen=True, slots=True)
class Spot:
    """A message of ours in Slack, as someone acting on it sees it: to change it in place or
    answer under it. (Posted to a user id, a DM's channel id is only known from their click.)"""

    user: str
    where: str  # the conversation
    message: str  # the message's ts


@dataclass(frozen=True, slots=True)
class Command:
    """`/referrals clients [search]` or `/referrals nudge <client>`."""

    user: str
    name: str
    args: str
    event_id: str


@dataclass(frozen=True, slots=True)
class Click:
    """A staff button: `where` and `message` locate the message it is on, to change in place."""

    user: str
    action: str
    target: int
    where: str
    message: str
    event_id: str

    @property
    def spot(self) -> Spot:
        return Spot(self.user, self.where, self.message)


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """Something typed in the thread under a message of ours (new wording for a draft)."""

    user: str
    text: str
    where: str
    thread: str
    event_id: str

    @property
    def spot(self) -> Spot:
        return Spot(self.user, self.where, self.thread)


class Refused(Exception):
    """The request changes nothing; `why` is what the staff member is told."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why
