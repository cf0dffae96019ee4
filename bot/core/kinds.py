"""Outbox kinds, in one place: which messages answer the person and which we start ourselves.

A direct answer goes out at once, day or night, and is never capped. Everything else is
proactive: quiet hours and the weekly cap apply. A kind not listed as direct counts as proactive,
so a new kind someone forgets to list errs on the side of not waking people up.
"""

from __future__ import annotations

REPLY = "reply"  # the answer to what the person just wrote
OPTOUT_CONFIRMATION = "optout_confirmation"  # "you're unsubscribed": the one message after STOP
STAFF = "staff"  # to the business's own people in Slack (cards, digests): work, not marketing
CLARIFY = "clarify"  # "did you mean 1) ... or 2) ...?": a reply whose numbers answer it

DIRECT_KINDS = frozenset({REPLY, OPTOUT_CONFIRMATION, STAFF, CLARIFY})
PROACTIVE_KINDS = frozenset({"thanks", "reward", "reminder", "ask"})  # the ones in use today

# Kinds that may reach an opted-out address: the confirmation that STOP worked.
PAST_OPT_OUT = frozenset({OPTOUT_CONFIRMATION})


def is_proactive(kind: str) -> bool:
    """Quiet hours and the weekly cap apply; unknown kinds are proactive (fail safe)."""
    return kind not in DIRECT_KINDS
