"""Outgoing calls to the Cloud API through pywa's async client, with its errors mapped to ours.

pywa's debug logs hold request bodies and phone numbers, so its loggers are held at WARNING or above.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass

import httpx
from pywa_async.client import WhatsApp
from pywa_async.errors import WhatsAppError
from pywa_async.types.callback import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import TemplateLanguage

from bot.channels.whatsapp.render import Buttons, ListMessage, Option, Part, Text
from bot.channels.whatsapp.transport import graph_client
from bot.core.messages import Document, Image
from bot.core.outbound import DeliveryError, MaybeSent, RetryLater, Unreachable
from bot.errors import ConfigError
from bot.scheduling.pace import Pace

# Cloud API error codes (developers.facebook.com, "Cloud API error codes") and what they mean for a delivery.
REASONS = {
    131026: "not a WhatsApp user, blocked the business, or cannot receive this message",
    131047: "outside the 24-hour window (re-engagement needed)",
    131051: "message type not supported for this person",
    131050: "the person turned off messages from businesses",
    131030: "number not in the test account's allowed list",
    130472: "held back by a WhatsApp experiment",
    130429: "throughput limit reached",
    131056: "too many messages to this person in a short time",
    131048: "held back by spam rate limits",
    131000: "WhatsApp had an internal error",
    131016: "WhatsApp service unavailable",
    132001: "template not found in this language (get it approved)",
}
WINDOW_CLOSED = 131047
TEMPLATE_MISSING = 132001
NOT_REACHABLE = frozenset({131026, 131047, 131051, 131050, 131030, 130472})
TRANSIENT = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056})
PAIR_RATE_LIMIT = 131056
PAIR_RATE_SECONDS = 6.0


def reason_for(code: int | None) -> str:
    """A short, data-free explanation for `schedule list --why`."""
    if code is None:
        return "whatsapp: failed without an error code"
    return f"whatsapp {code}: {REASONS.get(code, 'see the Cloud API error codes')}"


class WindowClosed(Unreachable):
    """WhatsApp refused a free-form message: the 24-hour window is closed, so only a template may go."""


# httpx errors raised before the request left: it provably did not reach Meta, so it may go again.
UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def delivery_error(exc: Exception) -> DeliveryError:
    """Map a pywa or network error: unreachable people are never retried, everything else is."""
    if isinstance(exc, WhatsAppError):
        if exc.code == WINDOW_CLOSED:
            return WindowClosed(reason_for(exc.code))
        if exc.code in NOT_REACHABLE:
            return Unreachable(reason_for(exc.code))
        retry_after = PAIR_RATE_SECONDS if exc.code == PAIR_RATE_LIMIT else None
        return RetryLater(reason_for(exc.code), retry_after)
    if isinstance(exc, UNSENT_ERRORS):
        return RetryLater(f"whatsapp: network error ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPError):  # it went out; Meta may have delivered it: never send it twice
        return MaybeSent(f"whatsapp: no answer ({type(exc).__name__})")
    return RetryLater(f"whatsapp: unexpected {type(exc).__name__}")


def template_language(code: str) -> TemplateLanguage:
    """Meta's locale code (`en`, `pt_BR`, …) as pywa's enum; unknown codes are a configuration error.

    Looked up by value: pywa 4.5's own lookup of an unknown code raises TypeError.
    """
    language = next((member for member in TemplateLanguage if member.value == code), None)
    if language is None:
        raise ConfigError(f"WHATSAPP_TEMPLATE_LANGUAGES: {code!r} is not a WhatsApp template language code")
    return language


@dataclass(frozen=True, slots=True)
class Template:
    """The approved template: its name, Meta locale codes to try in order, and its button's payload."""

    name: str
    languages: tuple[str, ...]
    button_payload: str


class Graph:
    """Send rendered parts and templates to one person; return the platform's message ids.

    With a Pace, every message waits on the number's one budget (WhatsApp's throughput is per business number):
    replies as urgent, the outbox's messages after them.
    """

    def __init__(self, base_url: str, phone_number_id: str, token: str, *, pace: Pace | None = None) -> None:
        self.pace = pace
        for name in ("pywa", "pywa_async"):
            logger = logging.getLogger(name)
            logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
        self.session = graph_client(base_url)
        self.client = WhatsApp(phone_id=phone_number_id, token=token, session=self.session,
                               validate_updates=False, skip_duplicate_updates=False)

    async def close(self) -> None:
        await self.session.aclose()

    async def send(self, to: str, part: Part, *, urgent: bool = False) -> str:
        """Send one part; raise a DeliveryError (Unreachable, RetryLater, MaybeSent) when it does not go."""
        if self.pace is not None:
            await self.pace.wait(urgent)
        try:
            return await self._send(to, part)
        except (WhatsAppError, httpx.HTTPError) as exc:
            raise delivery_error(exc) from None

    async def _send(self, to: str, part: Part) -> str:
        client = self.client
        match part:
            case Text(body):
                sent = await client.send_message(to=to, text=body)
            case Buttons(body, options):
                buttons = [Button(title=o.title, callback_data=o.id) for o in options]
                sent = await client.send_message(to=to, text=body, buttons=buttons)
            case ListMessage(body, button, options):
                section = Section(title=button, rows=[_row(o) for o in options])
                sent = await client.send_message(to=to, text=body,
                                                 buttons=SectionList(button_title=button, sections=[section]))
            case Image(png, caption):
                sent = await client.send_image(to=to, image=png, caption=caption or None, mime_type="image/png")
            case Document(filename, data):
                mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                sent = await client.send_document(to=to, document=data, filename=filename, mime_type=mime)
        return str(sent.id)

    async def send_template(self, to: str, template: Template) -> str:
        """Send the template in the first of its languages that Meta has approved."""
        button = {"type": "button", "sub_type": "quick_reply", "index": 0,
                  "parameters": [{"type": "payload", "payload": template.button_payload}]}
        for number, language in enumerate(template.languages, 1):
            if self.pace is not None:
                await self.pace.wait(urgent=False)
            try:
                sent = await self.client.send_template(to=to, name=template.name,
                                                       language=template_language(language), params=[button])
            except WhatsAppError as exc:
                if exc.code == TEMPLATE_MISSING and number < len(template.languages):
                    continue
                raise delivery_error(exc) from None
            except httpx.HTTPError as exc:
                raise delivery_error(exc) from None
            return str(sent.id)
        raise RetryLater("whatsapp: no template language configured")


def _row(option: Option) -> SectionRow:
    return SectionRow(title=option.title, callback_data=option.id, description=option.description)
