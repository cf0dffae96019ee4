"""`/referrals nudge`: an account manager drafts a client's referral ask in Slack, and Send,
Edit and Cancel it from the card; the ask reaches the client on their own channel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.core.channel import DeliveryFailed
from bot.core.messages import Address
from bot.core.store.records import Participant
from bot.staff.requests import ASK_CANCEL, ASK_EDIT, ASK_SEND
from tests.staff.kit import MANAGER, OTHER_MANAGER, Rig, buttons, dm_of, slack_id, text

DM = dm_of(MANAGER)
ACME = Address("sms", "+14155550101")


async def acme(rig: Rig) -> Participant:
    return await rig.client(ACME, name="Ann Lee", company="Acme Corp", zone="Europe/London")


def link(client: Participant) -> str:
    return f"https://ref.example/r/{client.code}"


async def card(rig: Rig, words: str) -> dict[str, Any]:
    """`/referrals nudge <words>` and the card it leaves in the manager's DM."""
    response = await rig.command(f"nudge {words}", user=MANAGER)
    assert response.status_code == 200
    await rig.flush()
    return rig.posted(DM)[-1]


def now_reads(rig: Rig, message: dict[str, Any]) -> dict[str, Any]:
    return rig.fake.messages[(message["channel"], message["ts"])]


async def test_draft_send_and_the_client_gets_it_by_sms(rig: Rig) -> None:
    client = await acme(rig)
    response = await rig.command("nudge Acme Corp", user=MANAGER)
    assert response.text == (
        "Drafted an ask for *Acme Corp* (Ann Lee): "
        "it's in your DM with me, to Send, Edit or Cancel."
    )
    await rig.flush()
    [draft] = rig.posted(DM)
    ask = rig.bot.catalogs.text("en", "ask.b2b", name="Ann Lee", link=link(client))
    assert text(draft) == "\n".join(
        [
            ":memo: *Draft referral ask* for *Acme Corp* (Ann Lee) · SMS · English",
            f"> {ask}",
            ":white_check_mark: A good time to ask.",
        ]
    )
    ask_id = buttons(draft)[0][1]
    assert buttons(draft) == [(ASK_SEND, ask_id), (ASK_EDIT, ask_id), (ASK_CANCEL, ask_id)]
    assert rig.sms.sent == []  # nothing reaches the client before Send

    assert (await rig.click(ASK_SEND, ask_id, user=MANAGER, on=draft)).status_code == 200
    await rig.flush()
    [sent] = rig.sms.sent
    assert (sent.to, sent.text) == (ACME, ask)
    card_now = now_reads(rig, draft)  # changed in place: same message, no buttons
    assert text(card_now).startswith(
        ":outbox_tray: *Referral ask* for *Acme Corp* (Ann Lee) · SMS · English · "
        f"sent by <@{MANAGER}> <!date^"
    )
    assert buttons(card_now) == []
    assert rig.thread(DM, draft["ts"]) == [
        ":white_check_mark: Queued for *Acme Corp* (Ann Lee) on SMS: it goes out now. "
        "I'll tell you here when a friend signs up."
    ]
    assert await rig.sweeps().ask_outcomes() == 1  # the worker looks every minute
    assert await rig.sweeps().ask_outcomes() == 0
    await rig.flush()
    assert rig.thread(DM, draft["ts"])[-1].startswith(
        ":incoming_envelope: Delivered to *Acme Corp* (Ann Lee) <!date^"
    )


async def test_a_second_send_changes_nothing_and_says_why(rig: Rig) -> None:
    await acme(rig)
    draft = await card(rig, "acme")
    ask_id = buttons(draft)[0][1]
    await rig.click(ASK_SEND, ask_id, user=MANAGER, on=draft, action_ts="1795000300.000001")
    await rig.click(ASK_SEND, ask_id, user=MANAGER, on=draft, action_ts="1795000300.000002")
    await rig.flush()
    assert len(rig.sms.sent) == 1
    [why] = rig.ephemeral(MANAGER)
    assert why.startswith(f"This ask was sent by <@{MANAGER}> <!date^")
    assert why.endswith("; nothing changed.")
    # The very same click replayed (same action_ts) is the same event: not even an answer.
    await rig.click(ASK_SEND, ask_id, user=MANAGER, on=draft, action_ts="1795000300.000002")
    await rig.flush()
    assert len(rig.ephemeral(MANAGER)) == 1 and len(rig.sms.sent) == 1


