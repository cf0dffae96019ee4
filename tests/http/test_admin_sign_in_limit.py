"""Wrong passwords are what sign-in limits: per e-mail and network, and more loosely per network
across e-mails. The owner on another network is never kept out; staff signing in behind one
NAT never use each other's tries up. The counts are the database's: every process behind a load
balancer charges the same ones, and a restart gives no fresh tries."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from starlette.types import ASGIApp

from bot.core.clock import FakeClock
from bot.core.store import Store, open_store
from bot.http.admin.sign_in_limit import SignInLimit
from bot.web import create_app
from tests.http.dashboard_kit import OWNER, VIEWER, dashboard_bot, on_network, sign_in

ATTACKER = "198.51.100.7"
OWNERS_HOME = "203.0.113.9"
OFFICE = "192.0.2.40"  # everyone at the shop, behind one NAT


async def wrong(limit: SignInLimit, email: str, network: str, times: int) -> list[bool]:
    """`times` attempts that turn out wrong: whether each was let through to be checked."""
    return [await limit.admit(email, network) for _ in range(times)]


async def right(limit: SignInLimit, store: Store, email: str, network: str) -> bool:
    """An attempt with the right password: let through, and then signed in."""
    if not await limit.admit(email, network):
        return False
    async with store.transaction() as tx:
        await limit.passed(tx, email, network)
    return True


async def test_an_attacker_guessing_the_owners_password_waits_and_the_owner_does_not(
    store: Store, clock: FakeClock
) -> None:
    limit = SignInLimit(store=store, clock=clock)
    assert await wrong(limit, OWNER[0], ATTACKER, 6) == [True] * 5 + [False]
    assert await right(limit, store, OWNER[0], OWNERS_HOME)
    clock.advance(timedelta(seconds=30))
    assert await wrong(limit, OWNER[0], ATTACKER, 2) == [True, False]  # one more every 30 s
    assert await limit.admit(OWNER[0], OWNERS_HOME)


async def test_signing_in_costs_nothing_and_clears_that_pairs_failures(
    store: Store, clock: FakeClock
) -> None:
    limit = SignInLimit(store=store, clock=clock)
    for _ in range(30):  # everyone at the shop, all day, from one address
        for email in (OWNER[0], VIEWER[0]):
            assert await right(limit, store, email, OFFICE)
    assert await wrong(limit, OWNER[0], OFFICE, 4) == [True] * 4
    assert await right(limit, store, OWNER[0], OFFICE)  # the fifth try was right: typos forgotten
    assert await wrong(limit, OWNER[0], OFFICE, 6) == [True] * 5 + [False]


async def test_one_network_trying_many_emails_waits_after_twenty(
    store: Store, clock: FakeClock
) -> None:
    limit = SignInLimit(store=store, clock=clock)
    tried = [await limit.admit(f"user{n}@shop.example", ATTACKER) for n in range(21)]
    assert tried == [True] * 20 + [False]
    assert await limit.admit("user0@shop.example", OWNERS_HOME)  # another network tries on
    clock.advance(timedelta(seconds=10))
    assert [await limit.admit(f"more{n}@shop.example", ATTACKER) for n in range(2)] == [
        True,
        False,
    ]


async def test_a_refused_attempt_is_not_counted_against_its_pair(
    store: Store, clock: FakeClock
) -> None:
    limit = SignInLimit(store=store, clock=clock)
    assert all([await limit.admit(f"user{n}@shop.example", ATTACKER) for n in range(20)])
    assert await wrong(limit, OWNER[0], ATTACKER, 3) == [False] * 3  # the network waits
    clock.advance(timedelta(seconds=50))  # five tries again for the network
    assert await wrong(limit, OWNER[0], ATTACKER, 6) == [True] * 5 + [False]


async def test_two_processes_and_a_restart_count_the_same_wrong_passwords(
    store: Store, clock: FakeClock
) -> None:
    other = await open_store(store.db.url)  # a second `serve` on the same database
    try:
        first, second = SignInLimit(store=store, clock=clock), SignInLimit(store=other, clock=clock)
        assert await wrong(first, OWNER[0], ATTACKER, 3) == [True] * 3
        assert await wrong(second, OWNER[0], ATTACKER, 3) == [True] * 2 + [False]
        assert await wrong(first, OWNER[0], ATTACKER, 1) == [False]
    finally:
        await other.close()
    restarted = await open_store(store.db.url)
    try:
        again = SignInLimit(store=restarted, clock=clock)
        assert await wrong(again, OWNER[0], ATTACKER, 1) == [False]
        clock.advance(timedelta(seconds=30))
        assert await wrong(again, OWNER[0], ATTACKER, 2) == [True, False]
    finally:
        await restarted.close()


async def test_two_guesses_at_once_on_two_processes_get_one_last_try(
    store: Store, clock: FakeClock
) -> None:
    other = await open_store(store.db.url)
    try:
        first, second = SignInLimit(store=store, clock=clock), SignInLimit(store=other, clock=clock)
        assert await wrong(first, OWNER[0], ATTACKER, 4) == [True] * 4
        both = await asyncio.gather(
            first.admit(OWNER[0], ATTACKER), second.admit(OWNER[0], ATTACKER)
        )
        assert sorted(both) == [False, True]
    finally:
        await other.close()


async def test_buckets_full_again_are_cleared_as_attempts_go_on(
    store: Store, clock: FakeClock
) -> None:
    limit = SignInLimit(store=store, clock=clock)
    await wrong(limit, OWNER[0], ATTACKER, 3)
    clock.advance(timedelta(minutes=10))  # both of its buckets are full again
    for n in range(97):  # the 100th attempt clears them; these 97 networks' are not full
        assert await limit.admit(OWNER[0], f"192.0.2.{n}")
    async with store.transaction() as tx:
        keys = {r[0] for r in await tx.conn.fetchall("SELECT key FROM rate_buckets")}
    assert f"sign-in {ATTACKER}" not in keys and len(keys) == 2 * 97


async def test_the_owner_signs_in_from_home_while_someone_guesses_elsewhere(
    admin_app: ASGIApp,
) -> None:
    async with on_network(admin_app, ATTACKER) as attacker:
        guesses = [(await sign_in(attacker, OWNER[0], f"guess {n}")).status_code for n in range(6)]
    assert guesses == [401] * 5 + [429]
    async with on_network(admin_app, OWNERS_HOME) as home:
        assert (await sign_in(home, *OWNER)).status_code == 303


async def test_guesses_spread_over_two_servers_behind_a_load_balancer_meet_one_limit(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    other = await open_store(store.db.url)
    try:
        servers = [
            create_app(await dashboard_bot(db, tmp_path, "https://ref.example", clock=clock),
                       run_background=False)
            for db in (store, other)
        ]  # fmt: skip
        guesses = []
        for n in range(6):
            async with on_network(servers[n % 2], ATTACKER) as attacker:
                guesses.append((await sign_in(attacker, OWNER[0], f"guess {n}")).status_code)
        assert guesses == [401] * 5 + [429]
    finally:
        await other.close()


async def test_staff_behind_one_nat_sign_in_as_often_as_they_like(admin_app: ASGIApp) -> None:
    async with on_network(admin_app, OFFICE) as office:
        signed_in = [(await sign_in(office, *OWNER)).status_code for _ in range(6)]
        assert signed_in == [303] * 6
        typo = await sign_in(office, VIEWER[0], "look but do not touch!")
        assert typo.status_code == 401 and "That e-mail or password is wrong." in typo.text
