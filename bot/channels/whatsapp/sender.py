"""Sending Replies to one person, and the Sender that respects WhatsApp's 24-hour window.

Inside 24 hours of the person's last message a proactive message goes as is; outside, only the approved
template may go. Its quick-reply button carries a signed choice, and the held message is shown when the
person presses it. Held messages and numbered choices live in the database (encrypted, expiring), so a restart
loses neither; when one has expired, the button opens the menu or the check-in instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from bot.channels.whatsapp.graph import Graph, Template, WindowClosed
from bot.channels.whatsapp.render import Wording, render
from bot.core import callbacks
from bot.core.clock import Clock
from bot.core.i18n import Library
from bot.core.messages import Address, Choice, Reply
from bot.core.outbound import Outgoing
from bot.storage.whatsapp import WhatsAppMemory

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)  # a message queued at 23:59 must not land after the window closed
# Where the template's button leads when the held message is gone (after a restart), by outbox kind.
MAX_HELD = 10  # replies held per person while they have not pressed the template's button

class Messenger:
    """Render and send Replies to a person; remember numbered choices and held proactive messages."""

    def __init__(self, graph: Graph, library: Library, callback_key: bytes, memory: WhatsAppMemory,
                 clock: Clock) -> None:
        self.graph = graph
        self.library = library
        self.callback_key = callback_key
        self.memory = memory
        self.clock = clock

    def wording(self, language: str) -> Wording:
        text = self.library.text
        return Wording(text(language, "whatsapp.btn_choose"), text(language, "whatsapp.choose_prompt"),
                       text(language, "whatsapp.numbered_hint"))

    def sign(self, address: Address, key: str) -> str:
        return callbacks.sign(self.callback_key, address, key)

    async def deliver(self, address: Address, replies: Sequence[Reply], language: str, *,
                      urgent: bool = False) -> list[str]:
        """Send each Reply in order and return the message ids; a failure raises a DeliveryError.

        `urgent`: a reply someone is waiting for, ahead of the outbox in the number's budget."""
        ids: list[str] = []
        wording = self.wording(language)
        for reply in replies:
            rendered = render(reply, partial(self.sign, address), wording)
            for part in rendered.parts:
                ids.append(await self.graph.send(address.id, part, urgent=urgent))
            if rendered.numbered:
                await self.memory.set_numbered(address, rendered.numbered, self.clock.now())
            elif reply.choices:
                await self.memory.drop_numbered(address)
        return ids

    async def numbered(self, address: Address) -> tuple[Choice, ...]:
        """The numbered choices last shown to this person (typing a number presses one)."""
        return await self.memory.numbered(address, self.clock.now())

    async def pop_held(self, address: Address) -> tuple[Reply, ...]:
        return await self.memory.pop_held(address, self.clock.now())


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    name: str
    locales: dict[str, str]  # our language code -> Meta's template locale code
    fallback_language: str


class WhatsAppSender:
    """The outbox's way out on WhatsApp: a normal message inside the window, the template outside."""

    channel = CHANNEL

    @property
    def paces_itself(self) -> bool:
        """Its messages wait on the number's budget in Graph, so the dispatcher does not pace them again."""
        return self.messenger.graph.pace is not None

    def __init__(self, messenger: Messenger, clock: Clock, template: TemplateSettings) -> None:
        self.messenger = messenger
        self.clock = clock
        self.template = template

    def window_open(self, outgoing: Outgoing) -> bool:
        seen = outgoing.last_seen_at
        return seen is not None and self.clock.now() - seen < WINDOW - WINDOW_MARGIN

    def shows(self, outgoing: Outgoing) -> bool:
        """The message goes as is (inside the window); outside it is held behind the template's button."""
        return self.window_open(outgoing)

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
        now = self.clock.now()
        earlier = await self.messenger.memory.held(address, now)
        await self.messenger.memory.set_held(address, (*earlier, *outgoing.replies)[-MAX_HELD:], now)
        return message_id
