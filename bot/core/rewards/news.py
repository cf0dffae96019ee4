"""What a rewards event changed, for the flows to tell the people it concerns."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.core.store.rewards import Reward


@dataclass(frozen=True, slots=True)
class Capped:
    """A person reached a rule's cap: what they got was cut, or nothing more was added."""

    participant_id: int
    rule_id: str
    unit: str
    measure: str | None
    label: str | None
    cap: Decimal


@dataclass(frozen=True, slots=True)
class RewardNews:
    granted: tuple[Reward, ...] = ()  # new promises per referral, in their state now
    approved: tuple[Reward, ...] = ()  # holds that ended, or a reviewer's approval
    voided: tuple[Reward, ...] = ()  # refunds, reviewers
    milestones: tuple[Reward, ...] = ()  # perks for reaching a milestone, the moment reached
    capped: tuple[Capped, ...] = ()

    def __add__(self, other: RewardNews) -> RewardNews:
        return RewardNews(
            self.granted + other.granted,
            self.approved + other.approved,
            self.voided + other.voided,
            self.milestones + other.milestones,
            self.capped + other.capped,
        )

    def __bool__(self) -> bool:
        return bool(self.granted or self.approved or self.voided or self.milestones or self.capped)

    def granted_to(self, participant_id: int) -> tuple[Reward, ...]:
        return tuple(r for r in self.granted if r.participant_id == participant_id)

    def without_grants_to(self, participant_id: int) -> RewardNews:
        """The news minus what a reply already says (the friend's welcome names their reward)."""
        granted = tuple(r for r in self.granted if r.participant_id != participant_id)
        return RewardNews(granted, self.approved, self.voided, self.milestones, self.capped)
