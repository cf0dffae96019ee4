"""Wrong passwords are what sign-in limits: per e-mail and network, and more loosely per network
across e-mails. The owner on another network is never kept out; staff signing in behind one
NAT never use each other's tries up."""

from __future__ import annotations

from datetime import timedelta

from starlette.types import ASGIApp

from bot.core.clock import FakeClock
from bot.http.admin.sign_in_limit import SignInLimit
from tests.http.dashboard_kit import OWNER, VIEWER, on_network, sign_in

ATTACKER = "198.51.100.7"
OWNERS_HOME = "203.0.113.9"
OFFICE = "192.0.2.40"  # everyone at the shop, behind one NAT


def wrong(limit: SignInLimit, email: str, network: str, times: int) -> list[bool]:
    """`times` attempts that turn out wrong: whether each was let through to be checked."""
    return [limit.admit(email, network) for _ in range(times)]


def test_an_attacker_guessing_the_owners_password_waits_and_the_owner_does_not(
    clock: FakeClock,
) -> None:
    limit = SignInLimit(clock=clock)
    assert wrong(limit, OWNER[0], ATTACKER, 6) == [True] * 5 + [False]
    assert limit.admit(OWNER[0], OWNERS_HOME)
    limit.passed(OWNER[0], OWNERS_HOME)
    clock.advance(timedelta(seconds=30))
    assert wrong(limit, OWNER[0], ATTACKER, 2) == [True, False]  # one more every 30 s
    assert limit.admit(OWNER[0], OWNERS_HOME)


def test_signing_in_costs_nothing_and_clears_that_pairs_failures(clock: FakeClock) -> None:
    limit = SignInLimit(clock=clock)
    for _ in range(100):  # everyone at the shop, all day, from one address
        for email in (OWNER[0], VIEWER[0]):
            assert limit.admit(email, OFFICE)
            limit.passed(email, OFFICE)
    assert wrong(limit, OWNER[0], OFFICE, 4) == [True] * 4
    assert limit.admit(OWNER[0], OFFICE)
    limit.passed(OWNER[0], OFFICE)  # the fifth try was right: the four typos are forgotten
    assert wrong(limit, OWNER[0], OFFICE, 6) == [True] * 5 + [False]


def test_one_network_trying_many_emails_waits_after_twenty(clock: FakeClock) -> None:
    limit = SignInLimit(clock=clock)
    tried = [limit.admit(f"user{n}@shop.example", ATTACKER) for n in range(21)]
    assert tried == [True] * 20 + [False]
    assert limit.admit("user0@shop.example", OWNERS_HOME)  # another network tries on
    clock.advance(timedelta(seconds=10))
    assert [limit.admit(f"more{n}@shop.example", ATTACKER) for n in range(2)] == [True, False]


def test_a_refused_attempt_is_not_counted_against_its_pair(clock: FakeClock) -> None:
    limit = SignInLimit(clock=clock)
    assert all(limit.admit(f"user{n}@shop.example", ATTACKER) for n in range(20))
    assert wrong(limit, OWNER[0], ATTACKER, 3) == [False] * 3  # the network waits
    clock.advance(timedelta(seconds=50))  # five tries again for the network
    assert wrong(limit, OWNER[0], ATTACKER, 6) == [True] * 5 + [False]


async def test_the_owner_signs_in_from_home_while_someone_guesses_elsewhere(
    admin_app: ASGIApp,
) -> None:
    async with on_network(admin_app, ATTACKER) as attacker:
        guesses = [(await sign_in(attacker, OWNER[0], f"guess {n}")).status_code for n in range(6)]
    assert guesses == [401] * 5 + [429]
    async with on_network(admin_app, OWNERS_HOME) as home:
        assert (await sign_in(home, *OWNER)).status_code == 303


async def test_staff_behind_one_nat_sign_in_as_often_as_they_like(admin_app: ASGIApp) -> None:
    async with on_network(admin_app, OFFICE) as office:
        signed_in = [(await sign_in(office, *OWNER)).status_code for _ in range(6)]
        assert signed_in == [303] * 6
        typo = await sign_in(office, VIEWER[0], "look but do not touch!")
        assert typo.status_code == 401 and "That e-mail or password is wrong." in typo.text
