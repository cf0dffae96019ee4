"""Cells of the CSV files the business opens in a spreadsheet: text stays text."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """A name that starts like a formula is not run by a spreadsheet (CSV injection, OWASP)."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text
