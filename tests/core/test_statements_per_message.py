"""How many SQL statements and commits one inbound message costs (issue #15's budget): counted
by a database wrapper around the real one, on SQLite and PostgreSQL. Each message is one
transaction; BEGIN and COMMIT are not statements here."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound, Profile
from bot.core.store import Store
from bot.core.store.database import open_database
from bot.core.store.migrate import upgrade
from tests.fakes import CollectingChannel
from tests.statements import CountingDatabase

# At most this many statements (SQLite, PostgreSQL: there the message's event id is recorded and
# its sender read and marked seen in one statement, and the join reads the referrer's row by its
# code holding its lock, in one).
# Tightened with issue #15's work (was 6, 5, 17/18, 6, 6): a known sender is read and marked
# seen in one statement, the counts and the rank come from rows kept by triggers, the join's
# rules read their facts together, and the replies go into the outbox in one INSERT.
BUDGET = {
    "my link": (6, 4),
    "LINK": (4, 3),
    "JOIN": (8, 6),
    "how many friends have I referred?": (4, 3),
    "who's on top?": (4, 3),
}


async def test_each_message_is_one_commit_within_its_statement_budget(database_url: str) -> None:
    db = await open_database(database_url)
    await upgrade(db)
    counting = CountingDatabase(db)
    clock = FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    channel = CollectingChannel("console")
    settings = Settings(database_url=database_url, public_base_url="https://ref.example")
    bot = await build(settings, channels=[channel], clock=clock, store=Store(counting))
    spent: dict[str, tuple[int, int]] = {}
    code = ""
    try:
        for n, (who, text) in enumerate(
            [
                ("alice", "my link"),
                ("alice", "LINK"),
                ("bob", "JOIN"),
                ("alice", "how many friends have I referred?"),
                ("alice", "who's on top?"),
            ]
        ):
            counting.tally.reset()
            said = f"JOIN {code}" if text == "JOIN" else text
            await bot.engine.handle(
                Inbound(Address("console", who), said, f"e{n}", clock.now(), Profile(name=who))
            )
            spent[text] = (counting.tally.statements, counting.tally.commits)
            if not code:
                async with bot.store.transaction() as tx:
                    found = await tx.participants.by_address(Address("console", "alice"))
                assert found is not None
                code = found[0].code
        await bot.dispatcher.dispatch_due()
    finally:
        await bot.close()
    column = 0 if db.dialect == "sqlite" else 1
    assert {text: commits for text, (_, commits) in spent.items()} == dict.fromkeys(BUDGET, 1)
    over = {t: s for t, (s, _) in spent.items() if s > BUDGET[t][column]}
    assert over == {}, f"over budget: {over} (budget {BUDGET})"
    # The join did what a join does: bob was welcomed and alice thanked, with the count.
    assert [m.text.split("\n")[0] for m in channel.sent if m.to.id == "bob"] == [
        "Welcome! You joined through alice's invite."
    ]
    assert any("That's 1 friend so far." in text for text in channel.to("alice"))
