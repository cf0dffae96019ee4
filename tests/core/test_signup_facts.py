"""What the signup rules read, in one statement: both sides' identities (the one used last
first), whether the friend is referred already, and the code's signups in the last hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.messages import Address
from bot.core.store import Store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def test_the_facts_of_a_signup(store: Store) -> None:
    async with store.transaction() as tx:
        alice = await tx.participants.create(display_name="Alice", lang="en", at=NOW)
        bob = await tx.participants.create(display_name="Bob", lang="en", at=NOW)
        old, new = [await tx.participants.create(display_name=n, lang="en", at=NOW) for n in "on"]
        await tx.participants.attach(Address("sms", "+14155550100"), alice.id, at=NOW)
        await tx.participants.attach(Address("telegram", "42"), alice.id, at=NOW)
        await tx.participants.seen(Address("telegram", "42"), NOW + timedelta(minutes=5))
        await tx.participants.attach(Address("console", "bob"), bob.id, at=NOW)
        early = NOW - timedelta(hours=2)
        await tx.referrals.create(
            referrer_id=alice.id, friend_id=old.id, code=alice.code, channel="sms", at=early
        )
        await tx.referrals.create(
            referrer_id=alice.id, friend_id=new.id, code=alice.code, channel="sms", at=NOW
        )
        await tx.referrals.create(
            referrer_id=bob.id,
            friend_id=new.id,
            code=bob.code,
            channel="sms",
            at=NOW,
            status="rejected",
            reason="already_referred",
        )
        facts = await tx.rewards.flags.signup_facts(
            alice.id, bob.id, since=NOW - timedelta(hours=1)
        )
        friend_side = await tx.rewards.flags.signup_facts(bob.id, new.id, since=early)
    assert [i.address for i in facts.identities[alice.id]] == [
        Address("telegram", "42"),
        Address("sms", "+14155550100"),
    ]
    assert [i.address for i in facts.identities[bob.id]] == [Address("console", "bob")]
    assert not facts.friend_referred and facts.recent_signups == 1
    # bob's refused attempt is no signup of his; the friend counts for alice already
    assert friend_side.friend_referred and friend_side.recent_signups == 0
    assert friend_side.identities[new.id] == ()