async def test_in_quiet_hours_the_ask_waits_for_the_morning_in_the_clients_language(
    rig: Rig,
) -> None:
    dalim = await rig.client(
        Address("telegram", "5550101"), name="김민지", company="달림", lang="ko", zone="Asia/Seoul"
    )
    draft = await card(rig, "달림")
    assert "· Telegram · Korean" in text(draft)
    assert (
        ":crescent_moon: quiet hours in Asia/Seoul now: "
        "Send queues it to go at 08:00 Tue 24 Nov (Asia/Seoul)."
    ) in text(draft)
    await rig.click(ASK_SEND, buttons(draft)[0][1], user=MANAGER, on=draft)
    await rig.flush()
    assert rig.thread(DM, draft["ts"]) == [
        ":white_check_mark: Queued for *달림* (김민지) on Telegram: quiet hours in Asia/Seoul "
        "now, so it goes at 08:00 Tue 24 Nov (Asia/Seoul). "
        "I'll tell you here when a friend signs up."
    ]
    assert rig.telegram.sent == []
    assert await rig.sweeps().ask_outcomes() == 0  # still waiting for the morning
    rig.clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # 08:00 in Seoul
    await rig.flush()
    [sent] = rig.telegram.sent
    assert sent.text == (  # in the program's own words (REFERRAL_PROGRAM [messages.ko])
        f"김민지님, 늘 함께해 주셔서 고맙습니다. 저희를 소개해 주실 팀이 있을까요? {link(dalim)}"
    )
    assert await rig.sweeps().ask_outcomes() == 1


async def test_edit_by_replying_in_the_thread_then_send_on_slack(rig: Rig) -> None:
    client = await rig.client(slack_id("U0CLIENT"), name="Cy", company="Cypress", zone="UTC")
    draft = await card(rig, "cypress")
    ask_id = buttons(draft)[0][1]
    await rig.click(ASK_EDIT, ask_id, user=MANAGER, on=draft)
    await rig.flush()
    assert text(now_reads(rig, draft)).endswith(
        ":pencil2: Reply in this thread with the wording you want; "
        "I'll add their link if you leave it out."
    )
    wording = "Cy, would you introduce us to a team like yours? <3"
    assert (await rig.say(MANAGER, wording, thread=draft["ts"])).status_code == 200
    await rig.flush()
    edited = now_reads(rig, draft)
    assert f"> {wording.replace('<', '&lt;')} {link(client)}" in text(edited)
    assert buttons(edited) == buttons(draft)
    await rig.click(ASK_SEND, ask_id, user=MANAGER, on=draft)
    await rig.flush()
    [to_client] = [m for m in rig.posted("D0CLIENT")]
    assert to_client["text"] == f"{wording} {link(client)}".replace("<", "&lt;")
    async with rig.bot.store.transaction() as tx:  # the thread reply went nowhere else
        assert await tx.participants.by_address(slack_id(MANAGER)) is None


async def test_cancel_then_send_changes_nothing(rig: Rig) -> None:
    await acme(rig)
    draft = await card(rig, "acme")
    ask_id = buttons(draft)[0][1]
    await rig.click(ASK_CANCEL, ask_id, user=MANAGER, on=draft)
    await rig.flush()
    cancelled = now_reads(rig, draft)
    assert text(cancelled).startswith(
        f":x: *Referral ask* for *Acme Corp* (Ann Lee) · SMS · English · cancelled by <@{MANAGER}>"
    )
    assert buttons(cancelled) == []
    await rig.click(ASK_SEND, ask_id, user=MANAGER, on=draft)
    await rig.flush()
    assert rig.sms.sent == []
    assert rig.ephemeral(MANAGER)[0].startswith(f"This ask was cancelled by <@{MANAGER}>")


