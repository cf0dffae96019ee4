"""The operator's counts read as English: "1 problem", "2 problems", never "problem(s)"."""

from bot.core.plural import counted


def test_counts_say_one_thing_or_several() -> None:
    assert counted(1, "problem") == "1 problem"
    assert counted(0, "message") == "0 messages"
    assert counted(2, "reply", "replies") == "2 replies"
