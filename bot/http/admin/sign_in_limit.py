"""How fast passwords may be guessed at /admin/sign-in: wrong passwords are limited, never a
person who knows theirs.

Failures count per (e-mail, network) pair: someone guessing the owner's password from one
network slows only that pair, and the owner signing in from another network is never kept out.
A looser limit per network counts its failures across every e-mail, so one address cannot try a
leaked list of e-mails and passwords quickly either. A right password costs nothing and clears
its pair's failures, so staff behind one NAT do not use each other's tries up by signing in.
"""

from __future__ import annotations

from bot.core.clock import Clock
from bot.http.ratelimit import RateLimit


class SignInLimit:
    def __init__(self, *, clock: Clock) -> None:
        # Five wrong passwords at once for one e-mail from one network, then one every 30 s.
        self._pairs = RateLimit(clock=clock, rate=1 / 30, burst=5)
        # Twenty from one network whatever the e-mails, then one every 10 s.
        self._networks = RateLimit(clock=clock, rate=1 / 10, burst=20)

    def admit(self, email: str, network: str) -> bool:
        """May this attempt be checked? It is charged as a failure now and given back by
        `passed`: two guesses in flight at once cannot both slip under the limit."""
        if not self._networks.allow(network):
            return False
        if not self._pairs.allow(_pair(email, network)):
            self._networks.refund(network)
            return False
        return True

    def passed(self, email: str, network: str) -> None:
        """The password was right: its charge back, and the pair's failures forgotten."""
        self._networks.refund(network)
        self._pairs.forget(_pair(email, network))


def _pair(email: str, network: str) -> str:
    return f"{network} {email}"  # a network address has no space: no two pairs share a key
