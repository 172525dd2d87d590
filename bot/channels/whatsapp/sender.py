"""Sending Replies to one person, and the Sender that respects WhatsApp's 24-hour window.

Inside 24 hours of the person's last message a proactive message goes as is; outside, only the approved
template may go. Its quick-reply button carries a signed choice, and the held message is shown when the
person presses it (held in memory only: after a restart the button opens the menu or the check-in instead).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Generic, TypeVar

from bot.channels.whatsapp.graph import Graph, Template, WindowClosed
from bot.channels.whatsapp.render import Wording, render
from bot.core import callbacks
from bot.core.clock import Clock
from bot.core.i18n import Library
from bot.core.messages import Address, Choice, Reply
from bot.core.outbound import Outgoing

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)  # a message queued at 23:59 must not land after the window closed
# Where the template's button leads when the held message is gone (after a restart), by outbox kind.
MEMORY_LIMIT = 10_000
MAX_HELD = 10  # replies held per person while they have not pressed the template's button

Key = TypeVar("Key")
Value = TypeVar("Value")


class LruMap(Generic[Key, Value]):
    """A bounded map that forgets the least recently used entries: per-person memory that never grows."""

    def __init__(self, limit: int = MEMORY_LIMIT) -> None:
        self.limit = limit
        self._items: OrderedDict[Key, Value] = OrderedDict()

    def __contains__(self, key: Key) -> bool:
        return key in self._items

    def get(self, key: Key) -> Value | None:
        if key in self._items:
            self._items.move_to_end(key)
        return self._items.get(key)

    def set(self, key: Key, value: Value) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def pop(self, key: Key) -> Value | None:
        return self._items.pop(key, None)


class Messenger:
    """Render and send Replies to a person; remember numbered choices and held proactive messages."""

    def __init__(self, graph: Graph, library: Library, callback_key: bytes) -> None:
        self.graph = graph
        self.library = library
        self.callback_key = callback_key
        self.numbered: LruMap[Address, tuple[Choice, ...]] = LruMap()
        self.held: LruMap[Address, tuple[Reply, ...]] = LruMap()

    def wording(self, language: str) -> Wording:
        text = self.library.text
        return Wording(text(language, "whatsapp.btn_choose"), text(language, "whatsapp.choose_prompt"),
                       text(language, "whatsapp.numbered_hint"))

    def sign(self, address: Address, key: str) -> str:
        return callbacks.sign(self.callback_key, address, key)

    async def deliver(self, address: Address, replies: Sequence[Reply], language: str) -> list[str]:
        """Send each Reply in order and return the message ids; a failure raises a DeliveryError."""
        ids: list[str] = []
        wording = self.wording(language)
        for reply in replies:
            rendered = render(reply, partial(self.sign, address), wording)
            for part in rendered.parts:
                ids.append(await self.graph.send(address.id, part))
            if rendered.numbered:
                self.numbered.set(address, rendered.numbered)
            elif reply.choices:
                self.numbered.pop(address)
        return ids

    def forget(self, address: Address) -> None:
        self.numbered.pop(address)
        self.held.pop(address)


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    name: str
    locales: dict[str, str]  # our language code -> Meta's template locale code
    fallback_language: str


class WhatsAppSender:
    """The outbox's way out on WhatsApp: a normal message inside the window, the template outside."""

    channel = CHANNEL

    def __init__(self, messenger: Messenger, clock: Clock, template: TemplateSettings) -> None:
        self.messenger = messenger
        self.clock = clock
        self.template = template

    def window_open(self, outgoing: Outgoing) -> bool:
        seen = outgoing.last_seen_at
        return seen is not None and self.clock.now() - seen < WINDOW - WINDOW_MARGIN

    async def send(self, outgoing: Outgoing) -> str | None:
        """Deliver and return the first message id, or raise Unreachable / RetryLater."""
        if self.window_open(outgoing):
            try:
                ids = await self.messenger.deliver(outgoing.address, outgoing.replies, outgoing.language)
            except WindowClosed:
                pass  # the person's clock and ours disagree: fall back to the template
            else:
                return ids[0] if ids else None
        return await self.send_template(outgoing)

    def locales(self, language: str) -> tuple[str, ...]:
        """The person's template locale first, then the fallback language's, without repeats."""
        codes = (self.template.locales.get(language, language),
                 self.template.locales.get(self.template.fallback_language, self.template.fallback_language))
        return tuple(dict.fromkeys(codes))

    async def send_template(self, outgoing: Outgoing) -> str:
        address = outgoing.address
        command = next((reply.opens for reply in outgoing.replies if reply.opens), "menu")
        payload = self.messenger.sign(address, f"menu:{command}")
        template = Template(self.template.name, self.locales(outgoing.language), payload)
        message_id = await self.messenger.graph.send_template(address.id, template)
        earlier = self.messenger.held.get(address) or ()
        self.messenger.held.set(address, (*earlier, *outgoing.replies)[-MAX_HELD:])
        return message_id
