"""The conversation engine: one inbound message in, one transaction, outbox rows out.

The event is recorded, the sender found or created, the text read, the flow run and its
replies enqueued, all in one transaction: a crash leaves either everything or nothing, and a
provider's retry of the same event changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.enqueue import enqueue_scheduled
from bot.core.intents import Grammar, Reading
from bot.core.language import LANGUAGES, detect_language, is_decisive
from bot.core.messages import Inbound, Outbound
from bot.core.router import route
from bot.core.store import Store, Tx
from bot.core.store.records import Identity, Participant
from bot.flows.base import Context, Effects, Turn

MAX_TEXT = 4096  # longer messages are read by their start; nobody types a novel to a bot


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of an inbound message, for channels and tests."""

    duplicate: bool
    reading: Reading | None = None
    participant_id: int | None = None
    enqueued: int = 0


class Engine:
    def __init__(
        self,
        *,
        store: Store,
        grammar: Grammar,
        context: Context,
        clock: Clock,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._grammar = grammar
        self._context = context
        self._clock = clock
        self._on_enqueued = on_enqueued

    def read(self, text: str, known_lang: str | None = None) -> Reading:
        return self._grammar.read(text[:MAX_TEXT], known_lang)

    async def handle(self, inbound: Inbound) -> Handled:
        now = self._clock.now()
        async with self._store.transaction() as tx:
            sender = inbound.sender
            if not await tx.events.first_time(sender.channel, inbound.event_id, now):
                return Handled(duplicate=True)
            participant, identity, is_new = await self._participant(tx, inbound)
            reading = await self._answer_to_question(tx, participant, inbound) or self._reading(
                inbound, participant
            )
            if is_decisive(inbound.text) and reading.lang != participant.lang:
                # Someone writing Hangul or Han characters wants answers in that language.
                await tx.participants.set_language(participant.id, reading.lang, chosen=False)
                participant = await self._reload(tx, participant.id)
            turn = Turn(
                tx=tx,
                inbound=inbound,
                participant=participant,
                identity=identity,
                reading=reading,
                now=now,
                is_new=is_new,
            )
            effects = await route(reading.intent)(self._context, turn)
            enqueued = await self._enqueue(tx, turn, effects)
        if enqueued:
            self._on_enqueued()
        return Handled(False, reading, participant.id, enqueued)

    def _reading(self, inbound: Inbound, participant: Participant) -> Reading:
        if inbound.profile.get("media_only"):
            # A photo with no words: the channel said so; there is no text to read.
            return Reading("media", participant.lang, {})
        return self.read(inbound.text, participant.lang)

    async def _answer_to_question(
        self, tx: Tx, participant: Participant, inbound: Inbound
    ) -> Reading | None:
        """ "2" after "Did you mean 1) ... or 2) ...?" means the second choice's keyword."""
        choice = inbound.text.strip().rstrip(").")
        if choice not in ("1", "2"):
            return None
        asked = await tx.outbox.last_answer(participant.id)
        if asked is None or asked.kind != "clarify" or len(asked.buttons) < int(choice):
            return None
        return self.read(asked.buttons[int(choice) - 1].value, participant.lang)

    async def _participant(self, tx: Tx, inbound: Inbound) -> tuple[Participant, Identity, bool]:
        now = self._clock.now()
        found = await tx.participants.by_address(inbound.sender)
        if found is not None:
            await tx.participants.seen(inbound.sender, now)
            return found[0], found[1], False
        hint = inbound.profile.get("lang")
        known = hint if isinstance(hint, str) and hint in LANGUAGES else None
        lang = detect_language(inbound.text[:MAX_TEXT], known)
        name = inbound.profile.get("name")
        tz = inbound.profile.get("time_zone")
        participant = await tx.participants.create(
            display_name=name.strip()[:80] if isinstance(name, str) else "",
            lang=lang,
            time_zone=tz if isinstance(tz, str) else None,
            at=now,
        )
        reply_to = inbound.profile.get("reply_to")
        await tx.participants.attach(
            inbound.sender,
            participant.id,
            at=now,
            reply_to=reply_to if isinstance(reply_to, str) else None,
        )
        identity = await tx.participants.identity(inbound.sender)
        assert identity is not None
        return participant, identity, True

    async def _reload(self, tx: Tx, participant_id: int) -> Participant:
        participant = await tx.participants.get(participant_id)
        assert participant is not None
        return participant

    async def _enqueue(self, tx: Tx, turn: Turn, effects: Effects) -> int:
        count = 0
        sender = turn.inbound.sender
        for reply in effects.replies:
            message = Outbound(sender, reply.text, reply.buttons, turn.identity.reply_to)
            row_id = await tx.outbox.enqueue(
                message,
                kind=reply.kind,
                due_at=turn.now,
                at=turn.now,
                participant_id=turn.participant.id,
            )
            count += row_id is not None
        count += await enqueue_scheduled(tx, effects, at=turn.now)
        return count
