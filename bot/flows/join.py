"""A friend joins through a code ("JOIN K7Q2M9XA", Telegram /start K7Q2M9XA)."""

from __future__ import annotations

from bot.core.codes import normalize_code
from bot.core.signups import sign_up
from bot.flows.base import Context, Effects, Turn
from bot.flows.menu import menu
from bot.flows.thanks import thank_referrer

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
        referrer=referrer,
        friend=turn.participant,
        code=code,
        channel=turn.inbound.sender.channel,
        at=turn.now,
    )
    if signup.referral is None:
        key = _REFUSALS.get(signup.reason or "", "join.already_referred")
        return Effects.say(cat.text(lang, key), *menu(cat, lang, "LINK"))
    name = referrer.display_name.strip()
    text = (
        cat.text(lang, "join.welcome", referrer=name)
        if name
        else cat.text(lang, "join.welcome_anonymous")
    )
    welcome = Effects.say(text, *menu(cat, lang, "LINK", "HELP"))
    thanks = await thank_referrer(
        cat, turn.tx, referral=signup.referral, friend=turn.participant, now=turn.now
    )
    return welcome + thanks
