"""Long polling, for a bot without a public https URL (TELEGRAM_WEBHOOK_SECRET unset).

Each update goes through the same handler as a webhook delivery, so dedupe and meaning are the
same. An update is confirmed (the next getUpdates `offset` passes it) only once it has been
handled: if the database is down, Telegram hands it over again, as it retries a webhook that
answered 500. Only one process may poll a bot; a second one gets 409 Conflict and waits.

A batch (up to 100 updates) is handled chat by chat side by side, each chat's updates in order:
their transactions then share SQLite's group commits (bot/core/store/sqlite.py) instead of one
commit each in turn. If an update fails, the offset stops at it: it and the batch's later
updates come again, and those already handled are recognised by their update id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.channels.telegram_delivery import retry_seconds
from bot.channels.telegram_updates import lane, update_id

Update = Mapping[str, Any]  # as Telegram sent it: telegram_updates.py reads it

MAX_PAUSE = 60.0
CONFLICT = (
    "telegram polling: Telegram gives this bot's updates to someone else (409 %s): another "
    "`referral-bot serve` polls the same TELEGRAM_BOT_TOKEN, or a webhook was set for it; "
    "stop the other one, or run `referral-bot telegram setup` here. Trying again"
)

log = logging.getLogger(__name__)


def pause(exc: BaseException | None, failures: int, *, base: float) -> float:
    """Seconds to wait after the n-th failure in a row: Telegram's word on 429, else doubling."""
    if isinstance(exc, RetryAfter):
        return retry_seconds(exc)
    return min(MAX_PAUSE, base * 2.0 ** max(0, failures - 1))


async def poll(
    ready: Callable[[], Awaitable[Bot]],
    get_updates: Callable[[int | None], Awaitable[Sequence[Update]]],
    handle: Callable[[Update], Awaitable[str | None]],
    *,
    base_pause: float,
) -> None:
    """getUpdates (`get_updates(offset)`, one long poll) until cancelled or the token is
    refused; `handle` returns a callback query id to acknowledge."""
    offset: int | None = None
    failures = 0
    webhook_deleted = False
    while True:
        try:
            bot = await ready()
            if not webhook_deleted:  # getUpdates answers 409 while a webhook is set
                webhook_deleted = await bot.delete_webhook()
            updates = [u for u in await get_updates(offset) if update_id(u) is not None]
            if updates:
                failed = await _handle_batch(bot, updates, handle)
                last = max(_id(u) for u in updates)
                offset = last + 1 if failed is None else failed[0]
                if failed is not None:
                    raise failed[1]
        except InvalidToken as exc:
            log.error("telegram polling stopped: %s", exc)
            return
        except Conflict as exc:  # Telegram's own words say "use deleteWebhook", not what to do
            failures += 1
            log.warning(CONFLICT, exc.message)
            await asyncio.sleep(pause(exc, failures, base=base_pause))
        except Exception as exc:  # network, 409, 429, a database hiccup: pause and go on
            failures += 1
            log.warning("telegram polling: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(pause(exc, failures, base=base_pause))
        else:
            failures = 0


async def _handle_batch(
    bot: Bot, updates: Sequence[Update], handle: Callable[[Update], Awaitable[str | None]]
) -> tuple[int, Exception] | None:
    """Each chat's updates in order, the chats side by side; the first update that failed (its
    id and error), if any: a chat stops at its failure, so its later updates wait for it."""
    lanes: dict[Hashable, list[Update]] = {}
    for update in updates:
        lanes.setdefault(lane(update), []).append(update)
    failures: list[tuple[int, Exception]] = []

    async def run(lane: list[Update]) -> None:
        for update in lane:
            try:
                query_id = await handle(update)
            except Exception as exc:
                failures.append((_id(update), exc))
                return
            if query_id is not None:
                await _answer(bot, query_id)

    await asyncio.gather(*(run(lane) for lane in lanes.values()))
    return min(failures, key=lambda failure: failure[0]) if failures else None


def _id(update: Update) -> int:
    found = update_id(update)
    assert found is not None  # updates without one were left out
    return found


async def _answer(bot: Bot, query_id: str) -> None:
    try:
        await bot.answer_callback_query(query_id)
    except TelegramError as exc:  # it only stops a spinner; a stale query id is fine to skip
        log.info("telegram: callback query not answered: %s", exc)
