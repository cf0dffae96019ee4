"""`/referrals clients`: the account manager's clients, and whether to ask each of them now."""

from __future__ import annotations

from datetime import timedelta

from bot.core.messages import Address, Outbound
from tests.staff.kit import MANAGER, NOBODY, OTHER_MANAGER, REVIEWER, Rig


async def seed(rig: Rig) -> None:
    await rig.client(
        Address("sms", "+14155550101"), name="Ann Lee", company="Acme Corp", zone="Europe/London"
    )
    await rig.client(Address("telegram", "5551001"), name="Bo Park", company="Beta Ltd", days=45)
    cedar = Address("sms", "+14155550103")
    await rig.client(cedar, name="Chen Wei", company="Cedar Co", zone="Europe/London")
    await rig.client(
        Address("sms", "+821012345678"),
        name="김민지",
        company="Dalim",
        lang="ko",
        zone="Asia/Seoul",
    )
    echo = await rig.client(
        Address("sms", "+14155550105"), name="Eve", company="Echo", zone="Europe/London"
    )
    await rig.client(
        Address("sms", "+14155550106"), name="Fay", company="Foxtrot", manager=OTHER_MANAGER
    )
    asked = rig.clock.now() - timedelta(days=10)
    async with rig.bot.store.transaction() as tx:
        await tx.participants.set_opted_out(cedar, True)
        row = await tx.outbox.enqueue(
            Outbound(Address("sms", "+14155550105"), "Know a team we could help?"),
            kind="ask",
            due_at=asked,
            at=asked,
            participant_id=echo.id,
        )
        assert row is not None
        await tx.outbox.mark_sent(row, provider_id="SM1", at=asked)


def line(answer: str, company: str) -> str:
    [found] = [row for row in answer.splitlines() if f"*{company}*" in row]
    return found


async def test_an_account_manager_sees_each_client_and_whether_to_ask(rig: Rig) -> None:
    await seed(rig)
    response = await rig.command("clients", user=MANAGER)
    assert response.status_code == 200
    answer = response.text
    assert answer.startswith("*Your clients*")
    assert "Foxtrot" not in answer  # another manager's client
    assert line(answer, "Acme Corp").endswith(
        "· SMS · 0 referrals · never asked · :white_check_mark: a good time to ask"
    )
    assert "a client for 45 days; the program asks after 90" in line(answer, "Beta Ltd")
    assert "Telegram" in line(answer, "Beta Ltd")
    assert "opted out of messages (STOP on SMS)" in line(answer, "Cedar Co")
    assert "quiet hours in Asia/Seoul now: it would go at 08:00 Tue 24 Nov (Asia/Seoul)" in line(
        answer, "Dalim"
    )
    echo = line(answer, "Echo")
    assert "last asked <!date^" in echo
    assert "asked 10 days ago; the program waits 30 days between asks" in echo
    assert "`/referrals nudge <company, name or phone>`" in answer
    assert await rig.bot.dispatcher.dispatch_due() == 0  # an answer, not a message


async def test_a_search_narrows_the_list(rig: Rig) -> None:
    await seed(rig)
    answer = (await rig.command("clients acme", user=MANAGER)).text
    assert answer.startswith("*Your clients* matching “acme”")
    assert [row for row in answer.splitlines() if row.startswith("•")] == [
        line(answer, "Acme Corp")
    ]


async def test_a_reviewer_sees_every_b2b_client_with_their_manager(rig: Rig) -> None:
    await seed(rig)
    answer = (await rig.command("clients", user=REVIEWER)).text
    assert answer.startswith("*B2B clients*")
    assert f"*Foxtrot* (Fay) · <@{OTHER_MANAGER}>" in answer
    assert f"*Acme Corp* (Ann Lee) · <@{MANAGER}>" in answer


async def test_anyone_else_is_politely_refused_and_nothing_is_recorded(rig: Rig) -> None:
    await seed(rig)
    for words in ("clients", "nudge Acme Corp"):
        response = await rig.command(words, user=NOBODY)
        assert response.status_code == 200
        assert response.text.startswith("Sorry, `/referrals clients` and `/referrals nudge` are")
    async with rig.bot.store.transaction() as tx:
        assert await tx.conn.fetchval("SELECT COUNT(*) FROM inbound_events") == 0
        assert await tx.conn.fetchval("SELECT COUNT(*) FROM staff_asks") == 0


async def test_a_manager_without_clients_yet(rig: Rig) -> None:
    answer = (await rig.command("clients", user=REVIEWER)).text
    assert answer == "B2B clients: none. The customer import names each client's account manager."
