"""The typed messages that cross the line between channels and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CHANNELS: tuple[str, ...] = ("sms", "telegram", "slack", "console", "web")


@dataclass(frozen=True, slots=True)
class Address:
    """Where a person is reached: an E.164 number, a Telegram user id, `team:user` on Slack."""

    channel: str
    id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.id}"


SHARE = "share"  # Button.action of a link to pass on: a share sheet and a QR code where possible


@dataclass(frozen=True, slots=True)
class Button:
    """A next step offered with a reply; channels without buttons render it as text."""

    label: str
    value: str  # what the person would type to get the same result, e.g. "LINK"
    action: str | None = None  # a staff button's own action id; None for a typed keyword

    @classmethod
    def share(cls, label: str, link: str) -> Button:
        """The person's link, to share: Telegram offers its share sheet, Slack a block to copy,
        both a QR code; SMS and the terminal drop it (the text carries the link)."""
        return cls(label, link, SHARE)

    @property
    def is_share(self) -> bool:
        return self.action == SHARE


def typed(buttons: tuple[Button, ...]) -> tuple[Button, ...]:
    """The buttons a person could answer by typing (share links are not among them)."""
    return tuple(b for b in buttons if not b.is_share)


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """What the channel knows of the sender beyond the text; each field is optional."""

    name: str = ""  # the display name the provider gives (first and last, a username)
    lang: str | None = None  # a language hint (Telegram's language_code, a phone's country)
    time_zone: str | None = None  # an IANA zone, when the channel can tell (a phone number)
    reply_to: str | None = None  # a provider chat or channel id, when it differs from the sender
    media_only: bool = False  # a photo or sticker with no words: there is no text to read
    provider_confirms_optout: bool = False  # the carrier already answered STOP/START itself


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a person, already verified and translated by its channel."""

    sender: Address
    text: str
    event_id: str
    received_at: datetime
    profile: Profile = field(default_factory=Profile)


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to a person; the dispatcher hands it to the addressed channel."""

    to: Address
    text: str
    buttons: tuple[Button, ...] = ()
    reply_to: str | None = None  # a provider thread or chat id, when it differs from `to.id`
    # For staff in Slack: replace a message already posted (its provider id) instead of posting,
    # answer in a message's thread, show it to `to` alone, and send text already in the
    # channel's markup (mentions, dates) rather than escaping it.
    edit_of: str | None = None
    thread: str | None = None
    ephemeral: bool = False
    markup: bool = False


@dataclass(frozen=True, slots=True)
class Scheduled:
    """An outbound message due later, enqueued once per dedupe key."""

    message: Outbound
    due_at: datetime
    dedupe_key: str
    kind: str
