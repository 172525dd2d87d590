"""/newcohort and /cohorts: facilitators create a workshop's cohort, show its QR code, change its date, close it.

Every choice is checked against the database: the person must be a facilitator and own the cohort.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.charts import qr_png
from bot.core.domain import MAX_NAME_CHARS, Action, Cohort, CohortStatus
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Image, Reply
from bot.core.proactive.followups import sync_cohort
from bot.core.text import one_line
from bot.core.timing import local_now
from bot.core.zones import LIKELY_ZONES, find_zones, is_zone, zone_choice, zone_label, zone_name
from bot.errors import StaleChoice

if TYPE_CHECKING:
    from bot.core.engine import Engine

NAME_STATE = "cohorts.name"
DATE_STATE = "cohorts.date"
LANG_STATE = "cohorts.lang"
ZONE_STATE = "cohorts.zone"
REDATE_STATE = "cohorts.redate"
CLOSE_STATE = "cohorts.close"
TEXT_STATES = frozenset({NAME_STATE, DATE_STATE, ZONE_STATE, REDATE_STATE})
BUTTON_CHARS = 20
MAX_LISTED = 8
DATE_RANGE = timedelta(days=366)
_DAY_FIRST = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


def parse_date(text: str) -> date | None:
    """A date typed as 2026-03-14, 14/03/2026, 14.03.2026 or 14-03-2026; None otherwise."""
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    match = _DAY_FIRST.fullmatch(cleaned)
    if match is None:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


# Other facilitator commands, offered from a cohort's page so the main menu stays short.
FACILITATOR_TOOLS = ("broadcast", "stats", "volunteers")


def deep_link(engine: Engine, code: str) -> str:
    """The link that joins the cohort: Telegram's deep link when the bot's name is known, else the command."""
    if engine.bot_username:
        return f"https://t.me/{engine.bot_username}?start={code}"
    return f"/start {code}"


async def owned_cohort(turn: Turn, cohort_id: str, *, open_only: bool = False) -> Cohort:
    """The cohort a choice names, if this person owns it (and it is open, when asked); StaleChoice otherwise."""
    cohort = await turn.store.cohorts.get(int(cohort_id)) if cohort_id.isdigit() else None
    if cohort is None or cohort.owner_id != turn.require_contact().id:
        raise StaleChoice("cohorts")
    if open_only and cohort.status != CohortStatus.OPEN:
        raise StaleChoice("cohorts")
    return cohort


def short(label: str) -> str:
    return label if len(label) <= BUTTON_CHARS else label[: BUTTON_CHARS - 1] + "…"


class Cohorts(Feature):
    name = "cohorts"
    commands = ("newcohort", "cohorts")
    facilitator_only = frozenset(commands)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        if command == "newcohort":
            await turn.set_state(NAME_STATE)
            return [Reply(turn.t("cohorts.ask_name"))]
        return await self._list(turn)

    def awaits_text(self, state: str) -> bool:
        return state in TEXT_STATES

    def matches_labels(self, state: str) -> bool:
        return state in (DATE_STATE, REDATE_STATE, ZONE_STATE)

    def numbers_pick(self, state: str) -> bool:
        return state == ZONE_STATE

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        self._require_facilitator(turn)
        state = turn.conversation.state
        if state == NAME_STATE:
            return await self._got_name(turn, one_line(text))
        if state == ZONE_STATE:
            zones = find_zones(text, (turn.language,))
            if len(zones) == 1:
                return await self._create(turn, zones[0])
            if zones:
                return [Reply(turn.t("typed.which_zone"), tuple(
                    Choice(key("cohorts", "zonen", zone), zone_label(zone, turn.language)) for zone in zones))]
            return [Reply(turn.t("cohorts.bad_zone"), self._zone_choices(turn))]
        if state in (DATE_STATE, REDATE_STATE):
            when = parse_date(text)
            if when is None:
                return [Reply(turn.t("cohorts.bad_date"), self._day_choices(turn))]
            return await self._got_date(turn, when)
        return [self._ask_language(turn)]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        self._require_facilitator(turn)
        state = turn.conversation.state
        match parts:
            case ["new"]:
                return await turn.run_command("newcohort")
            case ["list"]:
                return await self._list(turn)
            case ["day", ("today" | "yesterday") as which] if state in (DATE_STATE, REDATE_STATE):
                today = local_now(turn.now(), turn.require_contact().timezone).date()
                return await self._got_date(turn, today if which == "today" else today - timedelta(days=1))
            case ["lang", code] if state == LANG_STATE and turn.library.supports(code):
                await turn.set_state(ZONE_STATE, {**turn.conversation.data, "lang": code})
                return [Reply(turn.t("cohorts.ask_zone"), self._zone_choices(turn))]
            case ["zone", index] if state == ZONE_STATE:
                zone = zone_choice(index)
                if zone is None:
                    raise StaleChoice("cohorts")
                return await self._create(turn, zone)
            case ["zonen", zone] if state == ZONE_STATE and is_zone(zone):
                return await self._create(turn, zone)
            case ["show", cohort_id]:
                if state == CLOSE_STATE:
                    await turn.clear_state()
                return [self._detail(turn, await self._owned(turn, cohort_id))]
            case ["qr", cohort_id]:
                return [self._qr(turn, await self._owned(turn, cohort_id))]
            case ["redate", cohort_id]:
                cohort = await self._owned(turn, cohort_id, open_only=True)
                await turn.set_state(REDATE_STATE, {"id": cohort.id})
                return [Reply(turn.t("cohorts.ask_new_date", date=cohort.workshop_date.isoformat()),
                              self._day_choices(turn))]
            case ["close", cohort_id]:
                cohort = await self._owned(turn, cohort_id, open_only=True)
                await turn.set_state(CLOSE_STATE)
                return [Reply(turn.t("cohorts.close_confirm", name=cohort.name, members=cohort.members), (
                    Choice(key("cohorts", "closeyes", cohort.id), turn.t("cohorts.btn_close_yes"), "yes"),
                    Choice(key("cohorts", "show", cohort.id), turn.t("cohorts.btn_keep_open"), "no"),
                ))]
            case ["closeyes", cohort_id]:
                await turn.clear_state()
                return await self._close(turn, await self._owned(turn, cohort_id, open_only=True))
        raise StaleChoice("cohorts")

    def _require_facilitator(self, turn: Turn) -> None:
        if not turn.require_contact().is_facilitator:
            raise StaleChoice("cohorts")

    async def _owned(self, turn: Turn, cohort_id: str, *, open_only: bool = False) -> Cohort:
        return await owned_cohort(turn, cohort_id, open_only=open_only)

    def _day_choices(self, turn: Turn) -> tuple[Choice, ...]:
        return (Choice(key("cohorts", "day", "today"), turn.t("cohorts.btn_today")),
                Choice(key("cohorts", "day", "yesterday"), turn.t("cohorts.btn_yesterday")))

    def _zone_choices(self, turn: Turn) -> tuple[Choice, ...]:
        return tuple(Choice(key("cohorts", "zone", i), zone_label(zone, turn.language))
                     for i, zone in enumerate(LIKELY_ZONES))

    async def _got_name(self, turn: Turn, name: str) -> list[Reply]:
        if not name or len(name) > MAX_NAME_CHARS:
            return [Reply(turn.t("cohorts.bad_name", max=MAX_NAME_CHARS))]
        await turn.set_state(DATE_STATE, {"name": name})
        return [Reply(turn.t("cohorts.ask_date"), self._day_choices(turn))]

    async def _got_date(self, turn: Turn, when: date) -> list[Reply]:
        today = local_now(turn.now(), turn.require_contact().timezone).date()
        if abs(when - today) > DATE_RANGE:
            return [Reply(turn.t("cohorts.date_range"), self._day_choices(turn))]
        if turn.conversation.state == REDATE_STATE:
            return await self._redate(turn, await self._owned(turn, str(turn.conversation.data.get("id")),
                                                              open_only=True), when)
        await turn.set_state(LANG_STATE, {**turn.conversation.data, "date": when.isoformat()})
        return [self._ask_language(turn)]

    def _ask_language(self, turn: Turn) -> Reply:
        return Reply(turn.t("cohorts.ask_language"), tuple(
            Choice(key("cohorts", "lang", code), name) for code, name in turn.library.languages))

    async def _create(self, turn: Turn, zone: str) -> list[Reply]:
        contact = turn.require_contact()
        data = turn.conversation.data
        if not {"name", "date", "lang"} <= data.keys():
            raise StaleChoice("cohorts")
        cohort = await turn.store.cohorts.create(contact.id, str(data["name"]), date.fromisoformat(data["date"]),
                                                 str(data["lang"]), zone, turn.now())
        await turn.store.facilitators.audit(contact.id, Action.COHORT_CREATED, turn.now(), cohort.id)
        await turn.clear_state()
        return [self._detail(turn, cohort, created=True), self._qr(turn, cohort)]

    def _detail(self, turn: Turn, cohort: Cohort, *, created: bool = False) -> Reply:
        text = turn.t("cohorts.created" if created else "cohorts.detail", name=cohort.name, code=cohort.code,
                      link=deep_link(turn.engine, cohort.code), date=cohort.workshop_date.isoformat(),
                      zone=zone_name(cohort.timezone), language=turn.library.pack(cohort.language).info.name,
                      members=cohort.members, status=turn.t(f"cohorts.status_{cohort.status}"))
        choices = [Choice(key("cohorts", "qr", cohort.id), turn.t("cohorts.btn_qr"))]
        if cohort.status == CohortStatus.OPEN:
            choices += [Choice(key("cohorts", "redate", cohort.id), turn.t("cohorts.btn_change_date")),
                        Choice(key("cohorts", "close", cohort.id), turn.t("cohorts.btn_close"))]
        choices += [Choice(f"menu:{command}", turn.t(f"menu.btn_{command}")) for command in FACILITATOR_TOOLS
                    if turn.engine.has_command(command)]
        choices.append(Choice(key("cohorts", "list"), turn.t("cohorts.btn_all")))
        return Reply(text, tuple(choices))

    def _qr(self, turn: Turn, cohort: Cohort) -> Reply:
        link = deep_link(turn.engine, cohort.code)
        caption = turn.t("cohorts.qr_caption", code=cohort.code)
        return Reply(turn.t("cohorts.qr_text", code=cohort.code, link=link), image=Image(qr_png(link), caption))

    async def _list(self, turn: Turn) -> list[Reply]:
        cohorts = await turn.store.cohorts.owned_by(turn.require_contact().id)
        new = Choice(key("cohorts", "new"), turn.t("cohorts.btn_new"))
        if not cohorts:
            return [Reply(turn.t("cohorts.none"), (new, Choice("menu:menu", turn.t("menu.btn_menu"))))]
        lines = [turn.t("cohorts.line", name=c.name, date=c.workshop_date.isoformat(), members=c.members,
                        code=c.code, status=turn.t(f"cohorts.status_{c.status}")) for c in cohorts]
        shown = cohorts[:MAX_LISTED]
        choices = tuple(Choice(key("cohorts", "show", c.id), short(c.name)) for c in shown)
        return [Reply(turn.t("cohorts.list", lines="\n".join(lines)), (*choices, new))]

    async def _redate(self, turn: Turn, cohort: Cohort, when: date) -> list[Reply]:
        contact = turn.require_contact()
        await turn.store.cohorts.set_date(cohort.id, when)
        moved = replace(cohort, workshop_date=when)
        await sync_cohort(turn.store, turn.library.base.followups.steps, moved, turn.now(), retime=True)
        await turn.store.facilitators.audit(contact.id, Action.DATE_CHANGED, turn.now(), cohort.id)
        await turn.clear_state()
        return [turn.with_menu(turn.t("cohorts.date_changed", name=cohort.name, date=when.isoformat()))]

    async def _close(self, turn: Turn, cohort: Cohort) -> list[Reply]:
        contact = turn.require_contact()
        await turn.store.cohorts.close(cohort.id)
        await turn.store.deliveries.cancel_in_cohort(cohort.id, "cohort_closed", turn.now())
        await turn.store.facilitators.audit(contact.id, Action.COHORT_CLOSED, turn.now(), cohort.id)
        return [turn.with_menu(turn.t("cohorts.closed", name=cohort.name))]
