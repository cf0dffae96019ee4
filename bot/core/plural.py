"""Counts in the operator's English ("1 message", "3 messages"), for the CLI and the dashboard.

Customers' words come from the catalogs, with each language's plural rules (Babel); these
are the operator's own lines, English only, where "message(s)" read like a form to fill in.
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`counted(1, "problem")` is "1 problem", `counted(2, "problem")` "2 problems";
    `plural` where adding an s is wrong (`counted(2, "reply", "replies")`)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
