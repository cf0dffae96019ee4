"""How fast passwords may be guessed at /admin/sign-in: wrong passwords are limited, never a
person who knows theirs.

Failures count per (e-mail, network) pair: someone guessing the owner's password from one
network slows only that pair, and the owner signing in from another network is never kept out.
A looser limit per network counts its failures across every e-mail, so one address cannot try a
leaked list of e-mails and passwords quickly either. A right password costs nothing and clears
its pair's failures, so staff behind one NAT do not use each other's tries up by signing in.

The counts are kept in the database (core/store/rate_buckets.py): every `serve` process behind
a load balancer charges the same buckets, and a restart gives an attacker no fresh tries.
"""

from __future__ import annotations

from bot.core.clock import Clock, to_micros
from bot.core.store import Store, Tx
from bot.core.store.rate_buckets import Rate

SECOND = 1_000_000
# Five wrong passwords at once for one e-mail from one network, then one every 30 s.
PAIR = Rate(burst=5, interval=30 * SECOND)
# Twenty from one network whatever the e-mails, then one every 10 s.
NETWORK = Rate(burst=20, interval=10 * SECOND)
PRUNE_EVERY = 100  # attempts between clearing buckets that are full again


class SignInLimit:
    def __init__(self, *, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._attempts = 0

    async def admit(self, email: str, network: str) -> bool:
        """May this attempt be checked? It is charged as a failure now, committed before the
        password is checked, and given back by `passed`: two guesses in flight at once, in one
        process or two, cannot both slip under the limit."""
        now = to_micros(self._clock.now())
        self._attempts += 1
        async with self._store.transaction() as tx:
            buckets = tx.rate_buckets
            if self._attempts % PRUNE_EVERY == 0:
                await buckets.prune(now=now)
            if not await buckets.take(_network(network), NETWORK, now=now):
                return False
            if not await buckets.take(_pair(email, network), PAIR, now=now):
                await buckets.give_back(_network(network), NETWORK, now=now)
                return False
        return True

    async def passed(self, tx: Tx, email: str, network: str) -> None:
        """The password was right: its charge back, and the pair's failures forgotten, in the
        transaction that signs them in."""
        now = to_micros(self._clock.now())
        await tx.rate_buckets.give_back(_network(network), NETWORK, now=now)
        await tx.rate_buckets.forget(_pair(email, network))


def _network(network: str) -> str:
    return f"sign-in {network}"


def _pair(email: str, network: str) -> str:
    return f"sign-in {network} {email}"  # a network address has no space: no two keys clash
