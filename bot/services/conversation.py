"""The conversation: one inbound message in, one transaction, outbox rows out.

The event is recorded, the sender found or created, the text read, the flow run and its
replies enqueued, all in one transaction: a crash leaves either everything or nothing, and a
provider's retry of the same event changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from bot.core.context import Context, Flow, Turn
from bot.core.intents import Grammar, Intent, Reading
from bot.core.language import LANGUAGES, detect_language, is_decisive, is_english_sentence
from bot.core.messages import Inbound
from bot.core.normalize import clean
from bot.core.store import Tx
from bot.core.store.records import Identity, Participant
from bot.services.unit_of_work import Done, Sender, UnitOfWork

MAX_TEXT = 4096  # longer messages are read by their start; nobody types a novel to a bot
# Keywords, button taps and the usual questions come again and again; reading one is ~0.08 ms.
# Only short texts are kept, so unique long messages cannot crowd them out or fill memory.
READINGS_KEPT = 1024
SHORT_TEXT = 100


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
        work: UnitOfWork,
        grammar: Grammar,
        context: Context,
        routes: Mapping[Intent, Flow],
    ) -> None:
        self._work = work
        self._grammar = grammar
        self._context = context
        self._routes = routes
        # A Reading is frozen and no flow changes its args, so one may be handed out twice.
        self._read_short = lru_cache(maxsize=READINGS_KEPT)(grammar.read)

    def read(self, text: str, known_lang: str | None = None) -> Reading:
        if len(text) <= SHORT_TEXT:
            return self._read_short(text, known_lang)
        return self._grammar.read(text[:MAX_TEXT], known_lang)

    async def handle(self, inbound: Inbound) -> Handled:
        async def work(tx: Tx, now: datetime) -> Done[Handled]:
            first, found = await tx.participants.arrive_once(inbound.sender, inbound.event_id, now)
            if not first:
                return Done(Handled(duplicate=True))
            participant, identity, is_new = await self._participant(tx, inbound, now, found)
            reading = await self._answer_to_question(tx, participant, inbound) or self._reading(
                inbound, participant
            )
            if reading.lang != participant.lang and (
                is_decisive(inbound.text)
                or (is_english_sentence(inbound.text) and not participant.lang_chosen)
            ):
                # Someone writing Hangul or Han characters wants answers in that language, and
                # so does someone writing English sentences, unless they chose another with LANG.
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
            effects = await self._routes[reading.intent](self._context, turn)
            sender = Sender(inbound.sender, identity.reply_to, participant.id)
            return Done(Handled(False, reading, participant.id), effects, sender)

        handled, enqueued = await self._work.run_counted(work)
        if handled.duplicate:
            return handled
        return Handled(False, handled.reading, handled.participant_id, enqueued)

    def _reading(self, inbound: Inbound, participant: Participant) -> Reading:
        if inbound.profile.media_only:
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

    async def _participant(
        self,
        tx: Tx,
        inbound: Inbound,
        now: datetime,
        found: tuple[Participant, Identity] | None,  # read and marked seen with the event
    ) -> tuple[Participant, Identity, bool]:
        profile = inbound.profile
        if found is not None:
            existing, name = found[0], clean(profile.name)[:80]
            if name and not existing.display_name:
                # The channel could not tell the name at first (a Slack lookup that failed).
                await tx.participants.set_name(existing.id, name)
                existing = replace(existing, display_name=name)
            return existing, found[1], False
        known = profile.lang if profile.lang in LANGUAGES else None
        participant, attached = await tx.participants.arrive_new(
            inbound.sender,
            display_name=clean(profile.name)[:80],  # no NULs or bidi tricks in a name
            lang=detect_language(inbound.text[:MAX_TEXT], known),
            time_zone=profile.time_zone,
            at=now,
            reply_to=profile.reply_to,
        )
        if attached:
            # Just written, so known without reading it back (one statement fewer a newcomer).
            identity: Identity | None = Identity(
                inbound.sender,
                participant.id,
                profile.reply_to,
                opted_out=False,
                unreachable=False,
            )
        else:  # another transaction attached the address first: theirs stands
            identity = await tx.participants.identity(inbound.sender)
        assert identity is not None
        return participant, identity, True

    async def _reload(self, tx: Tx, participant_id: int) -> Participant:
        participant = await tx.participants.get(participant_id)
        assert participant is not None
        return participant
