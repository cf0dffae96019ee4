"""Names as others may see them: enough to recognise a friend, not enough to identify a stranger."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """`Alice` -> `Al***`, `김민수` -> `김**`, empty -> `***`."""
    visible = [ch for ch in name.strip() if ch.isprintable()]
    if not visible:
        return "***"
    keep = 2 if len(visible) >= 5 else 1
    return "".join(visible[:keep]) + "*" * min(3, max(2, len(visible) - keep))
