"""One store contract, run on SQLite always and on PostgreSQL whenever it is reachable."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.core.clock import to_micros
from bot.core.codes import ALPHABET
from bot.core.messages import Address, Button, Outbound
from bot.core.store import Store
from bot.core.store.database import IntegrityError, index_key
from bot.core.store.migrate import upgrade
from bot.core.store.reward_record import Reward
from tests.conftest import backend_url

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(
    params=["sqlite", "aiosqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The contract holds for every driver, the aiosqlite reference driver included."""
    yield from backend_url(request.param, tmp_path)


async def _person(store: Store, name: str, channel: str = "console") -> int:
    async with store.transaction() as tx:
        p = await tx.participants.create(display_name=name, lang="en", at=NOW)
        assert await tx.participants.attach(Address(channel, name), p.id, at=NOW)
        return p.id


async def test_migrations_apply_once(store: Store) -> None:
    assert await upgrade(store.db) == []


async def test_a_participant_gets_a_unique_crockford_code(store: Store) -> None:
    codes = set()
    async with store.transaction() as tx:
        for i in range(200):
            p = await tx.participants.create(display_name=f"p{i}", lang="en", at=NOW)
            assert len(p.code) == 8 and set(p.code) <= set(ALPHABET)
            codes.add(p.code)
    assert len(codes) == 200


async def test_text_is_stored_exactly(store: Store) -> None:
    odd = "Ro\u202ebert'); DROP TABLE participants;-- 🎉 김민수 你好 \x07"
    async with store.transaction() as tx:
        p = await tx.participants.create(display_name=odd, lang="ko", at=NOW)
        again = await tx.participants.get(p.id)
    assert again is not None and again.display_name == odd


async def test_an_address_with_a_nul_is_kept_and_found_again(store: Store) -> None:
    # PostgreSQL's text cannot hold U+0000 (the whole transaction was lost); SQLite's can.
    address = Address("email", "dan\x00@example.com")
    async with store.transaction() as tx:
        p = await tx.participants.create(display_name="Dan\x00", lang="en", at=NOW)
        assert await tx.participants.attach(address, p.id, at=NOW)
        found = await tx.participants.by_address(address)
    assert found is not None and found[0].id == p.id
    assert found[0].display_name.replace("\x00", "") == "Dan"


async def test_an_address_belongs_to_one_participant(store: Store) -> None:
    alice = await _person(store, "alice")
    async with store.transaction() as tx:
        other = await tx.participants.create(display_name="x", lang="en", at=NOW)
        assert not await tx.participants.attach(Address("console", "alice"), other.id, at=NOW)
        found = await tx.participants.by_address(Address("console", "alice"))
    assert found is not None and found[0].id == alice


async def test_a_friend_is_counted_once_and_the_counter_matches_the_rows(store: Store) -> None:
    alice, bob, carol = [await _person(store, n) for n in ("alice", "bob", "carol")]
    async with store.transaction() as tx:
        first = await tx.referrals.create(
            referrer_id=alice, friend_id=carol, code="X", channel="console", at=NOW
        )
        second = await tx.referrals.create(
            referrer_id=bob, friend_id=carol, code="Y", channel="console", at=NOW
        )
        again = await tx.referrals.create(
            referrer_id=alice, friend_id=carol, code="X", channel="console", at=NOW
        )
    assert first is not None and second is None and again is None
    async with store.transaction() as tx:
        assert (await tx.referrals.counts(alice)).counted == 1
        assert (await tx.referrals.counts(bob)).counted == 0
        p = await tx.participants.get(alice)
        assert p is not None and p.referral_count == 1


async def test_self_referral_cannot_count(store: Store) -> None:
    alice = await _person(store, "alice")
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            await tx.referrals.create(
                referrer_id=alice, friend_id=alice, code="X", channel="console", at=NOW
            )
    async with store.transaction() as tx:
        assert (
            await tx.referrals.create(
                referrer_id=alice,
                friend_id=alice,
                code="X",
                channel="console",
                at=NOW,
                status="rejected",
                reason="self_referral",
            )
            is not None
        )
        assert (await tx.referrals.counts(alice)).counted == 0


