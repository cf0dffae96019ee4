"""STOP and START, per channel identity: after STOP nothing more goes to that address."""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects


async def stop(ctx: Context, turn: Turn) -> Effects:
    await turn.tx.participants.set_opted_out(turn.identity.address, True, at=turn.now)
    if turn.inbound.profile.provider_confirms_optout:
        return Effects()  # the carrier already sent its own confirmation (Twilio STOP handling)
    # The one message allowed after STOP: the confirmation, which the dispatcher lets through.
    return Effects.say(ctx.catalogs.text(turn.lang, "stop.confirm"), kind="optout_confirmation")


async def start(ctx: Context, turn: Turn) -> Effects:
    if turn.inbound.profile.provider_confirms_optout:
        await turn.tx.participants.set_opted_out(turn.identity.address, False, at=turn.now)
        return Effects()
    if not turn.identity.opted_out:
        # "don't unsubscribe me" from someone who never left: not a welcome back
        return Effects.say(ctx.catalogs.text(turn.lang, "start.already"))
    await turn.tx.participants.set_opted_out(turn.identity.address, False, at=turn.now)
    return Effects.say(ctx.catalogs.text(turn.lang, "start.confirm"))
