"""Quiet hours: proactive messages wait for 08:00-21:00 in the recipient's zone (stored, else the
number's, else the program's); direct replies never wait; nothing is dropped."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.program import Program, QuietHours
from bot.core.store import Store
from bot.delivery.quiet_hours import allowed_from, next_allowed, number_zones, recipient_zones
from tests.core.dispatch_rig import make_rig

WINDOW = QuietHours()
UTC_ZONE = ZoneInfo("UTC")
SEOUL, LA = ZoneInfo("Asia/Seoul"), ZoneInfo("America/Los_Angeles")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# The rule on its own ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        ("2026-11-23 15:00", SEOUL, "2026-11-23 23:00"),  # midnight in Seoul -> 08:00 KST
        ("2026-11-23 11:59", SEOUL, "2026-11-23 11:59"),  # 20:59 KST: still allowed
        ("2026-11-23 12:00", SEOUL, "2026-11-23 23:00"),  # 21:00 KST: quiet from here
        ("2026-11-23 15:00", LA, "2026-11-23 16:00"),  # 07:00 PST -> 08:00 PST
        ("2026-11-24 05:30", LA, "2026-11-24 16:00"),  # 21:30 PST, across midnight
        ("2026-11-23 16:00", LA, "2026-11-23 16:00"),  # 08:00 sharp is allowed
        ("2026-03-08 12:00", LA, "2026-03-08 15:00"),  # spring forward: 08:00 PDT is 15:00 UTC
        ("2026-11-01 12:00", LA, "2026-11-01 16:00"),  # fall back: 08:00 PST is 16:00 UTC
    ],
)
def test_next_allowed_moment(now: str, zone: ZoneInfo, expected: str) -> None:
    assert next_allowed(at(now), (zone,), WINDOW) == at(expected)


def test_the_window_is_configurable_and_may_not_span_midnight() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 30))
    assert next_allowed(at("2026-11-23 12:10"), (UTC_ZONE,), lunch) == at("2026-11-23 13:30")
    assert next_allowed(at("2026-11-23 14:00"), (UTC_ZONE,), lunch) == at("2026-11-23 14:00")
    never = QuietHours(start=time(9, 0), end=time(9, 0))
    assert next_allowed(at("2026-11-23 03:00"), (UTC_ZONE,), never) == at("2026-11-23 03:00")


def test_the_zone_comes_from_the_store_then_the_number_then_the_program() -> None:
    number = Address("sms", "+14155550100")
    assert recipient_zones("Asia/Seoul", number, UTC_ZONE) == (SEOUL,)
    assert recipient_zones(None, number, UTC_ZONE) == (LA,)
    assert recipient_zones("Mars/Olympus", number, UTC_ZONE) == (LA,)  # unknown: ignored
    assert recipient_zones(None, Address("telegram", "42"), SEOUL) == (SEOUL,)
    assert number_zones(Address("sms", "+821012345678")) == (SEOUL,)
    assert number_zones(Address("sms", "+447700900123")) == ()  # the library has no idea


def test_without_a_zone_a_korean_or_chinese_speaker_waits_for_an_hour_decent_in_both() -> None:
    chat = Address("telegram", "42")
    assert recipient_zones(None, chat, UTC_ZONE, "ko") == (SEOUL, UTC_ZONE)
    taipei = ZoneInfo("Asia/Taipei")
    assert recipient_zones(None, chat, UTC_ZONE, "zh-Hant") == (taipei, UTC_ZONE)
    assert recipient_zones(None, chat, UTC_ZONE, "en") == (UTC_ZONE,)  # spoken everywhere
    assert recipient_zones(None, chat, SEOUL, "ko") == (SEOUL,)  # a business in Seoul
    assert recipient_zones("America/New_York", chat, UTC_ZONE, "ko") == (
        ZoneInfo("America/New_York"),
    )  # a zone on record says where they are
    assert recipient_zones(None, Address("sms", "+14155550100"), UTC_ZONE, "ko") == (LA,)
    assert recipient_zones(None, Address("console", "kim"), UTC_ZONE, "ko") == (UTC_ZONE,)


def test_a_number_spanning_zones_waits_until_it_is_allowed_in_all_of_them() -> None:
    idaho = number_zones(Address("sms", "+12085550100"))  # Boise (MST) and Los Angeles (PST)
    assert len(idaho) == 2
    # 08:00 in Boise is 07:00 in Los Angeles: wait for Los Angeles.
    assert allowed_from(at("2026-11-23 15:00"), idaho, WINDOW, UTC_ZONE) == at("2026-11-23 16:00")
    # 21:00 in Boise (20:00 in Los Angeles): quiet in Boise, so tomorrow 08:00 Los Angeles.
    assert allowed_from(at("2026-11-24 04:00"), idaho, WINDOW, UTC_ZONE) == at("2026-11-24 16:00")


def test_a_toll_free_number_waits_for_the_hours_allowed_from_guam_to_newfoundland() -> None:
    toll_free = number_zones(Address("sms", "+18005550100"))
    assert len(toll_free) > 30
    # 22:00 UTC is 08:00 in Guam and 18:30 in St John's: the first moment allowed everywhere.
    assert next_allowed(at("2026-11-23 15:00"), toll_free, WINDOW) == at("2026-11-23 22:00")


def test_zones_with_no_common_window_fall_back_to_the_programs_zone() -> None:
    apart = (UTC_ZONE, ZoneInfo("Asia/Shanghai"), LA)  # 8 hours apart each way round
    assert next_allowed(at("2026-11-23 15:00"), apart, WINDOW) is None
    eastern = ZoneInfo("America/New_York")
    got = allowed_from(at("2026-11-23 03:00"), apart, WINDOW, eastern)
    assert got == at("2026-11-23 13:00")  # 08:00 in New York


# Through the dispatcher -------------------------------------------------------------------------


async def test_a_thank_you_at_midnight_in_seoul_waits_until_eight_and_is_then_sent(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    clock.set(at("2026-11-23 15:00"))  # 00:00 KST
    to = Address("telegram", "kim")
    kim = await rig.person(to, time_zone="Asia/Seoul")
    row_id = await rig.enqueue(to, "고마워요", kind="thanks", participant=kim)
    await rig.dispatcher.dispatch_due()
    row = await rig.row(row_id)
    assert row.status == "scheduled" and row.due_at == at("2026-11-23 23:00")
    assert row.attempts == 0 and "quiet hours in Asia/Seoul" in (row.last_error or "")
    assert rig.referee.sends == []
    await rig.drain()
    assert [s.at for s in rig.referee.sends] == [at("2026-11-23 23:00")]
    assert (await rig.row(row_id)).status == "sent"


async def test_a_korean_telegram_user_is_not_thanked_at_eleven_at_night_in_seoul(
    store: Store, clock: FakeClock
) -> None:
    """Telegram tells no time zone: a program in UTC once thanked Kim at 14:00 UTC, 23:00 in
    Seoul. Now the thank-you waits for 08:00 UTC, 17:00 in Seoul: decent in both."""
    rig = make_rig(store, clock)
    clock.set(at("2026-11-23 14:00"))
    to = Address("telegram", "kim")
    async with store.transaction() as tx:
        kim = await tx.participants.create(display_name="Kim", lang="ko", at=clock.now())
        await tx.participants.attach(to, kim.id, at=clock.now())
    row_id = await rig.enqueue(to, "고마워요! 친구가 가입했어요", kind="thanks", participant=kim.id)
    await rig.dispatcher.dispatch_due()
    row = await rig.row(row_id)
    assert row.due_at == at("2026-11-24 08:00")
    assert "quiet hours in Asia/Seoul" in (row.last_error or "")
    await rig.drain()
    assert [s.at for s in rig.referee.sends] == [at("2026-11-24 08:00")]


async def test_a_los_angeles_number_without_a_stored_zone_uses_the_numbers(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    clock.set(at("2026-11-24 05:30"))  # 21:30 PST
    to = Address("sms", "+14155550100")
    person = await rig.person(to)
    await rig.enqueue(to, "You earned $10", kind="reward", participant=person)
    await rig.drain()
    assert [s.at for s in rig.referee.sends] == [at("2026-11-24 16:00")]


async def test_the_programs_zone_and_window_apply_when_nothing_else_is_known(
    store: Store, clock: FakeClock
) -> None:
    program = Program(
        default_time_zone="America/Los_Angeles",
        quiet_hours=QuietHours(start=time(20, 0), end=time(9, 0)),
    )
    rig = make_rig(store, clock, program=program)
    clock.set(at("2026-11-23 16:30"))  # 08:30 PST: quiet under this program's window
    to = Address("slack", "T1:U1")
    person = await rig.person(to)
    await rig.enqueue(to, "Any friends who'd like this?", kind="ask", participant=person)
    await rig.drain()
    assert [s.at for s in rig.referee.sends] == [at("2026-11-23 17:00")]  # 09:00 PST


@pytest.mark.parametrize("kind", ["reply", "optout_confirmation"])
async def test_direct_answers_go_at_once_in_the_middle_of_the_night(
    store: Store, clock: FakeClock, kind: str
) -> None:
    rig = make_rig(store, clock)
    clock.set(at("2026-11-23 15:00"))  # 00:00 KST
    to = Address("sms", "+821012345678")
    person = await rig.person(to, time_zone="Asia/Seoul")
    await rig.enqueue(to, "링크는 여기", kind=kind, participant=person)
    await rig.dispatcher.dispatch_due()
    assert [s.at for s in rig.referee.sends] == [at("2026-11-23 15:00")]


async def test_an_unknown_kind_is_treated_as_proactive(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    clock.set(at("2026-11-23 15:00"))
    to = Address("telegram", "kim")
    person = await rig.person(to, time_zone="Asia/Seoul")
    await rig.enqueue(to, "newsletter", kind="broadcast", participant=person)
    await rig.dispatcher.dispatch_due()
    assert rig.referee.sends == []


async def test_deferred_messages_are_never_dropped(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    clock.set(at("2026-11-23 13:00"))  # 22:00 KST
    people = []
    for i in range(30):
        to = Address("telegram", f"p{i}")
        people.append(await rig.person(to, time_zone="Asia/Seoul"))
        await rig.enqueue(to, f"thanks {i}", kind="thanks", participant=people[-1])
    for _ in range(5):  # the dispatcher looks many times during the night
        clock.advance(timedelta(hours=1))
        await rig.dispatcher.dispatch_due()
    assert rig.referee.sends == []
    await rig.drain()
    assert sorted(rig.referee.to(f"p{i}")[0] for i in range(30)) == sorted(
        f"thanks {i}" for i in range(30)
    )
    assert min(s.at for s in rig.referee.sends) == at("2026-11-23 23:00")
    assert rig.referee.violations == []
