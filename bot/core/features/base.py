"""The Feature interface and the Turn a feature works with while handling one Incoming."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from bot.core.crisis import Kind
from bot.core.domain import Contact, Conversation
from bot.core.messages import Choice, Incoming, Reply
from bot.errors import StaleChoice

if TYPE_CHECKING:
    from bot.core.engine import Engine
    from bot.core.i18n import Library
    from bot.core.ports import Store


@dataclass
class Turn:
    """One Incoming being handled: who sent it, their state, and the services to answer it."""

    engine: Engine
    incoming: Incoming
    contact: Contact | None
    conversation: Conversation
    language: str
    replies: list[Reply] = field(default_factory=list)
    # Urgent crisis kinds in this message (the card went out already); features keep the flow going with them.
    crisis: frozenset[Kind] = frozenset()

    @property
    def store(self) -> Store:
        return self.engine.store

    @property
    def library(self) -> Library:
        return self.engine.library

    def now(self) -> datetime:
        return self.engine.clock.now()

    def t(self, key: str, /, **values: object) -> str:
        return self.engine.library.text(self.language, key, **values)

    def require_contact(self) -> Contact:
        """The consented person; a choice or state reaching here without one is stale."""
        if self.contact is None:
            raise StaleChoice("no contact")
        return self.contact

    async def set_state(self, state: str, data: dict[str, Any] | None = None) -> None:
        contact = self.require_contact()
        await self.engine.store.conversations.set(contact.id, state, data or {}, self.now())
        self.conversation = Conversation(state, data or {})

    async def clear_state(self) -> None:
        if self.contact is not None and self.conversation.state is not None:
            await self.engine.store.conversations.clear(self.contact.id)
        self.conversation = Conversation()

    def menu_choices(self) -> tuple[Choice, ...]:
        return self.engine.menu_choices(self)

    def with_menu(self, text: str) -> Reply:
        return Reply(text, self.menu_choices())

    async def run_command(self, command: str, args: str = "") -> list[Reply]:
        return await self.engine.run_command(self, command, args)


class Feature:
    """One feature: the commands it answers, the choice prefix and conversation states it owns.

    Choice keys look like "<name>:<arg>:<arg>" and states like "<name>.<step>"; the engine routes both by
    the name. A feature raises StaleChoice for a key that does not fit the person's current state.
    """

    name: ClassVar[str]
    commands: ClassVar[tuple[str, ...]] = ()
    needs_consent: ClassVar[bool] = True
    facilitator_only: ClassVar[frozenset[str]] = frozenset()

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        raise NotImplementedError

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        raise StaleChoice(self.name)

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        """Free text while the person is in one of this feature's states."""
        raise StaleChoice(self.name)

    def awaits_text(self, state: str) -> bool:
        """True in states where typed words are answers, not commands (except the stop words)."""
        return False

    def falls_back_to_text(self, state: str) -> bool:
        """True in choice steps where typed words that match no choice are an answer of their own (a new
        broadcast typed under the list), not a reason to ask again."""
        return False

    def matches_labels(self, state: str) -> bool:
        """True in text states whose choices may also be typed by name ('Today', 'No quiet hours'); numbers there
        stay the feature's own (a typed '8' is a time, not the eighth choice)."""
        return False

    def numbers_pick(self, state: str) -> bool:
        """True in text states where a typed number can only mean a choice (no zone is called '2')."""
        return False

    def passes_crisis_text(self, state: str) -> bool:
        """True where typed text is addressed to others, not about oneself (a broadcast draft): no card, no hint."""
        return False

    async def on_free_text(self, turn: Turn, text: str) -> list[Reply] | None:
        """Free text outside any conversation; None when this feature does not take it (the peer relay does)."""
        return None

    async def on_forget(self, turn: Turn) -> None:
        """Just before the person's data is deleted: settle what other people are waiting on with them."""


def key(*parts: object) -> str:
    """Build a choice key from parts: key('checkin', 'mood', 3) == 'checkin:mood:3'."""
    return ":".join(str(part) for part in parts)
