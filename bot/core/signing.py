"""Signed, timestamped tokens for cookies and forms (itsdangerous): tamper-evident, not secret.

One secret per deployment; each use signs with its own salt, so a chat-visitor cookie can never
pass for a dashboard session or a CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer


@dataclass(frozen=True, slots=True)
class Signer:
    secret: str
    salt: str

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=self.salt)

    def sign(self, value: Any) -> str:
        return str(self._serializer().dumps(value))

    def read(self, token: str | None, *, max_age: float) -> Any | None:
        """The signed value, or None when the token is missing, forged, mangled or too old."""
        if not token or len(token) > 4096:
            return None
        try:
            return self._serializer().loads(token, max_age=max_age)
        except BadData:
            return None
