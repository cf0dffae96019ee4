"""A friend joins through a code ("JOIN K7Q2M9XA", Telegram /start K7Q2M9XA).

The friend hears what they got in the welcome itself; the referrer is thanked, and told of
any milestone or cap the signup reached.
"""

from __future__ import annotations

from bot.core.codes import normalize_code
from bot.core.signups import Signup, sign_up
from bot.core.store.records import Participant
from bot.flows.base import Context, Effects, Turn
from bot.flows.menu import menu
from bot.flows.reward_text import reward_text
from bot.flows.thanks import thank_and_tell

_REFUSALS = {
    "self_referral": "join.own_code",
    "already_referred": "join.already_referred",
    "already_customer": "join.already_customer",
}


async def join(ctx: Context, turn: Turn) -> Effects:
    cat, lang = ctx.catalogs, turn.lang
    typed = turn.reading.args.get("code", "")
    code = normalize_code(typed)
    if code is None:
        return Effects.say(cat.text(lang, "join.invalid_code", code=typed[:20]))
    referrer = await turn.tx.participants.by_code(code)
    if referrer is None:
        return Effects.say(cat.text(lang, "join.unknown_code", code=code))
    signup = await sign_up(
        turn.tx,
        program=ctx.program,
        referrer=referrer,
        friend=turn.participant,
        code=code,
        channel=turn.inbound.sender.channel,
        at=turn.now,
    )
    if signup.referral is None:
        key = _REFUSALS.get(signup.reason or "", "join.already_referred")
        return Effects.say(cat.text(lang, key), *menu(cat, lang, "LINK"))
    welcome = Effects.say(_welcome(ctx, turn, referrer, signup), *menu(cat, lang, "LINK", "HELP"))
    thanks = await thank_and_tell(
        ctx,
        turn.tx,
        referral=signup.referral,
        friend=turn.participant,
        news=signup.news.without_grants_to(turn.participant.id),  # the welcome says those
        now=turn.now,
    )
    return welcome + thanks


def _welcome(ctx: Context, turn: Turn, referrer: Participant, signup: Signup) -> str:
    cat, lang = ctx.catalogs, turn.lang
    name = referrer.display_name.strip()
    got = [
        reward_text(cat, lang, r)
        for r in signup.news.granted_to(turn.participant.id)
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
