"""Signed, timestamped tokens for cookies and forms (itsdangerous): tamper-evident, not secret.

One secret per deployment; each use signs with its own salt, so a chat-visitor cookie can never
pass for a dashboard session or a CSRF token. Token age is read from the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from bot.core.clock import Clock, SystemClock


@dataclass(frozen=True, slots=True)
class Signer:
    secret: str
    salt: str
    clock: Clock = field(default_factory=SystemClock)

    def _serializer(self) -> URLSafeTimedSerializer:
        clock = self.clock

        class ClockedSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        return URLSafeTimedSerializer(self.secret, salt=self.salt, signer=ClockedSigner)

    def sign(self, value: Any) -> str:
        return str(self._serializer().dumps(value))

    def read(self, token: str | None, *, max_age: int) -> Any | None:
        """The signed value, or None when the token is missing, forged, mangled or too old."""
        if not token or len(token) > 4096:
            return None
        try:
            return self._serializer().loads(token, max_age=max_age)
        except BadData:
            return None