async def test_the_program_advises_but_the_account_manager_decides(rig: Rig) -> None:
    await rig.client(ACME, name="Ann Lee", company="Acme Corp", zone="Europe/London", days=45)
    draft = await card(rig, "ann lee")
    assert (
        ":warning: Not recommended now: a client for 45 days; the program asks after 90"
    ) in text(draft)
    await rig.click(ASK_SEND, buttons(draft)[0][1], user=MANAGER, on=draft)
    await rig.flush()
    assert len(rig.sms.sent) == 1


async def test_asked_since_the_draft_and_stopped_since_the_draft(rig: Rig) -> None:
    await acme(rig)
    first, second = await card(rig, "acme"), await card(rig, "+1 415 555 0101")
    await rig.click(ASK_SEND, buttons(first)[0][1], user=MANAGER, on=first)
    await rig.click(ASK_SEND, buttons(second)[0][1], user=MANAGER, on=second)
    await rig.flush()
    assert len(rig.sms.sent) == 1
    [why] = rig.ephemeral(MANAGER)
    assert why.startswith("Not sent: *Acme Corp* (Ann Lee) was asked after this draft (")
    third = await card(rig, "acme")
    async with rig.bot.store.transaction() as tx:
        await tx.participants.set_opted_out(ACME, True)  # STOP, meanwhile
    await rig.click(ASK_SEND, buttons(third)[0][1], user=MANAGER, on=third)
    await rig.flush()
    assert len(rig.sms.sent) == 1
    assert rig.ephemeral(MANAGER)[-1] == (
        "Not sent: *Acme Corp* (Ann Lee): opted out of messages (STOP on SMS)."
    )


async def test_whom_to_ask_must_be_clear(rig: Rig) -> None:
    await acme(rig)
    await rig.client(Address("sms", "+14155550102"), name="Al", company="Acme Labs")
    await rig.client(
        Address("sms", "+14155550103"), name="Fay", company="Foxtrot", manager=OTHER_MANAGER
    )
    cedar = Address("sms", "+14155550104")
    await rig.client(cedar, name="Chen Wei", company="Cedar Co")
    async with rig.bot.store.transaction() as tx:
        await tx.participants.set_opted_out(cedar, True)

    async def answer(words: str) -> str:
        return (await rig.command(f"nudge {words}".strip(), user=MANAGER)).text

    assert await answer("") == (
        "Whom should I draft an ask for? `/referrals nudge <company, name or phone>`"
    )
    assert await answer("acme") == (
        "“acme” matches 2 clients: *Acme Corp* (Ann Lee), *Acme Labs* (Al). Which one?"
    )
    assert await answer("foxtrot") == (
        "No client of yours matches “foxtrot”. `/referrals clients` lists them."
    )
    assert await answer("+1 415 555 0103") == (
        "No client of yours matches “+1 415 555 0103”. `/referrals clients` lists them."
    )
    assert await answer("cedar") == (
        "*Cedar Co* (Chen Wei) can't be asked: opted out of messages (STOP on SMS)."
    )
    assert (await answer("acme labs")).startswith("Drafted an ask for *Acme Labs* (Al)")


async def test_spaces_typed_twice_or_around_a_name_still_find_the_client(rig: Rig) -> None:
    await acme(rig)

    async def answer(words: str) -> str:
        return (await rig.command(f"nudge {words}", user=MANAGER)).text

    drafted = "Drafted an ask for *Acme Corp* (Ann Lee)"
    assert (await answer("Acme  Corp")).startswith(drafted)
    assert (await answer("  acme corp ")).startswith(drafted)
    assert (await answer("Ann\u00a0Lee")).startswith(drafted)  # a no-break space, pasted


