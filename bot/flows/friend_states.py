"""Each friend who counted, as the referrer reads them: joined, not bought yet, reward pending
until a day, approved, issued, or past the cap (the friend still got theirs).

Friends held for review or refunded are not here: the count lists them under "didn't count".
"""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.reward_text import local_day
from bot.core.store.records import COUNTED
from bot.core.store.reward_record import Reward
from bot.flows.names import first_name, mask_name

READ = 20  # the most recent friends; older ones are summed up as "...and 3 more"
NAMED_YET_TO_BUY = 3  # "Signed up but not bought yet: carol, bob and ann."


async def friend_lines(
    ctx: Context, turn: Turn, skip: frozenset[int]
) -> tuple[list[str], int]:
    """One line per counted friend, newest first, and how many older ones were not read;
    `skip`: referral ids listed elsewhere."""
    if not ctx.program.rewards:
        return [], 0  # nothing to tell apart: "joined" for everyone is the total already
    cat, lang, me = ctx.catalogs, turn.lang, turn.participant
    mine: dict[int, Reward] = {}
    for earned in await turn.tx.rewards.of_participant(me.id):
        if earned.kind == "referral":
            mine.setdefault(earned.referral_id, earned)
    lines = []
    read = await turn.tx.referrals.lines(me.id, limit=READ)
    counted = [line for line in read if line.status in COUNTED]
    older = me.referral_count - len(counted) if len(read) == READ else 0
    for line in counted:
        if line.referral_id in skip:
            continue
        name = mask_name(line.friend_name)
        reward = mine.get(line.referral_id)
        if reward is None:
            waiting = line.status == "signed_up" and ctx.program.qualifying_event == "purchase"
            key = "count.friend_waiting" if waiting else "count.friend_joined"
            lines.append(cat.text(lang, key, name=name))
        elif reward.status == "voided" and reward.reason == "cap_reached":
            lines.append(cat.text(lang, "count.friend_capped", name=name))
        elif reward.held is not None or reward.status == "voided":
            continue  # held for review or refunded: under "didn't count", with why
        elif reward.status == "pending":
            day = local_day(reward.hold_until, me, ctx.program.default_time_zone)
            date = cat.format_date(lang, day)
            lines.append(cat.text(lang, "count.friend_pending", name=name, date=date))
        else:
            key = "count.friend_issued" if reward.status == "issued" else "count.friend_approved"
            lines.append(cat.text(lang, key, name=name))
    return lines, max(0, older)


async def yet_to_buy(
    ctx: Context, turn: Turn, bought: frozenset[int] = frozenset()
) -> str | None:
    """The friends who signed up and have yet to buy, newest first, by first name: in a
    purchase program the referrer's rewards wait for them. `bought`: referral ids that earned
    a reward already (one held for review stays `signed_up`)."""
    cat, lang = ctx.catalogs, turn.lang
    names = [
        name
        for line in await turn.tx.referrals.lines(turn.participant.id, limit=READ)
        if line.status == "signed_up"
        and line.referral_id not in bought
        and (name := first_name(line.friend_name))
    ][:NAMED_YET_TO_BUY]
    if not names:
        return None
    return cat.text(lang, "rewards.waiting_purchase", names=cat.format_list(lang, names))
