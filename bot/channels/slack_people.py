"""Who a Slack user is: the name, time zone and language Slack keeps for them (users.info).

A message event carries only a user id, so without this a friend who joins in a DM is nameless
on the referrer's thank-you and in the dashboard, and thanked on UTC's clock. One users.info
call per person, remembered in memory (Slack's Tier 4: 100+ a minute). A lookup that fails or
is slow leaves the message as it came: it never holds up the ack beyond `LOOKUP_SECONDS`.
https://docs.slack.dev/reference/methods/users.info (the app needs the users:read scope)
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_network import NETWORK_ERRORS
from bot.core.clock import Clock
from bot.core.language import language_of_tag
from bot.core.messages import Inbound
from bot.core.normalize import clean
from bot.core.phones import known_zone
from bot.core.retry_after import retry_after

log = logging.getLogger(__name__)

LOOKUP_SECONDS = 1.0  # of Slack's 3 s to ack: the message is recorded with what is known then
MAX_REMEMBERED = 10_000
MISSING_SCOPE_PAUSE = timedelta(hours=1)  # an app installed before users:read was asked for
FAILURE_PAUSE = timedelta(seconds=30)  # Slack down or slow: don't add a second to every DM


@dataclass(frozen=True, slots=True)
class SlackPerson:
    name: str
    time_zone: str | None
    lang: str | None


class SlackPeople:
    def __init__(
        self, client: AsyncWebClient, clock: Clock, *, timeout: float = LOOKUP_SECONDS
    ) -> None:
        self._client = client
        self._clock = clock
        self._timeout = timeout
        self._known: OrderedDict[str, SlackPerson] = OrderedDict()
        self._quiet_until: datetime | None = None

    async def complete(self, inbound: Inbound) -> Inbound:
        """The inbound with the sender's Slack name, zone and language in its profile (a name
        the payload gave, a slash command's handle, gives way to the one people see)."""
        user = inbound.sender.id.rpartition(":")[2]
        person = await self.lookup(user)
        if person is None:
            return inbound
        profile = dataclasses.replace(
            inbound.profile,
            name=person.name or inbound.profile.name,
            time_zone=inbound.profile.time_zone or person.time_zone,
            lang=inbound.profile.lang or person.lang,
        )
        return dataclasses.replace(inbound, profile=profile)

    async def lookup(self, user: str) -> SlackPerson | None:
        known = self._known.get(user)
        if known is not None:
            self._known.move_to_end(user)
            return known
        now = self._clock.now()
        if self._quiet_until is not None and now < self._quiet_until:
            return None
        try:
            found = await asyncio.wait_for(
                self._client.users_info(user=user, include_locale=True), self._timeout
            )
        except SlackApiError as exc:
            self._refused(exc, now)
            return None
        except NETWORK_ERRORS as exc:
            log.warning("slack users.info for %s failed: %s", user, exc)
            self._quiet_until = now + FAILURE_PAUSE
            return None
        person = person_of(found.get("user"))
        if person is not None:
            self._known[user] = person
            if len(self._known) > MAX_REMEMBERED:
                self._known.popitem(last=False)
        return person

    def _refused(self, exc: SlackApiError, now: datetime) -> None:
        error = exc.response.get("error") if exc.response is not None else None
        if error == "missing_scope":
            log.warning("slack users.info needs the users:read scope: names stay blank")
            self._quiet_until = now + MISSING_SCOPE_PAUSE
        elif exc.response is not None and exc.response.status_code == 429:
            wait = retry_after(exc.response.headers.get("Retry-After"), now)
            self._quiet_until = now + timedelta(seconds=60.0 if wait is None else wait)
        # user_not_found and the like concern one user: the next is asked afresh


def person_of(user: object) -> SlackPerson | None:
    """users.info's `user` as a person: the name shown in Slack (display name, else real name,
    else handle), an IANA zone, our language for their locale."""
    if not isinstance(user, Mapping):
        return None
    profile = user.get("profile")
    fields: Mapping[str, Any] = profile if isinstance(profile, Mapping) else {}
    for candidate in (
        fields.get("display_name"),
        fields.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and clean(candidate):
            name = clean(candidate)[:80]
            break
    else:
        name = ""
    zone = user.get("tz")
    locale = user.get("locale")
    return SlackPerson(
        name=name,
        time_zone=zone if isinstance(zone, str) and known_zone(zone) else None,
        lang=language_of_tag(locale) if isinstance(locale, str) else None,
    )
