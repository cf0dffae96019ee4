"""Referral links: the web link everyone can open, and a channel's deep link where it has one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

DeepLink = Callable[[str], str | None]
LINK_PATH = "/r/{code}"  # the referral link's path, as served and as shared


@dataclass(frozen=True, slots=True)
class ShareLinks:
    public_base_url: str
    # channel name -> code -> deep link (Telegram's t.me/<bot>?start=<code>), asked at call time
    deep_links: Mapping[str, DeepLink] = field(default_factory=dict)

    def web(self, code: str) -> str:
        return self.public_base_url.rstrip("/") + LINK_PATH.format(code=code)

    def deep(self, channel: str, code: str) -> str | None:
        make = self.deep_links.get(channel)
        return None if make is None else make(code)
