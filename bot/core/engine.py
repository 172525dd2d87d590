"""Route each Incoming to the feature that owns it and return the Replies; no transport state here."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.domain import ContactStatus, Conversation
from bot.core.features.base import Feature, Turn
from bot.core.flood import FloodGuard, Verdict
from bot.core.i18n import Library
from bot.core.messages import Address, Choice, Incoming, Reply
from bot.core.ports import Store
from bot.errors import BadInput, StaleChoice

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4096
# last_seen_at serves the WhatsApp 24-hour window and activity counts; a minute is precise enough.
SEEN_PRECISION = timedelta(minutes=1)
# The order of the main menu; entries appear only for features that are registered.
MENU_ORDER = ("checkin", "reflect", "journey", "mood", "support", "remind", "help", "mydata", "cohorts")
# What someone who has not consented may use; everything else leads to /start.
OPEN_COMMANDS = frozenset({"start", "help", "stop", "forget", "mydata"})
OPEN_PREFIXES = frozenset({"start", "help", "menu"})


class Engine:
    def __init__(self, store: Store, library: Library, clock: Clock, features: Sequence[Feature],
                 default_language: str = "en", default_timezone: str = "UTC") -> None:
        self.store = store
        self.library = library
        self.clock = clock
        self.features = {feature.name: feature for feature in features}
        self.by_command = {command: feature for feature in features for command in feature.commands}
        self.default_language = default_language if library.supports(default_language) else "en"
        self.default_timezone = default_timezone
        # Telegram's public @name, set by its channel once known: cohort deep links use it.
        self.bot_username: str | None = None
        self._locks: weakref.WeakValueDictionary[Address, asyncio.Lock] = weakref.WeakValueDictionary()
        self.flood = FloodGuard()

    def has_command(self, command: str) -> bool:
        return command in self.by_command

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one Incoming. Never raises: bad input gets a kind answer and changes nothing."""
        text = incoming.text[:MAX_TEXT_CHARS]
        crisis = bool(text) and self.library.signals_crisis(text)
        if not (crisis or self._stops(incoming, text)):
            verdict = self.flood.check(incoming.sender, self.clock.now())
            if verdict is Verdict.DROP:
                return []
            if verdict is Verdict.WARN:
                return [Reply(self.library.text(self._hint(incoming), "errors.too_fast"))]
        lock = self._locks.get(incoming.sender)
        if lock is None:
            lock = self._locks[incoming.sender] = asyncio.Lock()
        async with lock:
            try:
                async with self.store.person_lock(incoming.sender):
                    return await self._handle(incoming, text, crisis)
            except Exception:
                log.exception("unhandled error while answering a %s update", incoming.sender.channel)
                return [Reply(self.library.text(self._hint(incoming), "errors.internal"))]

    # --- What channels learn about a person at their edge: they tell the engine, never the store. ---

    async def language_of(self, address: Address, hint: str | None = None) -> str:
        """The person's language; for someone unknown, the platform's hint when we have it, else the default."""
        contact = await self.store.contacts.find(address)
        if contact is not None:
            return contact.language
        return hint if hint is not None and self.library.supports(hint) else self.default_language

    async def seen(self, address: Address) -> str:
        """A message the engine did not answer itself arrived (it opens WhatsApp's 24-hour window): record it and
        return the person's language."""
        contact = await self.store.contacts.find(address)
        if contact is None:
            return self.default_language
        await self.store.contacts.touch(contact.id, self.clock.now())
        return contact.language

    async def mark_blocked(self, address: Address | None = None, *, contact_id: int | None = None) -> None:
        """The platform says the person cannot be reached (they blocked the bot): nothing proactive until they
        write again (writing again makes them active, see `_turn`)."""
        if address is not None:
            contact = await self.store.contacts.find(address)
        elif contact_id is not None:
            contact = await self.store.contacts.get(contact_id)
        else:
            return
        if contact is not None and contact.status == ContactStatus.ACTIVE:
            await self.store.contacts.update(contact.id, status=ContactStatus.BLOCKED)

    def _stops(self, incoming: Incoming, text: str) -> bool:
        """A stop (like a crisis) always gets through, even from someone who is flooding."""
        return incoming.command == "stop" or self.library.command_for_word(text) == "stop"

    def _hint(self, incoming: Incoming) -> str:
        hint = incoming.language_hint
        return hint if hint and self.library.supports(hint) else self.default_language

    async def _handle(self, incoming: Incoming, text: str, crisis: bool) -> list[Reply]:
        turn = await self._turn(incoming)
        try:
            if crisis:
                return await self._crisis(turn, text)
            command, args = self._command_of(turn, incoming, text)
            if command is not None:
                return await self.run_command(turn, command, args)
            if incoming.choice is not None:
                return await self._choice(turn, incoming.choice)
            return await self._text(turn, text)
        except StaleChoice:
            return [Reply(turn.t("errors.stale"), turn.menu_choices())]
        except BadInput as exc:
            return [Reply(turn.t(exc.key), turn.menu_choices())]

    async def _turn(self, incoming: Incoming) -> Turn:
        found = await self.store.find_person(incoming.sender)
        if found is None:
            return Turn(self, incoming, None, Conversation(), self._hint(incoming))
        contact, conversation = found
        now = self.clock.now()
        if now - contact.last_seen_at >= SEEN_PRECISION:
            await self.store.contacts.touch(contact.id, now)
        if contact.status == ContactStatus.BLOCKED:
            await self.store.contacts.update(contact.id, status=ContactStatus.ACTIVE)
        return Turn(self, incoming, contact, conversation, contact.language)

    def _command_of(self, turn: Turn, incoming: Incoming, text: str) -> tuple[str | None, str]:
        if incoming.command is not None:
            return incoming.command, incoming.args
        if incoming.choice is not None or not text.strip():
            return None, ""
        word = self.library.command_for_word(text)
        if word is None or word not in self.by_command:
            return None, ""
        state = turn.conversation.state
        owner = self.features.get(turn.conversation.feature or "")
        if word != "stop" and state is not None and owner is not None and owner.awaits_text(state):
            return None, ""
        return word, ""

    async def run_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        feature = self.by_command.get(command)
        if feature is None:
            return [Reply(turn.t("errors.unknown_command"), turn.menu_choices())]
        if turn.contact is None and command not in OPEN_COMMANDS and feature.needs_consent:
            return await self.by_command["start"].on_command(turn, "start", args if command == "join" else "")
        if command in feature.facilitator_only and not (turn.contact and turn.contact.is_facilitator):
            return [Reply(turn.t("errors.not_facilitator"), turn.menu_choices())]
        await turn.clear_state()
        return await feature.on_command(turn, command, args)

    async def _choice(self, turn: Turn, choice: str) -> list[Reply]:
        name, *parts = choice.split(":")
        if name == "menu":
            if len(parts) != 1 or parts[0] not in self.by_command:
                raise StaleChoice(choice)
            return await self.run_command(turn, parts[0], "")
        feature = self.features.get(name)
        if feature is None:
            raise StaleChoice(choice)
        if turn.contact is None and name not in OPEN_PREFIXES:
            return await self.by_command["start"].on_command(turn, "start", "")
        return await feature.on_choice(turn, parts)

    async def _text(self, turn: Turn, text: str) -> list[Reply]:
        if turn.contact is None:
            return await self.by_command["start"].on_command(turn, "start", "")
        owner = self.features.get(turn.conversation.feature or "")
        if owner is not None:
            return await owner.on_text(turn, text)
        for feature in self.features.values():
            replies = await feature.on_free_text(turn, text)
            if replies is not None:
                return replies
        return [Reply(turn.t("errors.not_understood"), turn.menu_choices())]

    async def _crisis(self, turn: Turn, text: str) -> list[Reply]:
        """The help card at once; the text itself goes on only where it is addressed to others (a broadcast)."""
        replies = await self.by_command["help"].on_command(turn, "help", "urgent")
        owner = self.features.get(turn.conversation.feature or "")
        state = turn.conversation.state
        if owner is not None and state is not None and owner.passes_crisis_text(state):
            replies += await owner.on_text(turn, text)
        return replies

    def menu_choices(self, turn: Turn) -> tuple[Choice, ...]:
        if turn.contact is None:
            return ()
        entries = []
        for command in MENU_ORDER:
            feature = self.by_command.get(command)
            if feature is None:
                continue
            if command in feature.facilitator_only and not turn.contact.is_facilitator:
                continue
            entries.append(Choice(f"menu:{command}", turn.t(f"menu.btn_{command}")))
        return tuple(entries)
