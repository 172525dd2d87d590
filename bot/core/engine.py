"""Route each Incoming to the feature that owns it and return the Replies; no transport state here."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.core.clock import Clock
from bot.core.crisis import Signal
from bot.core.domain import CANCEL, ContactStatus, Conversation, Prompt
from bot.core.features.base import Feature, Turn
from bot.core.features.help import urgent_card
from bot.core.flood import FloodGuard, Verdict
from bot.core.i18n import Library
from bot.core.messages import Address, Choice, Incoming, Reply
from bot.core.ports import Store
from bot.core.timing import local_now
from bot.core.typed import offered_in, resolve
from bot.errors import BadInput, StaleChoice

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4096
# last_seen_at serves the WhatsApp 24-hour window and activity counts; a minute is precise enough.
SEEN_PRECISION = timedelta(minutes=1)
# The order of the main menu; entries appear only for features that are registered.
MENU_ORDER = ("checkin", "reflect", "journey", "mood", "support", "remind", "help", "mydata", "cohorts")
# What someone who has not consented may use; everything else leads to /start.
OPEN_COMMANDS = frozenset({"start", "help", "stop", "forget", "mydata", "hide", "restore"})
# Typed words that act even in the middle of a step that expects text: leaving, and clearing a shared screen.
ALWAYS_WORDS = frozenset({"stop", "hide"})
OPEN_PREFIXES = frozenset({"start", "help", "menu"})
# Commands whose code, sent as someone's very first message, waits through onboarding and is used after "I agree".
CARRIED_THROUGH_CONSENT = frozenset({"join", "facilitator", "buddy"})
HINTS_REMEMBERED = 10_000  # past this, yesterday's entries are dropped from the once-a-day hint memory
# Before consent nothing is stored, so the welcome's choices are remembered in memory only, for this many people.
MAX_REMEMBERED_BEFORE_CONSENT = 10_000


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
        # Told (channel, feature, seconds) after each answer: the operator's metrics, never who or what.
        self.observe: Callable[[str, str, float], None] | None = None
        # Channels that can delete a chat's recent messages (/hide); each adds itself when it starts.
        self.deleting_channels: set[str] = set()
        self._hinted: dict[int, date] = {}  # contact id -> the day they last saw the one-line /help hint
        # The language and choices last offered to someone who has not consented yet (the welcome, the consent).
        self._welcome_choices: OrderedDict[Address, tuple[str, Reply]] = OrderedDict()

    def has_command(self, command: str) -> bool:
        return command in self.by_command

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one Incoming. Never raises: bad input gets a kind answer and changes nothing."""
        started = time.perf_counter()
        replies = await self._answer(incoming)
        if self.observe is not None:
            self.observe(incoming.sender.channel, self.feature_label(incoming), time.perf_counter() - started)
        return replies

    def feature_label(self, incoming: Incoming) -> str:
        """Which feature an update is for, as far as the update itself says (a fixed set of names)."""
        if incoming.command is not None:
            feature = self.by_command.get(incoming.command)
            return feature.name if feature is not None else "unknown"
        if incoming.choice is not None:
            name = incoming.choice.split(":", 1)[0]
            return name if name in self.features or name == "menu" else "unknown"
        return "text"

    async def _answer(self, incoming: Incoming) -> list[Reply]:
        text = incoming.text[:MAX_TEXT_CHARS]
        signal = self.library.crisis_signal(text) if text else None
        # An urgent message skips flood control with the full card once a minute; more go through flood control.
        card = signal is not None and signal.urgent and self.flood.help_card_due(
            incoming.sender, self.clock.now(), "+".join(sorted(str(kind) for kind in signal.kinds)))
        if not (card or self._stops(incoming, text)):
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
                    return await self._handle(incoming, text, signal, card)
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

    def _leaving(self, turn: Turn, incoming: Incoming, text: str) -> bool:
        """'stop' or 'cancel' typed in the middle of a step means "stop this", not "stop everything".

        STOP typed in capitals stays the opt-out keyword (it wins over any conversation), and /stop the command.
        """
        typed = text.strip()
        return (incoming.command is None and incoming.choice is None and turn.contact is not None
                and turn.conversation.state is not None and not typed.isupper()
                and self.library.is_leave_word(typed))

    async def _leave(self, turn: Turn, text: str) -> list[Reply]:
        """Cancel the step as its Cancel button would (or, at a yes/no step, its "no" where the word is one);
        with neither, leave the step as any command would. One line says how to stop everything."""
        offered = self._offered(turn)
        way_out = next((choice for choice in offered if choice.means == CANCEL), None)
        if way_out is None:
            typed = self._typed(turn, text, numbers=False, partial=False)
            way_out = typed if typed is not None and typed.means == "no" else None
        if way_out is not None:
            replies = await self._choice(turn, way_out.key)
        else:
            await turn.clear_state()
            replies = [turn.with_menu(turn.t("typed.left"))]
        if not replies:
            return [Reply(turn.t("typed.stop_all"), turn.menu_choices())]
        last = replies[-1]
        return [*replies[:-1], replace(last, text=f"{last.text}\n\n{turn.t('typed.stop_all')}")]

    def _hint(self, incoming: Incoming) -> str:
        hint = incoming.language_hint
        return hint if hint and self.library.supports(hint) else self.default_language

    async def _handle(self, incoming: Incoming, text: str, signal: Signal | None, card: bool) -> list[Reply]:
        turn = await self._turn(incoming)
        if signal is None or self._addressed_to_others(turn):
            return await self._route(turn, incoming, text)
        if not signal.urgent:
            return self._topic_hint(turn, await self._route(turn, incoming, text))
        # Urgent: the right card at once, and the conversation goes on where it was (answer kept, relay sent).
        # The full card once a minute; within that minute the short urgent line, so the card cannot flood a chat.
        shown = urgent_card(self.library, turn.language, signal.kinds) if card else turn.t("help.urgent")
        if turn.contact is None:
            return [Reply(shown, turn.menu_choices())]  # before consent nothing is stored: no flow to keep
        turn.crisis = signal.kinds
        try:
            flow = await self._route(turn, incoming, text)
        except Exception:  # whatever breaks in the flow, the card still goes out
            log.exception("unhandled error after a help card on a %s update", incoming.sender.channel)
            flow = [Reply(turn.t("errors.internal"))]
        return [Reply(shown, () if flow else turn.menu_choices()), *flow]

    async def _route(self, turn: Turn, incoming: Incoming, text: str) -> list[Reply]:
        prompt = self._prompt(turn)
        try:
            command, args = self._command_of(turn, incoming, text)
            if self._leaving(turn, incoming, text):
                replies = await self._leave(turn, text)
            elif command is not None:
                replies = await self.run_command(turn, command, args)
            elif incoming.choice is not None:
                typed = await self._typed_number(turn, incoming)
                replies = typed if typed is not None else await self._choice(turn, incoming.choice)
            else:
                replies = await self._text(turn, text)
        except StaleChoice:
            if incoming.choice is None:  # "stale" is said only of an old button, never of typed words
                return self._ask_again(turn)
            return [Reply(turn.t("errors.stale"), turn.menu_choices())]
        except BadInput as exc:
            return [Reply(turn.t(exc.key), turn.menu_choices())]
        await self._remember(turn, replies)
        if prompt is not None and turn.contact is not None and (
                any(reply.choices for reply in replies) or incoming.choice in {key for key, _, _ in prompt.offered}):
            # Answered, or a reply's own buttons are the latest now.
            await self.store.prompts.drop(turn.contact.id, prompt.until)
        return replies

    def _prompt(self, turn: Turn) -> Prompt | None:
        """The buttons of the latest proactive message, when no reply has offered buttons since (and not expired)."""
        prompt = turn.conversation.prompt
        return prompt if prompt is not None and prompt.until > self.clock.now() else None

    async def _answer_prompt(self, turn: Turn, prompt: Prompt, text: str, *, whole: bool) -> list[Reply] | None:
        """A typed answer to the latest proactive message's buttons, pressed as the button would be; None when it
        is not one. `whole`: where the step takes typed words, only a whole label counts (no yes/no, no number)."""
        choices = tuple(Choice(key, label, means) for key, label, means in prompt.offered)
        if whole:
            typed = resolve(text, choices, (), (), numbers=False, partial=False)
        else:
            yes, no = self.library.answer_words(turn.language)
            typed = resolve(text, choices, yes, no)
        if typed is None or turn.contact is None:
            return None
        await self.store.prompts.drop(turn.contact.id, prompt.until)
        return await self._choice(turn, typed.key)

    async def prompted(self, address: Address, replies: Sequence[Reply]) -> None:
        """Proactive messages a channel showed late (WhatsApp's held ones, behind the template's button): their
        buttons are what a typed reply answers now."""
        offered = offered_in(replies)
        contact = await self.store.contacts.find(address) if offered else None
        if contact is not None:
            await self.store.prompts.remember(contact.id, offered, self.clock.now())

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

    async def remember_messages(self, address: Address, message_ids: list[str]) -> None:
        """Keep the ids of a chat's latest messages, both sides (48 hours, encrypted), where /hide can delete them.

        Called after an update is answered, so the messages of the moment someone consents are kept too;
        nothing is kept for someone who has not consented.
        """
        if not message_ids or address.channel not in self.deleting_channels:
            return
        contact = await self.store.contacts.find(address)
        if contact is not None:
            await self.store.recent.add(contact.id, message_ids, self.clock.now())

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
        if word not in ALWAYS_WORDS and state is not None and owner is not None and owner.awaits_text(state):
            return None, ""
        return word, ""

    async def run_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        feature = self.by_command.get(command)
        if feature is None:
            return [Reply(turn.t("errors.unknown_command"), turn.menu_choices())]
        if turn.contact is None and command not in OPEN_COMMANDS and feature.needs_consent:
            carried = command in CARRIED_THROUGH_CONSENT  # the code is used once they agree, as with /start CODE
            return await self.by_command["start"].on_command(turn, command if carried else "start",
                                                             args if carried else "")
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

    async def _typed_number(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """A number typed (not tapped) outside any dialog is words where a feature takes free text (a peer relay):
        a "1" typed to a peer is never an old button. None when no feature takes it: the number presses."""
        if not incoming.text.strip() or turn.contact is None or turn.conversation.state is not None:
            return None
        for feature in self.features.values():
            replies = await feature.on_free_text(turn, incoming.text.strip())
            if replies is not None:
                return replies
        return None

    async def _text(self, turn: Turn, text: str) -> list[Reply]:
        if turn.contact is None:
            if self._offered(turn):
                typed = self._typed(turn, text, numbers=True)
                return await self._choice(turn, typed.key) if typed else self._ask_again(turn)
            return await self.by_command["start"].on_command(turn, "start", "")
        owner = self.features.get(turn.conversation.feature or "")
        state = turn.conversation.state
        prompt = self._prompt(turn)
        if owner is not None and state is not None:
            expects_choice = not owner.awaits_text(state)
            # A proactive message came after this step's question: its buttons are the latest the person saw.
            if prompt is not None and (answered := await self._answer_prompt(turn, prompt, text,
                                                                            whole=not expects_choice)) is not None:
                return answered
            if expects_choice or owner.matches_labels(state):
                numbers = expects_choice or owner.numbers_pick(state)
                typed = self._typed(turn, text, numbers=numbers, partial=expects_choice)
                if typed is not None:
                    return await self._choice(turn, typed.key)
                if expects_choice and self._offered(turn) and not owner.falls_back_to_text(state):
                    return self._ask_again(turn)
        if owner is not None:
            return await owner.on_text(turn, text)
        for feature in self.features.values():
            replies = await feature.on_free_text(turn, text)
            if replies is not None:
                return replies
        if prompt is not None and (answered := await self._answer_prompt(turn, prompt, text, whole=False)) is not None:
            return answered
        if turn.crisis:
            return []  # the card already answered; "I didn't catch that" under it would be unkind
        return [Reply(turn.t("errors.not_understood"), turn.menu_choices())]

    def _asked(self, turn: Turn) -> Reply | None:
        """The question last asked with choices in this conversation (before consent: held in memory)."""
        if turn.contact is not None:
            offered = turn.conversation.offered
            if not offered:
                return None
            return Reply(turn.conversation.asked, tuple(Choice(key, label, means) for key, label, means in offered))
        remembered = self._welcome_choices.get(turn.incoming.sender)
        if remembered is None:
            return None
        turn.language = remembered[0]
        return remembered[1]

    def _offered(self, turn: Turn) -> tuple[Choice, ...]:
        asked = self._asked(turn)
        return asked.choices if asked else ()

    def _typed(self, turn: Turn, text: str, *, numbers: bool, partial: bool = True) -> Choice | None:
        """The offered choice a typed reply stands for: its label, a yes/no word, or (where asked) its number."""
        offered = self._offered(turn)
        yes, no = self.library.answer_words(turn.language)
        return resolve(text, offered, yes, no, numbers=numbers, partial=partial)

    def _ask_again(self, turn: Turn) -> list[Reply]:
        """A typed reply that fits no choice: ask again kindly, keeping the step and what was entered so far."""
        asked = self._asked(turn)
        if asked is not None:
            again = turn.t("typed.pick_a_choice")
            return [Reply(f"{again}\n\n{asked.text}" if asked.text else again, asked.choices)]
        return [Reply(turn.t("errors.not_understood"), turn.menu_choices())]

    async def _remember(self, turn: Turn, replies: list[Reply]) -> None:
        """Keep the choices just offered with the conversation, so a typed reply can be matched to one."""
        asked = next((reply for reply in reversed(replies) if reply.choices), None)
        choices = asked.choices if asked else ()
        sender = turn.incoming.sender
        if turn.contact is None:
            self._welcome_choices.pop(sender, None)
            if asked and all(choice.key.startswith("start:") for choice in choices):
                self._welcome_choices[sender] = (turn.language, Reply(asked.text, choices))
                while len(self._welcome_choices) > MAX_REMEMBERED_BEFORE_CONSENT:
                    self._welcome_choices.popitem(last=False)
            return
        self._welcome_choices.pop(sender, None)
        conversation = turn.conversation
        offered = tuple((choice.key, choice.label, choice.means) for choice in choices)
        if asked is None or conversation.state is None or offered == conversation.offered:
            return
        await self.store.conversations.set(turn.contact.id, conversation.state, conversation.data, self.clock.now(),
                                           offered, asked.text)
        turn.conversation = replace(conversation, offered=offered, asked=asked.text)

    def _addressed_to_others(self, turn: Turn) -> bool:
        """A facilitator's broadcast draft names overdoses for others: never a personal crisis."""
        owner = self.features.get(turn.conversation.feature or "")
        state = turn.conversation.state
        return owner is not None and state is not None and owner.passes_crisis_text(state)

    def _topic_hint(self, turn: Turn, replies: list[Reply]) -> list[Reply]:
        """Drugs mentioned in passing: no card, one line under the normal answer, once a day per person.

        Kept in memory only, on purpose: a row saying "this person talked about overdoses today" is the kind
        of record a seized phone or database must not hold. A restart at worst shows the line once more.
        """
        if turn.contact is None or not replies or not replies[-1].text:
            return replies
        today = local_now(self.clock.now(), turn.contact.timezone).date()
        if self._hinted.get(turn.contact.id) == today:
            return replies
        if len(self._hinted) >= HINTS_REMEMBERED:
            self._hinted = {who: day for who, day in self._hinted.items() if day == today}
        self._hinted[turn.contact.id] = today
        last = replies[-1]
        return [*replies[:-1], replace(last, text=f"{last.text}\n\n{turn.t('help.topic_hint')}")]

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
