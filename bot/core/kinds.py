"""Outbox kinds, in one place: which messages answer the person and which we start ourselves.

A direct answer goes out at once, day or night, and is never capped. Everything else is
proactive: quiet hours and the weekly cap apply. `is_proactive` errs on the side of not waking
people up: anything not listed as direct is proactive.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

OutboxKind = Literal[
    "reply",  # the answer to what the person just wrote
    "optout_confirmation",  # "you're unsubscribed": the one message after STOP
    "staff",  # to the business's own people in Slack (cards, digests): work, not marketing
    "clarify",  # "did you mean 1) ... or 2) ...?": a reply whose numbers answer it
    "thanks",  # a referrer thanked for a friend's signup
    "reward",  # news of a reward: earned, approved, voided, a milestone, a cap
    "reminder",  # the nudge to share a link nobody clicked yet
    "ask",  # the referral ask after a purchase, or an account manager's to a client
    "webhook",  # an event to the business's CRM: a machine, no quiet hours, no cap
]
OUTBOX_KINDS: Final[frozenset[str]] = frozenset(get_args(OutboxKind))

REPLY: Final = "reply"
OPTOUT_CONFIRMATION: Final = "optout_confirmation"
STAFF: Final = "staff"
CLARIFY: Final = "clarify"
THANKS: Final = "thanks"
REWARD: Final = "reward"
REMINDER: Final = "reminder"
ASK: Final = "ask"
WEBHOOK: Final = "webhook"

DIRECT_KINDS: Final[frozenset[str]] = frozenset(
    {REPLY, OPTOUT_CONFIRMATION, STAFF, CLARIFY, WEBHOOK}
)

# An outbox row's priority: direct answers are claimed before proactive messages.
DIRECT: Final = 0
PROACTIVE: Final = 1

# Kinds that may reach an opted-out address: the confirmation that STOP worked.
PAST_OPT_OUT: Final[frozenset[str]] = frozenset({OPTOUT_CONFIRMATION})


def is_proactive(kind: str) -> bool:
    """Quiet hours and the weekly cap apply; a kind read back from an older row that is not
    direct is proactive (fail safe)."""
    return kind not in DIRECT_KINDS