async def test_status_changes_keep_the_counter_true(store: Store) -> None:
    alice, bob = await _person(store, "alice"), await _person(store, "bob")
    async with store.transaction() as tx:
        r = await tx.referrals.create(
            referrer_id=alice, friend_id=bob, code="X", channel="console", at=NOW
        )
        assert r is not None
        await tx.referrals.set_status(r.id, "qualified", at=NOW)
        await tx.referrals.set_status(r.id, "rejected", at=NOW, reason="suspected_fraud")
        p = await tx.participants.get(alice)
        counts = await tx.referrals.counts(alice)
    assert p is not None and p.referral_count == counts.counted == 0


async def test_concurrent_joins_of_one_friend_count_once(store: Store) -> None:
    referrers = [await _person(store, f"r{i}") for i in range(8)]
    friend = await _person(store, "friend")

    async def join(referrer: int) -> bool:
        async with store.transaction() as tx:
            made = await tx.referrals.create(
                referrer_id=referrer, friend_id=friend, code="X", channel="console", at=NOW
            )
            await asyncio.sleep(0)
            return made is not None

    results = await asyncio.gather(*(join(r) for r in referrers))
    assert sum(results) == 1
    async with store.transaction() as tx:
        total = sum([(await tx.referrals.counts(r)).counted for r in referrers])
    assert total == 1


async def test_board_and_rank(store: Store) -> None:
    people = [await _person(store, f"p{i}") for i in range(5)]
    async with store.transaction() as tx:
        for i, referrer in enumerate(people[:3]):
            for j in range(i + 1):
                friend = await tx.participants.create(display_name=f"f{i}{j}", lang="en", at=NOW)
                await tx.referrals.create(
                    referrer_id=referrer, friend_id=friend.id, code="X", channel="sms", at=NOW
                )
        board = await tx.referrals.board(10)
        assert [(e.rank, e.participant_id, e.count) for e in board] == [
            (1, people[2], 3),
            (2, people[1], 2),
            (3, people[0], 1),
        ]
        assert await tx.referrals.rank(people[0]) == 3
        assert await tx.referrals.rank(people[4]) is None
        # The board with the asker's rank in one statement, from the count their row says.
        assert await tx.referrals.board_and_rank(10, 1) == (board, 3)
        assert await tx.referrals.board_and_rank(2, 3) == (board[:2], 1)
        assert await tx.referrals.board_and_rank(10, 0) == (board, None)


