"""What the store hands back: frozen rows, times as aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.messages import Address, Button

COUNTED = ("signed_up", "qualified", "rewarded")
QUALIFIED = ("qualified", "rewarded")
REASONS = (
    "self_referral",
    "already_customer",
    "already_referred",
    "attribution_expired",
    "cap_reached",
    "suspected_fraud",
)


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    code: str
    display_name: str
    lang: str
    lang_chosen: bool
    time_zone: str | None
    is_customer: bool
    link_sent_at: datetime | None
    referral_count: int
    created_at: datetime
    segment: str = "b2c"
    company: str | None = None
    customer_since: datetime | None = None
    account_manager: str | None = None  # a Slack user id
    last_purchase_at: datetime | None = None
    # Referrals still waiting to qualify, and refused ones; kept by triggers (migration 0090)
    # beside referral_count, the ones that count.
    pending_count: int = 0
    rejected_count: int = 0


@dataclass(frozen=True, slots=True)
class Identity:
    address: Address
    participant_id: int
    reply_to: str | None
    opted_out: bool
    unreachable: bool


@dataclass(frozen=True, slots=True)
class Referral:
    id: int
    referrer_id: int
    friend_id: int
    code: str
    channel: str
    status: str
    reason: str | None
    created_at: datetime
    updated_at: datetime | None = None
    referred_at: datetime | None = None  # when the friend got the code (first click), if known
    qualified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReferralCounts:
    """A referrer's referrals by status, counted from the rows themselves."""

    by_status: dict[str, int]

    @property
    def counted(self) -> int:
        return sum(self.by_status.get(status, 0) for status in COUNTED)

    @property
    def pending(self) -> int:
        return self.by_status.get("signed_up", 0)

    @property
    def rejected(self) -> int:
        return self.by_status.get("rejected", 0)


@dataclass(frozen=True, slots=True)
class BoardEntry:
    rank: int
    participant_id: int
    display_name: str
    count: int


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    to: Address
    reply_to: str | None
    participant_id: int | None
    kind: str
    text: str
    buttons: tuple[Button, ...]
    dedupe_key: str | None
    due_at: datetime
    status: str
    attempts: int
    last_error: str | None
    provider_id: str | None
    delivery_status: str | None
    created_at: datetime
    sent_at: datetime | None
    edit_of: str | None = None
    thread: str | None = None
    ephemeral: bool = False
    markup: bool = False
    priority: int = 1  # 0: a direct answer, claimed first; 1: proactive
    uncertain: int = 0  # sends whose outcome was never known
    first_due_at: datetime | None = None  # expiry and the retry window count from here
