"""Peer support at work: matching a request to a volunteer, moving on after a no or a time-out, ending, relaying.

Everything for the *other* person goes through the outbox as a `support` row due at once. Rows hold references
(an ask, a request), never a contact detail: the detail is read at send time, and only for a request a
volunteer accepted. Relayed words are the one exception (they are the message); their rows share the ref
`relay:<request>` and are deleted when the conversation ends.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from bot.core.domain import AskStatus, Availability, Contact, Delivery, Link, Reach, RequestStatus, Role, SupportRequest
from bot.core.features.base import key
from bot.core.features.help import local_services
from bot.core.i18n import Library
from bot.core.messages import Choice, Reply
from bot.core.ports import Store
from bot.core.proactive.render import Renderers, SkipDelivery
from bot.core.reach import reach_text
from bot.core.text import message as shown
from bot.core.timing import QuietHours, local_now, minute_of_day

KIND = "support"
NOTICE = "notice"  # the ready kind: a plain ui string, held back in quiet hours
ASK_TIMEOUT = timedelta(minutes=30)
RELAY_IDLE = timedelta(days=3)
PURGE_WINDOW = timedelta(days=1)  # relayed words still on their way when a relay ended are deleted once delivered
STALL_GRACE = timedelta(minutes=1)  # a request being created right now is not stalled
MAX_ASKS = 5  # volunteers asked for one request before telling the requester honestly that no one is free
DAYTIME = (8 * 60, 18 * 60)
EVENING = (18 * 60, 22 * 60)
SATURDAY = 5


def free_now(availability: Availability, zone: str, quiet: QuietHours | None, now: datetime) -> bool:
    """Whether a volunteer said they are usually free at this moment of their own day, outside quiet hours."""
    local = local_now(now, zone)
    minute = minute_of_day(local)
    if quiet is not None and quiet.contains(minute):
        return False
    if availability == Availability.DAY:
        return DAYTIME[0] <= minute < DAYTIME[1]
    if availability == Availability.EVENING:
        return EVENING[0] <= minute < EVENING[1]
    if availability == Availability.WEEKEND:
        return local.weekday() >= SATURDAY
    return True


async def pick(store: Store, requester_id: int, language: str, request_id: int, now: datetime) -> int | None:
    """The volunteer to ask next (see Volunteers.candidates for the order), or None when nobody is free now."""
    for candidate in await store.volunteers.candidates(requester_id, language, request_id):
        quiet = (await store.reminders.get(candidate.contact_id)).quiet
        if free_now(candidate.availability, candidate.timezone, quiet, now):
            return candidate.contact_id
    return None


async def send(store: Store, contact_id: int, message: dict[str, Any], idem: str, now: datetime, *,
               ref: str | None = None, kind: str = KIND) -> None:
    await store.deliveries.enqueue(contact_id, kind, idem, now, message, now, ref=ref)


async def say(store: Store, contact_id: int, text_key: str, idem: str, now: datetime, *, services: bool = False,
              kind: str = KIND) -> None:
    """Send a ui string (optionally with the local services) to someone through the outbox."""
    message: dict[str, Any] = {"m": "say", "key": text_key, "services": services}
    if kind == NOTICE:
        message = {"key": text_key}
    await send(store, contact_id, message, idem, now, kind=kind)


async def ask_next(store: Store, request: SupportRequest, now: datetime) -> bool:
    """Ask the next free volunteer; False when the request has asked enough people or nobody is free."""
    if await store.support.asks_made(request.id) >= MAX_ASKS:
        return False
    volunteer = await pick(store, request.requester_id, request.language, request.id, now)
    if volunteer is None:
        return False
    ask_id = await store.support.ask(request.id, volunteer, now)
    await store.volunteers.mark_asked(volunteer, now)
    await send(store, volunteer, {"m": "ask", "ask": ask_id}, f"support:ask:{ask_id}", now)
    return True


async def give_up(store: Store, request: SupportRequest, now: datetime) -> bool:
    """Mark the request as one nobody could take; False when it had moved on already."""
    if not await store.support.set_status(request.id, RequestStatus.UNMATCHED, now, (RequestStatus.ASKING,)):
        return False
    await store.support.count(request.cohort_id, now, "unmatched")
    return True


async def move_on(store: Store, request: SupportRequest, now: datetime) -> None:
    """After a no, a time-out or a volunteer leaving: ask the next one, and keep the requester informed."""
    current = await store.support.get(request.id)
    if current is None or current.status != RequestStatus.ASKING:
        return
    asked = await store.support.asks_made(request.id)
    if await ask_next(store, current, now):
        await say(store, request.requester_id, "support.notify_still_looking", f"support:looking:{request.id}:{asked}",
                  now)
    elif await give_up(store, current, now):
        await say(store, request.requester_id, "support.notify_no_one", f"support:noone:{request.id}", now,
                  services=True)


async def accept(store: Store, request: SupportRequest, volunteer_reach: Reach, now: datetime) -> RequestStatus | None:
    """Both said yes: connect them directly, or through the relay when either wants the bot in between.

    None when the request stopped asking in the meantime (the requester ended it).
    """
    status = RequestStatus.RELAY if Reach.BOT in (request.reach, volunteer_reach) else RequestStatus.CONNECTED
    if not await store.support.set_status(request.id, status, now, (RequestStatus.ASKING,)):
        return None
    await store.support.count(request.cohort_id, now, "answered")
    await send(store, request.requester_id, {"m": "matched", "request": request.id}, f"support:matched:{request.id}",
               now)
    return status


async def cancel_open_asks(store: Store, request_id: int, now: datetime) -> None:
    """Close asks still out for a request; a volunteer who already saw theirs is told it was withdrawn."""
    for ask in await store.support.open_asks(request_id=request_id):
        if not await store.support.answer(ask.id, AskStatus.CANCELLED, now):
            continue
        if not await store.deliveries.cancel_key(f"support:ask:{ask.id}", "withdrawn", now):
            await say(store, ask.volunteer_id, "support.notify_withdrawn", f"support:withdrawn:{ask.id}", now,
                      kind=NOTICE)


async def end(store: Store, link: Link, now: datetime, *, last_words: bool = False) -> bool:
    """End an open request or relay on one side's word: the other side hears only that it ended.

    Relayed words are deleted; with `last_words` (a plain /end), those still on their way to the other side
    arrive first and are deleted by the next tick.
    """
    request = link.request
    if not await store.support.set_status(request.id, RequestStatus.ENDED, now):
        return False
    await cancel_open_asks(store, request.id, now)
    keep = (link.other_id,) if last_words and link.other_id is not None else ()
    await store.deliveries.purge(relay_ref(request.id), keep)
    if link.other_id is not None:
        await say(store, link.other_id, ended_key(other_role(link.role)), f"support:ended:{request.id}:{link.other_id}",
                  now)
    return True


def other_role(role: Role) -> Role:
    return Role.VOLUNTEER if role == Role.REQUESTER else Role.REQUESTER


def ended_key(role: Role) -> str:
    """What someone hears when the other side ended: thanks for being there (volunteer), for reaching out
    (requester)."""
    return "support.notify_ended" if role == Role.VOLUNTEER else "support.notify_ended_requester"


def relay_ref(request_id: int) -> str:
    return f"relay:{request_id}"


async def relay(store: Store, link: Link, text: str, now: datetime, *, urgent: bool = False) -> None:
    """Pass words on to the other side of a relay, with no name, number or address attached, and with no
    hidden character that could make them read as something else (cleaned again when shown).

    Urgent words (the writer may be in danger) go with a short note on how to respond and where help is."""
    assert link.other_id is not None
    await store.support.touch(link.request.id, now)
    message: dict[str, Any] = {"m": "relay", "request": link.request.id, "text": shown(text)}
    if urgent:
        message["urgent"] = True
    await send(store, link.other_id, message,
               f"support:relay:{link.request.id}:{secrets.token_hex(8)}", now, ref=relay_ref(link.request.id))


async def leave(store: Store, contact_id: int, now: datetime) -> None:
    """Before a person is forgotten (or stops volunteering): end what they are in, pass on what they were asked."""
    link = await store.support.link(contact_id)
    if link is not None:
        await end(store, link, now)
    await pass_on(store, contact_id, now)


async def pass_on(store: Store, volunteer_id: int, now: datetime) -> None:
    """Withdraw every ask still waiting for this volunteer and ask the next person instead."""
    for ask in await store.support.open_asks(volunteer_id=volunteer_id):
        if not await store.support.answer(ask.id, AskStatus.CANCELLED, now):
            continue
        await store.deliveries.cancel_key(f"support:ask:{ask.id}", "withdrawn", now)
        request = await store.support.get(ask.request_id)
        if request is not None:
            await move_on(store, request, now)


async def support_tick(store: Store, now: datetime) -> int:
    """Move on from asks nobody answered in time, mend stalled requests, end relays gone quiet; return how many."""
    handled = 0
    await store.support.expire_quota(now)
    for ask in await store.support.open_asks(asked_before=now - ASK_TIMEOUT):
        if await store.support.answer(ask.id, AskStatus.EXPIRED, now):
            await say(store, ask.volunteer_id, "support.notify_passed_on", f"support:passed:{ask.id}", now,
                      kind=NOTICE)
            request = await store.support.get(ask.request_id)
            if request is not None:
                await move_on(store, request, now)
            handled += 1
    for request in await store.support.stalled(now - STALL_GRACE):
        if request.status == RequestStatus.ASKING:
            await move_on(store, request, now)
        else:
            await end(store, Link(request, Role.VOLUNTEER, request.requester_id), now)
        handled += 1
    for request in await store.support.ended_since(now - PURGE_WINDOW):
        volunteer = await store.support.accepted_by(request.id)
        await store.deliveries.purge(relay_ref(request.id), (request.requester_id, volunteer or 0))
    for request in await store.support.idle_relays(now - RELAY_IDLE):
        volunteer = await store.support.accepted_by(request.id)
        await end(store, Link(request, Role.VOLUNTEER, request.requester_id), now)
        if volunteer is not None:
            await say(store, volunteer, "support.notify_ended", f"support:ended:{request.id}:{volunteer}", now)
        handled += 1
    return handled


class SupportMessages:
    """The `support` renderer: builds each message at send time and skips those that no longer apply."""

    def __init__(self, store: Store, library: Library) -> None:
        self.store = store
        self.library = library

    def register(self, renderers: Renderers) -> None:
        renderers.by_kind[KIND] = self.render

    async def render(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        payload, language = delivery.payload, contact.language
        match payload.get("m"):
            case "ask":
                return (await self._ask(int(payload["ask"]), language),)
            case "matched":
                return (await self._matched(int(payload["request"]), language),)
            case "relay":  # words sent while the relay was open still arrive after a plain /end
                await self._open(int(payload["request"]), RequestStatus.RELAY, RequestStatus.ENDED)
                if payload.get("urgent"):  # the writer may be in danger: how to respond, and where help is
                    note = self.library.text(
                        language, "support.notify_relay_urgent", text=shown(str(payload["text"])),
                        emergency=self.library.emergency_number or self.library.help(language).emergency_unset)
                    return (Reply(f"{note}\n\n{local_services(self.library, language)}"),)
                return (Reply(self.library.text(language, "support.notify_relay", text=shown(str(payload["text"])))),)
            case "say":
                return (self._say(str(payload["key"]), language, bool(payload.get("services"))),)
        raise SkipDelivery("unknown_message")

    async def _open(self, request_id: int, *statuses: RequestStatus) -> SupportRequest:
        request = await self.store.support.get(request_id)
        if request is None or request.status not in statuses:
            raise SkipDelivery("ended")
        return request

    async def _ask(self, ask_id: int, language: str) -> Reply:
        ask = await self.store.support.get_ask(ask_id)
        if ask is None or ask.status != AskStatus.ASKED:
            raise SkipDelivery("ended")
        request = await self._open(ask.request_id, RequestStatus.ASKING)
        text = self.library.text
        if request.checkon:  # someone who went quiet: the volunteer is asked to reach out, with the chosen name only
            return Reply(text(language, "checkon.peer_ask", alias=request.alias,
                              minutes=int(ASK_TIMEOUT.total_seconds() // 60)), (
                Choice(key("support", "yes", request.id, ask.id), text(language, "checkon.btn_peer_yes"), "yes"),
                Choice(key("support", "no", request.id, ask.id), text(language, "support.btn_decline"), "no"),
            ))
        reason = text(language, "support.request_reason", reason=request.reason) if request.reason else ""
        details = text(language, "support.ask_details", alias=request.alias, reason=reason,
                       language=self.library.pack(request.language).info.name,
                       minutes=int(ASK_TIMEOUT.total_seconds() // 60))
        return Reply(f"{text(language, 'notify.support_request')}\n\n{details}", (
            Choice(key("support", "yes", request.id, ask.id), text(language, "support.btn_accept"), "yes"),
            Choice(key("support", "no", request.id, ask.id), text(language, "support.btn_decline"), "no"),
        ))

    async def _matched(self, request_id: int, language: str) -> Reply:
        request = await self._open(request_id, RequestStatus.CONNECTED, RequestStatus.RELAY)
        volunteer_id = await self.store.support.accepted_by(request.id)
        volunteer = await self.store.volunteers.get(volunteer_id) if volunteer_id is not None else None
        if volunteer is None:
            raise SkipDelivery("ended")
        text = self.library.text
        if request.status == RequestStatus.RELAY:
            how = text(language, "support.relay_started")
        else:
            how = reach_text(self.library, language, volunteer.offer.reach, volunteer.offer.detail)
        body = text(language, "support.notify_matched", alias=volunteer.offer.alias, intro=volunteer.offer.intro,
                    how=how)
        return Reply(body, (Choice("menu:menu", text(language, "menu.btn_menu")),))

    def _say(self, text_key: str, language: str, services: bool) -> Reply:
        body = self.library.text(language, text_key)
        if services:
            body += "\n\n" + local_services(self.library, language)
        return Reply(body, (Choice("menu:menu", self.library.text(language, "menu.btn_menu")),))
