"""What `serve` logs when Slack is configured the way docs/slack.md says (SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET in the environment): nothing that says the token goes unused."""

from __future__ import annotations

import logging

import pytest

from bot.channels.slack import Slack
from bot.core.messages import Inbound
from tests.channels.fake_slack import SECRET, TOKEN


class Inbox:
    async def message(self, inbound: Inbound) -> None:  # never called: no request arrives
        raise AssertionError(inbound)


def test_routing_slack_with_the_token_in_the_environment_logs_no_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    slack = Slack(token=TOKEN, signing_secret=SECRET, base_url="http://127.0.0.1:9/api/")
    with caplog.at_level(logging.WARNING):
        routes = slack.routes(Inbox())  # type: ignore[arg-type]
    assert [route.path for route in routes] == ["/slack/events"]  # type: ignore[attr-defined]
    assert [r.getMessage() for r in caplog.records] == []


def test_bolts_other_warnings_still_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    slack = Slack(token=TOKEN, signing_secret=SECRET, base_url="http://127.0.0.1:9/api/")
    slack.routes(Inbox())  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        logging.getLogger("slack_bolt.AsyncApp").warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]
