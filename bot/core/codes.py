"""Referral codes: 8 characters of Crockford base32 from `secrets`, read case-insensitively."""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 8
# 40 bits of randomness: about a trillion codes, so guessing one is hopeless at any sane rate.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SHAPE = re.compile(rf"[0-9A-Z]{{{LENGTH}}}")
_SPLITS = re.compile(r"[-. ]")


def new_code() -> str:
    """A fresh code with at least two digits and two letters, so it never reads as a word."""
    while True:
        # One draw of bytes, each byte's low 5 bits a letter: 256 is a multiple of 32, so
        # every letter is as likely as with secrets.choice, at a fraction of its cost.
        code = "".join(ALPHABET[byte & 31] for byte in secrets.token_bytes(LENGTH))
        digits = sum(ch.isdigit() for ch in code)
        if 2 <= digits <= LENGTH - 2:
            return code


def normalize_code(text: str) -> str | None:
    """The canonical code a person meant, or None when it cannot be a code.

    Crockford decoding forgives the look-alikes people type (o for 0, i/l for 1) and the
    hyphens, dots and spaces they split a code with ("K7Q2.M9XA", "k7q2 m9xa").
    """
    candidate = _SPLITS.sub("", text.strip().upper()).translate(_READ_AS)
    if not _SHAPE.fullmatch(candidate) or "U" in candidate:
        return None
    return candidate