async def test_rank_across_stripes_follows_every_count_change(store: Store) -> None:
    """Ranks come from rank_buckets (counts per stripe of ids, kept by triggers): referrers in
    the same stripe and in others, ties (competition ranks: equal counts share a rank),
    friends rejected and restored; each rank is checked against one worked out from the
    referral rows, and the buckets against COUNT(*) over the participants."""
    from bot.core.store.referrals import RANK_STRIPES

    ids = [
        3,
        RANK_STRIPES - 1,
        RANK_STRIPES,
        RANK_STRIPES + 5,
        3 * RANK_STRIPES + 3,
        5 * RANK_STRIPES,
    ]
    friends = iter(range(10 * RANK_STRIPES, 11 * RANK_STRIPES))
    wanted = {ids[0]: 2, ids[1]: 3, ids[2]: 2, ids[3]: 1, ids[4]: 3, ids[5]: 0}
    async with store.transaction() as tx:
        for pid in [*ids, *range(10 * RANK_STRIPES, 10 * RANK_STRIPES + 12)]:
            await tx.conn.execute(
                "INSERT INTO participants (id, code, display_name, lang, created_at) "
                "VALUES (?, ?, ?, 'en', 0)",
                pid,
                f"C{pid:07d}",
                f"p{pid}",
            )
        made = []
        for referrer, count in wanted.items():
            for _ in range(count):
                referral = await tx.referrals.create(
                    referrer_id=referrer,
                    friend_id=next(friends),
                    code="X",
                    channel="sms",
                    at=NOW,
                )
                assert referral is not None
                made.append(referral)
        # One friend of the 3-count referrer at ids[1] is refused, then counted again.
        refused = next(r for r in made if r.referrer_id == ids[1])
        await tx.referrals.set_status(refused.id, "rejected", at=NOW, reason="suspected_fraud")
        during = await tx.referrals.rank(ids[1])
        await tx.referrals.set_status(refused.id, "signed_up", at=NOW)

        async def truth() -> dict[int, int]:
            rows = await tx.conn.fetchall(
                "SELECT referrer_id, COUNT(*) FROM referrals WHERE status <> 'rejected' "
                "GROUP BY referrer_id"
            )
            counts = {int(r[0]): int(r[1]) for r in rows}
            return {
                pid: 1 + sum(1 for n in counts.values() if n > mine) for pid, mine in counts.items()
            }

        ranks = {pid: await tx.referrals.rank(pid) for pid in ids}
        buckets = await tx.conn.fetchall(
            "SELECT referral_count, bucket, participants FROM rank_buckets "
            "WHERE participants <> 0 ORDER BY referral_count, bucket"
        )
        counted = await tx.conn.fetchall(
            f"SELECT referral_count, id % {RANK_STRIPES}, COUNT(*) FROM participants "
            f"WHERE referral_count > 0 GROUP BY referral_count, id % {RANK_STRIPES} ORDER BY 1, 2"
        )
        expected = await truth()
    # 3 friends: ids[1], ids[4]; 2: ids[0], ids[2]; 1: ids[3]; none: ids[5]
    assert ranks == {ids[1]: 1, ids[4]: 1, ids[0]: 3, ids[2]: 3, ids[3]: 5, ids[5]: None}
    assert ranks == {pid: expected.get(pid) for pid in ids}
    assert during == 2  # with two friends it stood behind ids[4] alone
    assert [tuple(int(x) for x in row) for row in buckets] == [
        tuple(int(x) for x in row) for row in counted
    ]


async def test_friends_of_neighbouring_referrers_join_without_waiting_for_each_other(
    store: Store,
) -> None:
    """PostgreSQL keeps a row that a trigger changed locked until COMMIT. Referrers who signed
    up one after another climb together when their friends join in a burst: were they counted
    in one rank_buckets row, each join would wait for the one before it to commit."""
    if store.db.dialect != "postgres":
        pytest.skip("SQLite has one writer: every transaction waits its turn anyway")
    ann, bob = await _person(store, "ann"), await _person(store, "bob")
    kim, lee = await _person(store, "kim"), await _person(store, "lee")
    ann_joined, bob_joined = asyncio.Event(), asyncio.Event()

    async def join(referrer: int, friend: int, joined: asyncio.Event, then: asyncio.Event) -> None:
        async with store.transaction() as tx:
            await tx.conn.execute("SET LOCAL lock_timeout = '2s'")  # a wait fails, not hangs
            made = await tx.referrals.create(
                referrer_id=referrer, friend_id=friend, code="X", channel="sms", at=NOW
            )
            assert made is not None
            joined.set()
            await then.wait()  # both transactions open at once, neither committed

    await asyncio.wait_for(
        asyncio.gather(
            join(ann, kim, ann_joined, bob_joined), join(bob, lee, bob_joined, ann_joined)
        ),
        10,
    )
    async with store.transaction() as tx:
        assert await tx.referrals.rank(ann) == await tx.referrals.rank(bob) == 1


