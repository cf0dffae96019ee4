"""What a friend joining through a code ("JOIN K7Q2M9XA", Telegram /start K7Q2M9XA) is told.

The story itself (sign-up, fraud rules, rewards, the referrer's thanks, staff told) is
`services/friend_joined.py`; this module decides the words: how to join when no code came
("how do I join?", "my friend invited me"), a bad or unknown code, a refusal, and the welcome,
which says what the friend got, or that it is checked first when the signup is held for review.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.codes import normalize_code
from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.reward_text import reward_text
from bot.core.rewards import RewardNews
from bot.core.signups import is_existing_customer
from bot.core.store.records import Participant
from bot.flows.menu import menu
from bot.flows.names import first_name
from bot.flows.offer import event_text, side_text

_REFUSALS = {
    "self_referral": "join.own_code",
    "already_referred": "join.already_referred",
    "already_customer": "join.already_customer",
}


@dataclass(frozen=True, slots=True)
class Invite:
    """A code that names a referrer: what a join needs before the story can start."""

    code: str
    referrer: Participant


async def invite(ctx: Context, turn: Turn) -> Invite | Effects:
    """The referrer the typed code names, or the answer saying why there is none."""
    cat, lang = ctx.catalogs, turn.lang
    if "code" not in turn.reading.args:
        return await how_to_join(ctx, turn)
    typed = turn.reading.args["code"]
    code = normalize_code(typed)
    if code is None:
        return Effects.say(cat.text(lang, "join.invalid_code", code=typed[:20]))
    referrer = await turn.tx.participants.by_code(code, lock=True)  # the signup's turn
    if referrer is None:
        return Effects.say(cat.text(lang, "join.unknown_code", code=code))
    return Invite(code, referrer)


async def how_to_join(ctx: Context, turn: Turn) -> Effects:
    """A friend asks how to join, or says who invited them, without a code: how it is done
    and what they get; or, for someone who cannot join any more, why not."""
    cat, lang, me = ctx.catalogs, turn.lang, turn.participant
    referral = await turn.tx.referrals.of_friend(me.id)
    if referral is not None:
        referrer = await turn.tx.participants.get(referral.referrer_id)
        name = first_name(referrer.display_name) if referrer is not None else None
        text = (
            cat.text(lang, "join.already_joined", referrer=name)
            if name
            else cat.text(lang, "join.already_joined_anonymous")
        )
        return Effects.say(text, *menu(cat, lang, "LINK"))
    if is_existing_customer(me):
        return Effects.say(cat.text(lang, "join.already_customer"), *menu(cat, lang, "LINK"))
    lines = [cat.text(lang, "join.how")]
    reward = side_text(ctx, lang, "friend", ctx.program.day_of(turn.now))
    if reward and ctx.program.qualifying_event == "purchase":
        event = event_text(ctx, lang)
        lines.append(cat.text(lang, "join.next_purchase", reward=reward, event=event))
    elif reward:
        lines.append(cat.text(lang, "join.how_reward", reward=reward))
    return Effects.say("\n".join(lines), *menu(cat, lang, "OFFER", "HELP"))


def refused(ctx: Context, turn: Turn, reason: str | None) -> Effects:
    cat, lang = ctx.catalogs, turn.lang
    key = _REFUSALS.get(reason or "", "join.already_referred")
    return Effects.say(cat.text(lang, key), *menu(cat, lang, "LINK"))


def welcome(
    ctx: Context, turn: Turn, referrer: Participant, news: RewardNews, *, held: bool = False
) -> Effects:
    """`held`: the signup waits for a reviewer (fraud limits); the friend is told their reward
    is checked first, and hears again when it is approved (flows/reward_news.py)."""
    cat, lang = ctx.catalogs, turn.lang
    lines = [_welcome(ctx, turn, referrer, news)]
    mine = news.granted_to(turn.participant.id)
    later = side_text(ctx, lang, "friend", ctx.program.day_of(turn.now))
    if later and ctx.program.qualifying_event == "purchase" and not mine:
        # What to do next: the friend's reward comes with a purchase, not with this message.
        event = event_text(ctx, lang)
        lines.append(cat.text(lang, "join.next_purchase", reward=later, event=event))
        if held:
            lines.append(cat.text(lang, "join.held"))
    checked = [reward_text(cat, lang, r) for r in mine if r.held and r.status != "voided"]
    if checked:
        lines.append(cat.text(lang, "reward.held", amount=cat.format_list(lang, checked)))
    return Effects.say("\n".join(lines), *menu(cat, lang, "LINK", "HELP"))


def _welcome(ctx: Context, turn: Turn, referrer: Participant, news: RewardNews) -> str:
    cat, lang = ctx.catalogs, turn.lang
    name = first_name(referrer.display_name) or ""
    got = [
        reward_text(cat, lang, r)
        for r in news.granted_to(turn.participant.id)
        if r.held is None and r.status != "voided"
    ]
    if got:
        reward = cat.format_list(lang, got)
        if name:
            return cat.text(lang, "join.welcome_reward", referrer=name, reward=reward)
        return cat.text(lang, "join.welcome_reward_anonymous", reward=reward)
    if name:
        return cat.text(lang, "join.welcome", referrer=name)
    return cat.text(lang, "join.welcome_anonymous")
