"""A participant as the business's staff tell them apart in lists (the CLI, the dashboard):
their name, or for someone who never gave one (an SMS-only referrer), their masked number.

Only staff read these: customers see names through flows/names.py, and never a number.
"""

from __future__ import annotations

from bot.core.phones import masked_number


def known_as(name: str, phone: str | None = None) -> str:
    """The name, else the masked phone number, else ""."""
    return name.strip() or (masked_number(phone) if phone else "")


def staff_name(name: str, *, participant_id: int, phone: str | None = None) -> str:
    """`known_as`, or for someone known by neither, their participant number."""
    return known_as(name, phone) or f"participant #{participant_id}"
