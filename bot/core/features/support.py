"""/support: talk to a peer, local services, or urgent help; /end and /report; the relay for free text.

Talking to a peer: the requester chooses a name to show, an optional reason and how they can be reached; the
bot asks one volunteer at a time (scheduling/support.py). Nobody's contact detail moves until the volunteer
says yes. While a relayed conversation is open, free text that no other conversation is waiting for goes to
the other person through the outbox, with no name, number or address; commands still work, and /end ends it.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.domain import (
    MAX_ALIAS_CHARS,
    MAX_REASON_CHARS,
    MAX_REPORT_CHARS,
    AskStatus,
    ContactStatus,
    Link,
    NewRequest,
    Reach,
    RequestStatus,
    Role,
)
from bot.core.features.base import Feature, Turn, key
from bot.core.features.help import local_services
from bot.core.features.offer import one_line
from bot.core.messages import Choice, Reply
from bot.core.peers import (
    ASK_TIMEOUT,
    KIND,
    NOTICE,
    SupportMessages,
    accept,
    ask_next,
    end,
    give_up,
    leave,
    move_on,
    pick,
    relay,
    say,
)
from bot.core.proactive.render import SkipDelivery
from bot.core.reach import parse_detail, reach_choices, reach_text
from bot.core.text import message
from bot.errors import StaleChoice

ALIAS_STATE = "support.alias"
REASON_STATE = "support.reason"
REACH_STATE = "support.reach"
DETAIL_STATE = "support.detail"
REPORT_STATE = "support.report"
SHARE_STATE = "support.share"
TEXT_STATES = frozenset({ALIAS_STATE, REASON_STATE, DETAIL_STATE, REPORT_STATE})
MAX_REQUESTS_PER_DAY = 3
REPORTABLE_FOR = timedelta(days=7)
MAX_RELAY_CHARS = 2000
NO_REQUEST = 0  # matching before a request exists: nobody has been asked for it yet


class Support(Feature):
    name = "support"
    commands = ("support", "end", "report")

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        if command == "end":
            return await self._end(turn)
        if command == "report":
            return await self._start_report(turn)
        link = await turn.store.support.link(turn.require_contact().id)
        if link is not None:
            return [self._open_status(turn, link)]
        return [Reply(turn.t("support.intro"), (
            Choice(key("support", "peer"), turn.t("support.btn_peer")),
            Choice(key("support", "services"), turn.t("support.btn_services")),
            Choice(key("support", "urgent"), turn.t("support.btn_urgent")),
            Choice(key("checkon", "open"), turn.t("checkon.btn_open")),
            Choice("menu:menu", turn.t("menu.btn_menu")),
        ))]

    def awaits_text(self, state: str) -> bool:
        return state in TEXT_STATES

    async def on_forget(self, turn: Turn) -> None:
        await leave(turn.store, turn.require_contact().id, turn.now())

    def _open_status(self, turn: Turn, link: Link) -> Reply:
        which = "support.in_relay" if link.request.status == RequestStatus.RELAY else "support.still_asking"
        return Reply(turn.t(which), (Choice(key("support", "end"), turn.t("support.btn_end")),
                                     Choice("menu:menu", turn.t("menu.btn_menu"))))

    def _services(self, turn: Turn, lead: str) -> Reply:
        return turn.with_menu(f"{turn.t(lead)}\n\n{local_services(turn.library, turn.language)}")

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        state = turn.conversation.state
        match parts:
            case ["peer"]:
                return await self._peer(turn)
            case ["services"]:
                return [self._services(turn, "support.services_lead")]
            case ["urgent"]:
                return await turn.run_command("help", "urgent")
            case ["skip"] if state == REASON_STATE:
                return await self._got_reason(turn, None)
            case ["reach", reach] if state == REACH_STATE and reach in set(Reach):
                return await self._got_reach(turn, Reach(reach))
            case [("yes" | "no") as answer, request_id, ask_id] if request_id.isdigit() and ask_id.isdigit():
                return await self._answer(turn, int(request_id), int(ask_id), answer == "yes")
            case ["show", delivery_id] if delivery_id.isdigit():
                return await self._show(turn, int(delivery_id))
            case ["end"]:
                return await self._end(turn)
            case ["report"]:
                return await self._start_report(turn)
            case ["share", ("yes" | "no") as shared] if state == SHARE_STATE:
                return await self._report(turn, shared == "yes")
        raise StaleChoice("support")

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        state, cleaned = turn.conversation.state, one_line(text)
        if state == ALIAS_STATE:
            if not cleaned or len(cleaned) > MAX_ALIAS_CHARS:
                return [Reply(turn.t("support.bad_alias", max=MAX_ALIAS_CHARS))]
            await turn.set_state(REASON_STATE, {"alias": cleaned})
            return [Reply(turn.t("support.ask_reason", max=MAX_REASON_CHARS),
                          (Choice(key("support", "skip"), turn.t("support.btn_skip")),))]
        if state == REASON_STATE:
            if len(cleaned) > MAX_REASON_CHARS:
                return [Reply(turn.t("support.bad_reason", max=MAX_REASON_CHARS))]
            return await self._got_reason(turn, cleaned or None)
        if state == DETAIL_STATE:
            reach = Reach(str(turn.conversation.data.get("reach")))
            detail = parse_detail(reach, text)
            if detail is None:
                return [Reply(turn.t(f"support.bad_{reach}"))]
            return await self._create(turn, reach, detail)
        if state == REPORT_STATE:
            if not cleaned:
                return [Reply(turn.t("support.ask_report", max=MAX_REPORT_CHARS))]
            await turn.set_state(SHARE_STATE, {**turn.conversation.data, "reason": cleaned[:MAX_REPORT_CHARS]})
            return [Reply(turn.t("support.ask_share"), (
                Choice(key("support", "share", "no"), turn.t("support.btn_share_no"), "no"),
                Choice(key("support", "share", "yes"), turn.t("support.btn_share_yes"), "yes"),
            ))]
        raise StaleChoice("support")

    async def _show(self, turn: Turn, delivery_id: int) -> list[Reply]:
        """Discreet mode: what a plain greeting stood for, shown only once the person opened the chat."""
        contact = turn.require_contact()
        delivery = await turn.store.deliveries.get(delivery_id)
        if delivery is None or delivery.contact_id != contact.id or delivery.kind != KIND:
            return [turn.with_menu(turn.t("hide.gone"))]  # gone with the conversation, or never theirs
        try:
            return list(await SupportMessages(turn.store, turn.library).render(delivery, contact, turn.now()))
        except SkipDelivery:
            return [turn.with_menu(turn.t("hide.gone"))]

    # --- asking for a peer ---

    async def _blocker(self, turn: Turn) -> Reply | None:
        """Why a request cannot be made now (stopped, open already, too many today, nobody free), or None."""
        contact, now = turn.require_contact(), turn.now()
        if contact.status == ContactStatus.STOPPED:
            return turn.with_menu(turn.t("support.stopped_first"))
        link = await turn.store.support.link(contact.id)
        if link is not None:
            return self._open_status(turn, link)
        if (await turn.store.support.requests_in_window(contact.address, now) >= MAX_REQUESTS_PER_DAY
                or await turn.store.support.made_since(contact.id, now - timedelta(days=1)) >= MAX_REQUESTS_PER_DAY):
            return self._services(turn, "support.limit")  # counted by address, so /forget does not reset it
        if await pick(turn.store, contact.id, contact.language, NO_REQUEST, now) is None:
            cohorts = await turn.store.cohorts.memberships(contact.id)
            for column in ("made", "unmatched"):  # facilitators see the need even when nobody was free
                await turn.store.support.count(cohorts[0].id if cohorts else None, now, column)
            return self._services(turn, "support.no_one")
        return None

    async def _peer(self, turn: Turn) -> list[Reply]:
        blocked = await self._blocker(turn)
        if blocked is not None:
            return [blocked]
        await turn.set_state(ALIAS_STATE)
        return [Reply(turn.t("support.ask_alias", max=MAX_ALIAS_CHARS))]

    async def _got_reason(self, turn: Turn, reason: str | None) -> list[Reply]:
        await turn.set_state(REACH_STATE, {**turn.conversation.data, "reason": reason})
        return [Reply(turn.t("support.ask_reach"), reach_choices(turn.library, turn.language, "support"))]

    async def _got_reach(self, turn: Turn, reach: Reach) -> list[Reply]:
        if reach == Reach.BOT:
            return await self._create(turn, reach, None)
        await turn.set_state(DETAIL_STATE, {**turn.conversation.data, "reach": str(reach)})
        return [Reply(turn.t(f"support.ask_{reach}"))]

    async def _create(self, turn: Turn, reach: Reach, detail: str | None) -> list[Reply]:
        contact, data, now = turn.require_contact(), turn.conversation.data, turn.now()
        if "alias" not in data:
            raise StaleChoice("support")
        await turn.clear_state()
        blocked = await self._blocker(turn)  # time has passed while they typed
        if blocked is not None:
            return [blocked]
        cohorts = await turn.store.cohorts.memberships(contact.id)
        new = NewRequest(contact.language, str(data["alias"]), data.get("reason"), reach, detail)
        request_id = await turn.store.support.create(contact.id, new, cohorts[0].id if cohorts else None, now)
        await turn.store.support.note_request(contact.address, now)
        request = await turn.store.support.get(request_id)
        assert request is not None
        if await ask_next(turn.store, request, now):
            minutes = int(ASK_TIMEOUT.total_seconds() // 60)
            return [Reply(turn.t("support.asking", alias=request.alias, minutes=minutes),
                          (Choice(key("support", "end"), turn.t("support.btn_stop_looking")),))]
        await give_up(turn.store, request, now)
        return [self._services(turn, "support.no_one")]

    # --- the volunteer's answer ---

    async def _answer(self, turn: Turn, request_id: int, ask_id: int, yes: bool) -> list[Reply]:
        """A volunteer's yes or no, bound to the exact request and ask the button was made for."""
        contact, now, store = turn.require_contact(), turn.now(), turn.store
        ask = await store.support.get_ask(ask_id)
        if ask is None or ask.volunteer_id != contact.id or ask.request_id != request_id:
            raise StaleChoice("support")
        request = await store.support.get(ask.request_id)
        volunteer = await store.volunteers.get(contact.id)
        if request is None or volunteer is None or request.status != RequestStatus.ASKING:
            await store.support.answer(ask.id, AskStatus.CANCELLED, now)
            return [turn.with_menu(turn.t("support.too_late"))]
        if not await store.support.answer(ask.id, AskStatus.ACCEPTED if yes else AskStatus.DECLINED, now):
            return [turn.with_menu(turn.t("support.too_late"))]
        if not yes:
            await move_on(store, request, now)
            return [turn.with_menu(turn.t("support.declined_thanks"))]
        status = await accept(store, request, volunteer.offer.reach, now)
        if status is None:
            return [turn.with_menu(turn.t("support.too_late"))]
        if status == RequestStatus.RELAY:
            return [Reply(turn.t("support.accepted_relay", alias=request.alias),
                          (Choice(key("support", "end"), turn.t("support.btn_end")),))]
        how = reach_text(turn.library, turn.language, request.reach, request.detail)
        return [turn.with_menu(turn.t("support.accepted_direct", alias=request.alias, how=how))]

    # --- the relay, ending and reporting ---

    async def on_free_text(self, turn: Turn, text: str) -> list[Reply] | None:
        if turn.contact is None:
            return None
        link = await turn.store.support.link(turn.contact.id)
        if link is None or link.request.status != RequestStatus.RELAY or link.other_id is None:
            return None
        if len(text) > MAX_RELAY_CHARS:
            return [Reply(turn.t("support.too_long", max=MAX_RELAY_CHARS))]
        words = message(text).strip()
        if not words:  # nothing visible (a lone zero-width space): not passed on, answered like any unclear text
            return None
        other = await turn.store.contacts.get(link.other_id)
        if other is None or other.status != ContactStatus.ACTIVE:
            await end(turn.store, link, turn.now())
            return [turn.with_menu(turn.t("support.relay_closed"))]
        await relay(turn.store, link, words, turn.now(), urgent=bool(turn.crisis))
        if turn.crisis:  # the card went out above; say the words still reached the peer
            return [Reply(turn.t("support.relay_passed_on"))]
        return []

    async def _end(self, turn: Turn) -> list[Reply]:
        link = await turn.store.support.link(turn.require_contact().id)
        if link is None:
            return [turn.with_menu(turn.t("support.nothing_to_end"))]
        await end(turn.store, link, turn.now(), last_words=True)
        if link.other_id is None:
            return [turn.with_menu(turn.t("support.stopped_looking"))]
        ended = "support.ended_you" if link.role == Role.REQUESTER else "support.ended_you_volunteer"
        return [Reply(turn.t(ended), (Choice(key("support", "report"), turn.t("support.btn_report")),
                                                    Choice("menu:menu", turn.t("menu.btn_menu"))))]

    async def _start_report(self, turn: Turn) -> list[Reply]:
        link = await turn.store.support.latest(turn.require_contact().id, turn.now() - REPORTABLE_FOR)
        if link is None:
            return [turn.with_menu(turn.t("support.nothing_to_report"))]
        await turn.set_state(REPORT_STATE, {"request": link.request.id})
        return [Reply(turn.t("support.ask_report", max=MAX_REPORT_CHARS))]

    async def _report(self, turn: Turn, shared: bool) -> list[Reply]:
        contact, now, store, data = turn.require_contact(), turn.now(), turn.store, turn.conversation.data
        link = await store.support.latest(contact.id, now - REPORTABLE_FOR)
        if link is None or link.request.id != data.get("request") or "reason" not in data:
            raise StaleChoice("support")
        await turn.clear_state()
        cohort_id = await self._cohort_of_other(turn, link)
        await store.support.report(contact.id, link.request.id, cohort_id, str(data["reason"]), shared, now)
        said = ["support.reported_lead"]  # the reporter hears what happened, step by step
        if link.request.status in (RequestStatus.RELAY, RequestStatus.ASKING) and await end(store, link, now):
            said.append("support.reported_ended")
        cohort = await store.cohorts.get(cohort_id) if cohort_id is not None else None
        if cohort is not None and cohort.owner_id is not None:
            await say(store, cohort.owner_id, "support.notify_report", f"support:report:{link.request.id}:"
                      f"{contact.id}", now, kind=NOTICE)
            said.append("support.reported_told")
        else:
            said.append("support.reported_untold")
        if link.other_id is not None:
            await store.support.block(contact.id, link.other_id, now)
            said.append("support.reported_blocked")
        return [turn.with_menu("\n".join(turn.t(text_key) for text_key in said))]

    async def _cohort_of_other(self, turn: Turn, link: Link) -> int | None:
        """The cohort whose facilitator hears of a report: the reported person's (a volunteer's approving one)."""
        volunteer_id = link.other_id if link.role == Role.REQUESTER else turn.require_contact().id
        volunteer = await turn.store.volunteers.get(volunteer_id) if volunteer_id is not None else None
        approving = volunteer.cohort_id if volunteer is not None else None
        if link.role == Role.REQUESTER:
            return approving or link.request.cohort_id
        return link.request.cohort_id or approving
