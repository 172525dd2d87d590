"""/offer: a graduate volunteers as a peer supporter; /volunteers: a facilitator approves or declines them.

A facilitator sees the name a volunteer chose, their intro, languages and usual times, never how they can be
reached. Every decision is checked against the database: the facilitator must own an open cohort the
volunteer is in, and never approves a facilitator (their own second account could be one). An approved
volunteer is asked only by members of the approving facilitator's cohorts (Volunteers.candidates).
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.domain import (
    K_MIN,
    MAX_ALIAS_CHARS,
    MAX_INTRO_CHARS,
    RECENT_WEEKS,
    Action,
    Availability,
    Offer,
    PendingVolunteer,
    Reach,
    Role,
    Volunteer,
    VolunteerStatus,
    shown_count,
)
from bot.core.features.base import Feature, Turn, key
from bot.core.features.cohorts import short
from bot.core.messages import Choice, Reply
from bot.core.peers import NOTICE, end, pass_on, say
from bot.core.reach import parse_detail, reach_choices
from bot.core.text import one_line as one_line  # support.py imports it from here
from bot.errors import StaleChoice

LANGS_STATE = "offer.langs"
ALIAS_STATE = "offer.alias"
INTRO_STATE = "offer.intro"
REACH_STATE = "offer.reach"
DETAIL_STATE = "offer.detail"
WHEN_STATE = "offer.when"
TEXT_STATES = frozenset({ALIAS_STATE, INTRO_STATE, DETAIL_STATE})
MAX_PENDING_SHOWN = 8
REPORTS_SHOWN = 5
COUNTS_OVER = timedelta(days=30)


def language_names(turn: Turn, codes: tuple[str, ...] | list[str]) -> str:
    return ", ".join(turn.library.pack(code).info.name for code in codes if turn.library.supports(code))


class OfferFeature(Feature):
    name = "offer"
    commands = ("offer", "volunteers")
    facilitator_only = frozenset({"volunteers"})

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        if command == "volunteers":
            return [await self._overview(turn)]
        word = args.strip().lower()
        if word in ("stop", "pause", "resume"):
            return await self.on_choice(turn, [word])
        volunteer = await turn.store.volunteers.get(turn.require_contact().id)
        if volunteer is not None:
            return [self._status(turn, volunteer)]
        return await self._start(turn)

    def awaits_text(self, state: str) -> bool:
        return state in TEXT_STATES

    # --- the volunteer's side ---

    async def _start(self, turn: Turn) -> list[Reply]:
        contact = turn.require_contact()
        if contact.is_facilitator:
            return [turn.with_menu(turn.t("offer.facilitator_cannot"))]
        if not await turn.store.volunteers.deciders(contact.id):
            return [turn.with_menu(turn.t("offer.need_cohort"))]
        await turn.set_state(LANGS_STATE, {"langs": [contact.language]})
        return [Reply(turn.t("offer.intro_text")), self._ask_languages(turn, [contact.language])]

    def _ask_languages(self, turn: Turn, chosen: list[str]) -> Reply:
        choices = [Choice(key("offer", "lang", code), short(("✓ " if code in chosen else "") + name))
                   for code, name in turn.library.languages]
        choices.append(Choice(key("offer", "langsdone"), turn.t("offer.btn_done")))
        return Reply(turn.t("offer.ask_languages"), tuple(choices))

    def _status(self, turn: Turn, volunteer: Volunteer) -> Reply:
        offer = volunteer.offer
        text = turn.t("offer.status", alias=offer.alias, status=turn.t(f"offer.status_{volunteer.status}"),
                      languages=language_names(turn, offer.languages), when=turn.t(f"offer.when_{offer.availability}"),
                      reach=turn.t(f"offer.reach_{offer.reach}"))
        choices = []
        if volunteer.status == VolunteerStatus.APPROVED:
            text += "\n\n" + turn.t("offer.is_paused" if volunteer.paused else "offer.is_active")
            toggle = "resume" if volunteer.paused else "pause"
            choices.append(Choice(key("offer", toggle), turn.t(f"offer.btn_{toggle}")))
        choices += [Choice(key("offer", "redo"), turn.t("offer.btn_redo")),
                    Choice(key("offer", "stop"), turn.t("offer.btn_stop")),
                    Choice("menu:menu", turn.t("menu.btn_menu"))]
        return Reply(text, tuple(choices))

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        contact = turn.require_contact()
        state, data = turn.conversation.state, turn.conversation.data
        match parts:
            case ["lang", code] if state == LANGS_STATE and turn.library.supports(code):
                chosen = [c for c in data.get("langs", []) if c != code]
                if len(chosen) == len(data.get("langs", [])):
                    chosen.append(code)
                await turn.set_state(LANGS_STATE, {"langs": chosen})
                return [self._ask_languages(turn, chosen)]
            case ["langsdone"] if state == LANGS_STATE:
                if not data.get("langs"):
                    return [Reply(turn.t("offer.need_language")), self._ask_languages(turn, [])]
                await turn.set_state(ALIAS_STATE, data)
                return [Reply(turn.t("offer.ask_alias", max=MAX_ALIAS_CHARS))]
            case ["reach", reach] if state == REACH_STATE and reach in set(Reach):
                return await self._got_reach(turn, Reach(reach))
            case ["when", when] if state == WHEN_STATE and when in set(Availability):
                return await self._save(turn, Availability(when))
            case ["redo"]:
                return await self._start(turn)
            case ["stop"]:
                await pass_on(turn.store, contact.id, turn.now())
                withdrawn = await turn.store.volunteers.withdraw(contact.id)
                return [turn.with_menu(turn.t("offer.stopped" if withdrawn else "offer.not_volunteer"))]
            case [("pause" | "resume") as what]:
                if not await turn.store.volunteers.set_paused(contact.id, what == "pause"):
                    return [turn.with_menu(turn.t("offer.not_approved"))]
                if what == "pause":
                    await pass_on(turn.store, contact.id, turn.now())
                return [turn.with_menu(turn.t(f"offer.{what}d"))]
            case ["see", volunteer_id] if volunteer_id.isdigit():
                return [await self._detail(turn, int(volunteer_id))]
            case [("ok" | "no") as verdict, volunteer_id] if volunteer_id.isdigit():
                return await self._decide(turn, int(volunteer_id), verdict == "ok")
            case ["list"]:
                return [await self._overview(turn)]
            case ["approved"]:
                return [await self._approved(turn)]
            case ["sup", volunteer_id] if volunteer_id.isdigit():
                return [await self._supporter(turn, int(volunteer_id))]
            case [("hold" | "drop") as what, volunteer_id] if volunteer_id.isdigit():
                return await self._unapprove(turn, int(volunteer_id), what == "drop")
        raise StaleChoice("offer")

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        state, data = turn.conversation.state, turn.conversation.data
        cleaned = one_line(text)
        if state == ALIAS_STATE:
            if not cleaned or len(cleaned) > MAX_ALIAS_CHARS:
                return [Reply(turn.t("offer.bad_alias", max=MAX_ALIAS_CHARS))]
            await turn.set_state(INTRO_STATE, {**data, "alias": cleaned})
            return [Reply(turn.t("offer.ask_intro", max=MAX_INTRO_CHARS))]
        if state == INTRO_STATE:
            if not cleaned or len(cleaned) > MAX_INTRO_CHARS:
                return [Reply(turn.t("offer.bad_intro", max=MAX_INTRO_CHARS, length=len(cleaned)))]
            await turn.set_state(REACH_STATE, {**data, "intro": cleaned})
            return [Reply(turn.t("offer.ask_reach"), reach_choices(turn.library, turn.language, "offer"))]
        if state == DETAIL_STATE:
            reach = Reach(str(data.get("reach")))
            detail = parse_detail(reach, text)
            if detail is None:
                return [Reply(turn.t(f"support.bad_{reach}"))]
            await turn.set_state(WHEN_STATE, {**data, "detail": detail})
            return [self._ask_when(turn)]
        raise StaleChoice("offer")

    async def _got_reach(self, turn: Turn, reach: Reach) -> list[Reply]:
        data = {**turn.conversation.data, "reach": str(reach)}
        if reach == Reach.BOT:
            await turn.set_state(WHEN_STATE, data)
            return [self._ask_when(turn)]
        await turn.set_state(DETAIL_STATE, data)
        return [Reply(turn.t(f"support.ask_{reach}"))]

    def _ask_when(self, turn: Turn) -> Reply:
        return Reply(turn.t("offer.ask_when"), tuple(
            Choice(key("offer", "when", when), turn.t(f"offer.btn_when_{when}")) for when in Availability))

    async def _save(self, turn: Turn, availability: Availability) -> list[Reply]:
        contact, data, now = turn.require_contact(), turn.conversation.data, turn.now()
        if not {"langs", "alias", "intro", "reach"} <= data.keys():
            raise StaleChoice("offer")
        offer = Offer(tuple(data["langs"]), str(data["alias"]), str(data["intro"]), Reach(str(data["reach"])),
                      data.get("detail"), availability)
        await turn.store.volunteers.save(contact.id, offer, now)
        await turn.clear_state()
        for facilitator_id in await turn.store.volunteers.deciders(contact.id):
            await say(turn.store, facilitator_id, "offer.notify_waiting",
                      f"offer:waiting:{contact.id}:{facilitator_id}:{int(now.timestamp())}", now, kind=NOTICE)
        return [turn.with_menu(turn.t("offer.saved", alias=offer.alias))]

    # --- the facilitator's side ---

    def _require_facilitator(self, turn: Turn) -> int:
        contact = turn.require_contact()
        if not contact.is_facilitator:
            raise StaleChoice("offer")
        return contact.id

    async def _overview(self, turn: Turn) -> Reply:
        facilitator_id = self._require_facilitator(turn)
        store, since = turn.store, turn.now() - COUNTS_OVER
        pending = await store.volunteers.pending_for(facilitator_id, MAX_PENDING_SHOWN)
        # Counts of people over closed weeks, published with noise like /stats: k >= 5 and no one singled out.
        owned = await store.cohorts.owned_by(facilitator_id)
        counts = await store.stats.support([(c.id, c.timezone) for c in owned], turn.now())
        parts = [turn.t("offer.counts", weeks=RECENT_WEEKS, made=self._count(turn, counts.asked),
                        answered=self._count(turn, counts.answered), unmatched=self._count(turn, counts.unmatched),
                        approved=await store.volunteers.approved_count(facilitator_id), k=K_MIN)]
        reports = await store.support.reports_for(facilitator_id, since, REPORTS_SHOWN)
        if reports:
            lines = [turn.t("offer.report_line", date=r.at.date().isoformat(), cohort=r.cohort_name, reason=r.reason,
                            names=", ".join(r.aliases) if r.aliases else turn.t("offer.names_not_shared"))
                     for r in reports]
            parts.append(turn.t("offer.reports", lines="\n".join(lines)))
        if pending:
            lines = [f"• {p.alias} ({p.cohort_name})" for p in pending]
            parts.append(turn.t("offer.pending", lines="\n".join(lines)))
        else:
            parts.append(turn.t("offer.none_pending"))
        choices = [Choice(key("offer", "see", p.contact_id), short(p.alias)) for p in pending]
        if await store.volunteers.approved_for(facilitator_id, 1):
            choices.append(Choice(key("offer", "approved"), turn.t("offer.btn_approved")))
        return Reply("\n\n".join(parts), (*choices, Choice("menu:menu", turn.t("menu.btn_menu"))))

    async def _approved(self, turn: Turn) -> Reply:
        """The supporters this facilitator approved, to pause or remove one."""
        approved = await turn.store.volunteers.approved_for(self._require_facilitator(turn), MAX_PENDING_SHOWN)
        if not approved:
            return Reply(turn.t("offer.none_approved"), (Choice(key("offer", "list"), turn.t("offer.btn_back")),))
        lines = [f"• {a.alias} ({a.cohort_name})" + (f" — {turn.t('offer.paused_mark')}" if a.paused else "")
                 for a in approved]
        choices = [Choice(key("offer", "sup", a.contact_id), short(a.alias)) for a in approved]
        return Reply(turn.t("offer.approved_list", lines="\n".join(lines)),
                     (*choices, Choice(key("offer", "list"), turn.t("offer.btn_back"))))

    async def _supporter(self, turn: Turn, volunteer_id: int) -> Reply:
        approved = await turn.store.volunteers.approved_for(self._require_facilitator(turn), MAX_PENDING_SHOWN * 10)
        found = next((a for a in approved if a.contact_id == volunteer_id), None)
        if found is None:
            raise StaleChoice("offer")
        return Reply(turn.t("offer.supporter", alias=found.alias, cohort=found.cohort_name), (
            Choice(key("offer", "hold", volunteer_id), turn.t("offer.btn_hold")),
            Choice(key("offer", "drop", volunteer_id), turn.t("offer.btn_drop")),
            Choice(key("offer", "approved"), turn.t("offer.btn_back"))))

    async def _unapprove(self, turn: Turn, volunteer_id: int, remove: bool) -> list[Reply]:
        """Pause (back to waiting for approval) or remove a supporter: asks waiting for them go to someone else;
        removing also ends a conversation they are in."""
        facilitator_id, now, store = self._require_facilitator(turn), turn.now(), turn.store
        volunteer = await store.volunteers.get(volunteer_id)
        status = VolunteerStatus.DECLINED if remove else VolunteerStatus.PENDING
        cohort_id = await store.volunteers.unapprove(volunteer_id, facilitator_id, status, now)
        if volunteer is None or cohort_id is None:
            raise StaleChoice("offer")
        link = await store.support.link(volunteer_id)
        if remove and link is not None and link.role == Role.VOLUNTEER:
            await end(store, link, now)
        await pass_on(store, volunteer_id, now)
        await store.facilitators.audit(facilitator_id, Action.VOLUNTEER_REMOVED if remove else Action.VOLUNTEER_PAUSED,
                                       now, cohort_id)
        what = "removed" if remove else "held"
        await say(store, volunteer_id, f"offer.notify_{what}", f"offer:{what}:{volunteer_id}:{int(now.timestamp())}",
                  now, kind=NOTICE)
        return [Reply(turn.t(f"offer.decided_{what}", alias=volunteer.offer.alias)), await self._overview(turn)]
    def _count(self, turn: Turn, value: int) -> str:
        shown = shown_count(value)
        return turn.t("stats.hidden") if shown is None else str(shown)

    async def _pending(self, turn: Turn, volunteer_id: int) -> PendingVolunteer:
        facilitator_id = self._require_facilitator(turn)
        pending = await turn.store.volunteers.pending_for(facilitator_id, MAX_PENDING_SHOWN * 10)
        found = next((p for p in pending if p.contact_id == volunteer_id), None)
        if found is None:
            raise StaleChoice("offer")
        return found

    async def _detail(self, turn: Turn, volunteer_id: int) -> Reply:
        found = await self._pending(turn, volunteer_id)
        text = turn.t("offer.detail", alias=found.alias, intro=found.intro, cohort=found.cohort_name,
                      languages=language_names(turn, found.languages), when=turn.t(f"offer.when_{found.availability}"))
        return Reply(text, (Choice(key("offer", "ok", volunteer_id), turn.t("offer.btn_approve")),
                            Choice(key("offer", "no", volunteer_id), turn.t("offer.btn_decline")),
                            Choice(key("offer", "list"), turn.t("offer.btn_back"))))

    async def _decide(self, turn: Turn, volunteer_id: int, approve: bool) -> list[Reply]:
        facilitator_id, now = self._require_facilitator(turn), turn.now()
        if approve:  # a facilitator vouches only for members of their own groups, never for a facilitator
            refusal = await turn.store.volunteers.refusal(volunteer_id, facilitator_id)
            if refusal is not None:
                return [turn.with_menu(turn.t(f"offer.refused_{refusal}"))]
        found = await self._pending(turn, volunteer_id)
        cohort_id = await turn.store.volunteers.decide(volunteer_id, facilitator_id, approve, now)
        if cohort_id is None:
            raise StaleChoice("offer")
        action = Action.VOLUNTEER_APPROVED if approve else Action.VOLUNTEER_DECLINED
        await turn.store.facilitators.audit(facilitator_id, action, now, cohort_id)
        verdict = "approved" if approve else "declined"
        await say(turn.store, volunteer_id, f"offer.notify_{verdict}", f"offer:{verdict}:{volunteer_id}:"
                  f"{int(now.timestamp())}", now, kind=NOTICE)
        return [Reply(turn.t(f"offer.decided_{verdict}", alias=found.alias)), await self._overview(turn)]