async def test_a_client_is_found_by_the_number_as_the_manager_writes_it_at_home(rig: Rig) -> None:
    """The program's `phone_region` is KR: 010-1234-5678 is +82 10-1234-5678, as in imports."""
    seoul = Address("sms", "+821012345678")
    await rig.client(seoul, name="김민수", company="한빛상사", lang="ko", zone="Asia/Seoul")

    async def answer(words: str) -> str:
        return (await rig.command(f"nudge {words}", user=MANAGER)).text

    drafted = (
        "Drafted an ask for *한빛상사* (김민수): it's in your DM with me, to Send, Edit or Cancel."
    )
    assert await answer("010-1234-5678") == drafted
    assert await answer("01012345678") == drafted
    assert await answer("+82 10 1234 5678") == drafted
    assert await answer("010-9999-0000") == (
        "No client of yours matches “010-9999-0000”. `/referrals clients` lists them."
    )


async def test_the_manager_hears_in_the_thread_when_a_friend_signs_up(rig: Rig) -> None:
    client = await acme(rig)
    draft = await card(rig, "acme")
    await rig.click(ASK_SEND, buttons(draft)[0][1], user=MANAGER, on=draft)
    await rig.flush()
    await rig.say("U0FRIEND", f"JOIN {client.code}")
    await rig.flush()
    thread = rig.thread(DM, draft["ts"])
    assert thread[-1] == (
        ":tada: Your client *Acme Corp* (Ann Lee) brought a friend: <@U0FRIEND> signed up on Slack."
    )


async def test_two_sends_at_the_same_moment_send_once(rig: Rig) -> None:
    await acme(rig)
    draft = await card(rig, "acme")
    ask_id = buttons(draft)[0][1]
    clicks = [
        rig.click(ASK_SEND, ask_id, user=MANAGER, on=draft, action_ts=f"1795000400.00000{i}")
        for i in range(3)
    ]
    assert [r.status_code for r in await asyncio.gather(*clicks)] == [200, 200, 200]
    await rig.flush()
    assert len(rig.sms.sent) == 1
    assert len(rig.ephemeral(MANAGER)) == 2


async def test_the_manager_hears_when_an_ask_could_not_be_delivered(rig: Rig) -> None:
    await acme(rig)
    draft = await card(rig, "acme")
    rig.sms.failures.append(DeliveryFailed("invalid_address", permanent=True, detail="21211"))
    await rig.click(ASK_SEND, buttons(draft)[0][1], user=MANAGER, on=draft)
    await rig.flush()
    await rig.sweeps().ask_outcomes()
    await rig.flush()
    assert rig.thread(DM, draft["ts"])[-1] == (
        ":warning: Not delivered to *Acme Corp* (Ann Lee): invalid_address: 21211."
    )


async def test_without_sms_the_ask_goes_to_the_clients_slack_or_is_refused(
    rig_without_sms: Rig,
) -> None:
    rig = rig_without_sms  # no Twilio account: an ask queued on SMS would never go
    both = await rig.client(ACME, name="Ann Lee", company="Acme Corp", zone="Europe/London")
    async with rig.bot.store.transaction() as tx:
        await tx.participants.attach(slack_id("U0ANN"), both.id, at=rig.clock.now())
    draft = await card(rig, "Acme Corp")
    assert text(draft).startswith(
        ":memo: *Draft referral ask* for *Acme Corp* (Ann Lee) · Slack · English"
    )
    await rig.click(ASK_SEND, buttons(draft)[0][1], user=MANAGER, on=draft)
    await rig.flush()
    assert rig.thread(DM, draft["ts"])[0].startswith(
        ":white_check_mark: Queued for *Acme Corp* (Ann Lee) on Slack"
    )
    await rig.client(Address("sms", "+14155550199"), name="Bo Kim", company="Beta Ltd")
    response = await rig.command("nudge Beta Ltd", user=MANAGER)
    assert response.text == (
        "*Beta Ltd* (Bo Kim) can't be asked: only on SMS, which this deployment does not run."
    )