async def test_an_event_is_processed_once(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.events.first_time("sms", "SM1", NOW)
        assert not await tx.events.first_time("sms", "SM1", NOW)
        assert await tx.events.first_time("telegram", "SM1", NOW)


def _long_id(prefix: str) -> str:
    """~4 KB of incompressible text: PostgreSQL compresses "x" * 4000 below a btree row's limit."""
    return prefix + secrets.token_hex(2000)


async def test_a_4kb_event_id_is_processed_once(store: Store) -> None:
    # A btree row holds at most 2704 bytes on PostgreSQL: a provider's 4 KB id was a 500.
    first, second = _long_id("U"), _long_id("U")
    async with store.transaction() as tx:
        assert await tx.events.first_time("slack", first, NOW)
        assert not await tx.events.first_time("slack", first, NOW)
        assert await tx.events.first_time("slack", second, NOW)


async def test_a_message_with_a_4kb_event_id_is_read_once(store: Store) -> None:
    alice, sid = Address("sms", "+14155550100"), _long_id("SM")
    await _person(store, alice.id, alice.channel)
    async with store.transaction() as tx:
        first, found = await tx.participants.arrive_once(alice, sid, NOW)
        again, _ = await tx.participants.arrive_once(alice, sid, NOW)
        other, _ = await tx.participants.arrive_once(alice, _long_id("SM"), NOW)
    assert (first, found is not None, again, other) == (True, True, False, True)


async def test_an_id_shaped_like_a_digest_is_not_taken_for_the_long_id_it_digests(
    store: Store,
) -> None:
    long = _long_id("U")
    async with store.transaction() as tx:
        assert await tx.events.first_time("slack", long, NOW)
        assert await tx.events.first_time("slack", index_key(long), NOW)


async def test_a_4kb_dedupe_key_queues_once(store: Store) -> None:
    msg, first, second = (
        Outbound(Address("sms", "+14155550100"), "hi"),
        _long_id("k"),
        _long_id("k"),
    )
    async with store.transaction() as tx:
        queued = await tx.outbox.enqueue(msg, kind="staff", due_at=NOW, at=NOW, dedupe_key=first)
        dup = await tx.outbox.enqueue(msg, kind="staff", due_at=NOW, at=NOW, dedupe_key=first)
        other = await tx.outbox.enqueue(msg, kind="staff", due_at=NOW, at=NOW, dedupe_key=second)
        posted = await tx.staff.posted(first)
    assert queued is not None and dup is None and other is not None
    assert posted is not None


async def test_a_send_the_provider_gave_a_4kb_id_is_sent_and_its_delivery_report_finds_it(
    store: Store,
) -> None:
    sid = _long_id("SM")
    async with store.transaction() as tx:
        row = await tx.outbox.enqueue(
            Outbound(Address("sms", "+14155550100"), "hi"), kind="reply", due_at=NOW, at=NOW
        )
        assert row is not None
        await tx.outbox.mark_sent(row, provider_id=sid, at=NOW)
        assert await tx.outbox.record_delivery(sid, "delivered")
        assert not await tx.outbox.record_delivery(_long_id("SM"), "delivered")
        sent = await tx.outbox.get(row)
    assert sent is not None and (sent.status, sent.delivery_status) == ("sent", "delivered")


async def test_a_message_is_read_once_and_its_sender_marked_seen_with_it(store: Store) -> None:
    alice, later = Address("telegram", "42"), NOW + timedelta(minutes=5)
    async with store.transaction() as tx:
        me = await tx.participants.create(display_name="Alice", lang="ko", at=NOW)
        await tx.participants.attach(alice, me.id, at=NOW)
        await tx.participants.set_unreachable(alice, True)  # blocked the bot, then came back
    async with store.transaction() as tx:
        first, found = await tx.participants.arrive_once(alice, "u1", later)
        again, nobody = await tx.participants.arrive_once(alice, "u1", later + timedelta(hours=1))
        stranger = await tx.participants.arrive_once(Address("telegram", "7"), "u2", later)
    async with store.db.transaction() as conn:
        seen = await conn.fetchval("SELECT last_seen_at FROM identities WHERE address = '42'")
    assert (
        first
        and found is not None
        and (found[0].display_name, found[0].lang)
        == (
            "Alice",
            "ko",
        )
    )
    assert found[1].address == alice and not found[1].unreachable  # writing again: reachable
    assert (again, nobody) == (False, None)  # the replay writes nothing
    assert stranger == (True, None)
    assert seen == to_micros(later)


async def test_outbox_dedupes_claims_and_leases(store: Store) -> None:
    to = Address("sms", "+14155550100")
    msg = Outbound(to, "hi 👋", (Button("My link", "LINK"),))
    async with store.transaction() as tx:
        first = await tx.outbox.enqueue(msg, kind="thanks", due_at=NOW, at=NOW, dedupe_key="k")
        dup = await tx.outbox.enqueue(msg, kind="thanks", due_at=NOW, at=NOW, dedupe_key="k")
        later = await tx.outbox.enqueue(msg, kind="reply", due_at=NOW + timedelta(hours=1), at=NOW)
    assert first is not None and dup is None and later is not None
    lease = timedelta(seconds=30)
    async with store.transaction() as tx:
        claimed = await tx.outbox.claim_due(now=NOW, reach={"sms": None}, limit=10, lease=lease)
        assert [r.id for r in claimed] == [first]
        assert claimed[0].buttons == (Button("My link", "LINK"),) and claimed[0].text == "hi 👋"
        # Claimed and leased: nobody else takes it, even once the lease runs out (its process
        # died mid-send: whether it went is unknown), when it is found by its lease instead.
        assert await tx.outbox.claim_due(now=NOW, reach={"sms": None}, limit=10, lease=lease) == []
        assert await tx.outbox.lapsed(now=NOW + lease, reach={"sms": None}, limit=10) == []
        later_on = NOW + timedelta(seconds=31)
        assert await tx.outbox.claim_due(
            now=later_on, reach={"sms": None}, limit=10, lease=lease
        ) == []  # fmt: skip
        assert await tx.outbox.lapsed(now=later_on, reach={"telegram": None}, limit=10) == []
        [(lapsed, ran_out)] = await tx.outbox.lapsed(now=later_on, reach={"sms": None}, limit=10)
        assert (lapsed.id, lapsed.attempts, ran_out) == (first, 1, NOW + lease)
        await tx.outbox.mark_uncertain(first, due_at=later_on, error="uncertain: lease ran out")
        again = await tx.outbox.claim_due(now=later_on, reach={"sms": None}, limit=10, lease=lease)
        assert [(r.id, r.attempts, r.uncertain) for r in again] == [(first, 2, 1)]
        await tx.outbox.mark_sent(first, provider_id="SM1", at=NOW)
        assert await tx.outbox.next_due(reach={"sms": None}) == NOW + timedelta(hours=1)
        assert (
            await tx.outbox.claim_due(now=NOW, reach={"telegram": None}, limit=10, lease=lease)
            == []
        )


async def test_outbox_reach_limits_console_rows_to_the_user_at_the_terminal(store: Store) -> None:
    async with store.transaction() as tx:
        for who in ("alice", "bob"):
            await tx.outbox.enqueue(
                Outbound(Address("console", who), f"for {who}"), kind="reply", due_at=NOW, at=NOW
            )
        rows = await tx.outbox.claim_due(
            now=NOW, reach={"console": frozenset({"bob"})}, limit=10, lease=timedelta(seconds=5)
        )
    assert [r.text for r in rows] == ["for bob"]


async def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.participants.create(display_name="ghost", lang="en", at=NOW)
            raise RuntimeError("boom")
    async with store.transaction() as tx:
        assert await tx.participants.get(1) is None


async def test_a_snapshot_holds_no_write_lock_and_sees_one_moment(store: Store) -> None:
    """The dashboard reads while messages are handled: a report never keeps a write waiting."""
    await _person(store, "before")
    async with store.snapshot() as view:
        assert await view.conn.fetchval("SELECT COUNT(*) FROM participants") == 1
        # A write commits while the snapshot is open (with one lock for both, this would hang).
        await asyncio.wait_for(_person(store, "during"), timeout=5)
        assert await view.conn.fetchval("SELECT COUNT(*) FROM participants") == 1
    async with store.snapshot() as view:
        assert await view.conn.fetchval("SELECT COUNT(*) FROM participants") == 2


async def test_a_snapshot_refuses_writes(store: Store) -> None:
    with pytest.raises(Exception, match=r"(?i)read.?only"):
        async with store.snapshot() as view:
            await view.participants.create(display_name="sneaky", lang="en", at=NOW)
    async with store.transaction() as tx:
        assert await tx.conn.fetchval("SELECT COUNT(*) FROM participants") == 0


async def test_unprompted_messages_go_to_a_chat_on_a_channel_that_runs(store: Store) -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    async with store.transaction() as tx:
        p = await tx.participants.create(display_name="Ann", lang="en", at=now)
        await tx.participants.attach(Address("telegram", "41"), p.id, at=now)
        await tx.participants.attach(Address("sms", "+14155550101"), p.id, at=now)
        await tx.participants.seen(Address("sms", "+14155550101"), now + timedelta(hours=1))
        last_used = await tx.participants.reachable_identity(p.id)
        sms_off = await tx.participants.reachable_identity(p.id, off=frozenset({"sms"}))
        none_on = frozenset({"sms", "telegram"})
        both_off = await tx.participants.reachable_identity(p.id, off=none_on)
    assert last_used is not None and last_used.address.channel == "sms"
    assert sms_off is not None and sms_off.address == Address("telegram", "41")
    assert both_off is None


async def test_each_reward_change_writes_its_ledger_entry_with_the_reason_it_had(
    store: Store,
) -> None:
    # On PostgreSQL a reward and its entry are one statement; the ledger reads the same.
    alice, bob = await _person(store, "alice"), await _person(store, "bob")
    async with store.transaction() as tx:
        referral = await tx.referrals.create(
            referrer_id=alice, friend_id=bob, code="X", channel="console", at=NOW
        )
        assert referral is not None

        async def credit(side: str, held: str | None) -> Reward | None:
            return await tx.rewards.create(
                referral_id=referral.id,
                participant_id=alice if side == "referrer" else bob,
                side=side,
                kind="referral",
                rule_id="credit",
                rule_version=1,
                unit="credit",
                measure="USD",
                label=None,
                amount=Decimal("12.5"),
                held=held,
                hold_until=NOW,
                at=NOW,
                actor="engine",
            )

        made = {
            side: await credit(side, held)
            for side, held in (("referrer", "velocity"), ("friend", None))
        }
        again = await credit("friend", None)
        referrer, friend = made["referrer"], made["friend"]
        assert referrer is not None and friend is not None
        approved = await tx.rewards.move(
            referrer.id, to="approved", only_from=("pending",), at=NOW, actor="dana@shop.example"
        )
        issued = await tx.rewards.move(
            referrer.id, to="issued", only_from=("approved",), at=NOW, actor="api", note="payout 42"
        )
        late = await tx.rewards.move(
            referrer.id, to="approved", only_from=("pending",), at=NOW, actor="api"
        )
        voided = await tx.rewards.move(
            friend.id,
            to="voided",
            only_from=("pending",),
            at=NOW,
            actor="engine",
            reason="cap_reached",
            note="",
        )
        entries = {
            side: await tx.rewards.entries(referrer.id if side == "referrer" else friend.id)
            for side in made
        }
    assert again is None and late is None  # once per referral, side and rule; from pending only
    assert approved is not None and issued is not None and voided is not None
    assert (approved.status, approved.held, issued.status) == ("approved", None, "issued")
    assert (voided.status, voided.reason) == ("voided", "cap_reached")
    assert entries == {
        "referrer": [
            ("pending", Decimal("12.5"), "velocity", "engine"),
            ("approved", Decimal("12.5"), None, "dana@shop.example"),
            ("issued", Decimal("12.5"), "payout 42", "api"),
        ],
        "friend": [
            ("pending", Decimal("12.5"), None, "engine"),
            ("voided", Decimal("12.5"), "cap_reached", "engine"),
        ],
    }


async def test_a_newcomer_is_written_with_the_address_they_wrote_from(store: Store) -> None:
    dan, taken = Address("telegram", "77"), Address("console", "alice")
    alice = await _person(store, "alice")
    async with store.transaction() as tx:
        person, attached = await tx.participants.arrive_new(
            dan, display_name="Dan 🎉", lang="ko", at=NOW, time_zone="Asia/Seoul", reply_to="c1"
        )
        late, lost = await tx.participants.arrive_new(taken, display_name="", lang="en", at=NOW)
        found = await tx.participants.by_address(dan)
        owner = await tx.participants.by_address(taken)
    assert attached and (person.display_name, person.lang, person.time_zone) == (
        "Dan 🎉",
        "ko",
        "Asia/Seoul",
    )
    assert found is not None and found[0] == person and found[1].reply_to == "c1"
    # Another transaction attached the address first: theirs stands, the newcomer is apart.
    assert not lost and late.id != alice
    assert owner is not None and owner[0].id == alice
