"""/remind: a daily reminder at a time of the person's choosing, in their own time zone, and quiet hours.

Quiet hours hold back every proactive message (the dispatcher postpones to their end); a reminder time
inside them is refused, so the two never fight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.domain import QUIET_HOURS, ContactStatus, ReminderSettings
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Reply
from bot.core.proactive.people import change_timezone
from bot.core.proactive.reminders import plan_reminder
from bot.core.timing import QuietHours, clock_text
from bot.core.zones import LIKELY_ZONES, find_zones, is_zone, parse_clock, zone_choice, zone_label, zone_name
from bot.errors import StaleChoice
from bot.library.schema import SpokenClock

TIME_STATE = "remind.time"
ZONE_STATE = "remind.zone"
QUIET_STATE = "remind.quiet"
TIME_CHOICES = (8 * 60, 12 * 60, 18 * 60, 20 * 60)
QUIET_CHOICES = (QuietHours(22 * 60, 7 * 60), QuietHours(23 * 60, 8 * 60), QuietHours(21 * 60, 9 * 60))


def quiet_text(quiet: QuietHours) -> str:
    return f"{clock_text(quiet.start)}–{clock_text(quiet.end)}"


def parse_quiet(text: str, spoken: Sequence[SpokenClock] = ()) -> QuietHours | None:
    """'22:00-07:00', '22-7', '22:00 – 07:00' or 'saa nne usiku - saa moja asubuhi' as quiet hours; else None."""
    for dash in ("–", "-", " to "):
        if dash in text:
            start, _, end = text.partition(dash)
            first, last = parse_clock(start, spoken), parse_clock(end, spoken)
            if first is not None and last is not None and first != last:
                return QuietHours(first, last)
    return None


class Reminders(Feature):
    name = "remind"
    commands = ("remind",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        return [await self._status(turn)]

    def awaits_text(self, state: str) -> bool:
        return state in (TIME_STATE, ZONE_STATE, QUIET_STATE)

    def matches_labels(self, state: str) -> bool:
        return self.awaits_text(state)

    def numbers_pick(self, state: str) -> bool:
        return state == ZONE_STATE

    async def _status(self, turn: Turn, lead: str = "") -> Reply:
        contact = turn.require_contact()
        settings = await turn.store.reminders.get(contact.id)
        text = turn.t(
            "remind.status",
            reminder=turn.t("remind.daily_at", time=clock_text(settings.minute)) if settings.enabled
            else turn.t("remind.daily_off"),
            zone=zone_name(contact.timezone),
            quiet=quiet_text(settings.quiet) if settings.quiet else turn.t("remind.no_quiet"),
        )
        if contact.status == ContactStatus.STOPPED:
            text += "\n\n" + turn.t("remind.stopped_note")
        choices = [Choice(key("remind", "time"), turn.t("remind.btn_time")),
                   Choice(key("remind", "zone"), turn.t("remind.btn_zone")),
                   Choice(key("remind", "quiet"), turn.t("remind.btn_quiet"))]
        if settings.enabled:
            choices.append(Choice(key("remind", "off"), turn.t("remind.btn_off")))
        choices.append(Choice("menu:menu", turn.t("menu.btn_menu")))
        return Reply(f"{lead}\n\n{text}" if lead else text, tuple(choices))

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        state = turn.conversation.state
        match parts:
            case ["time"]:
                await turn.set_state(TIME_STATE)
                return [Reply(turn.t("remind.ask_time"), tuple(
                    Choice(key("remind", "at", m), clock_text(m)) for m in TIME_CHOICES))]
            case ["at", minute] if state == TIME_STATE and minute in {str(m) for m in TIME_CHOICES}:
                return await self._set_time(turn, int(minute))
            case ["zone"]:
                await turn.set_state(ZONE_STATE)
                zone = zone_name(turn.require_contact().timezone)
                return [Reply(turn.t("remind.ask_zone", zone=zone), self._zones(turn))]
            case ["tz", index] if state == ZONE_STATE and zone_choice(index) is not None:
                return await self._set_zone(turn, LIKELY_ZONES[int(index)])
            case ["tzn", zone] if state == ZONE_STATE and is_zone(zone):
                return await self._set_zone(turn, zone)
            case ["quiet"]:
                await turn.set_state(QUIET_STATE)
                choices = [Choice(key("remind", "q", i), quiet_text(q)) for i, q in enumerate(QUIET_CHOICES)]
                choices.append(Choice(key("remind", "q", "none"), turn.t("remind.btn_no_quiet")))
                return [Reply(turn.t("remind.ask_quiet"), tuple(choices))]
            case ["q", "none"] if state == QUIET_STATE:
                return await self._set_quiet(turn, None)
            case ["q", index] if state == QUIET_STATE and index in {"0", "1", "2"}:
                return await self._set_quiet(turn, QUIET_CHOICES[int(index)])
            case ["off"]:
                return await self._save(turn, replace(await self._settings(turn), enabled=False), "remind.turned_off")
        raise StaleChoice("remind")

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        state = turn.conversation.state
        if state == TIME_STATE:
            minute = parse_clock(text, turn.library.spoken_clocks)
            return await self._set_time(turn, minute) if minute is not None else [Reply(turn.t("remind.bad_time"))]
        if state == ZONE_STATE:
            zones = find_zones(text, (turn.language,))
            if len(zones) == 1:
                return await self._set_zone(turn, zones[0])
            if zones:
                return [Reply(turn.t("typed.which_zone"), tuple(
                    Choice(key("remind", "tzn", zone), zone_label(zone, turn.language)) for zone in zones))]
            return [Reply(turn.t("remind.bad_zone"), self._zones(turn))]
        quiet = parse_quiet(text, turn.library.spoken_clocks)
        return await self._set_quiet(turn, quiet) if quiet else [Reply(turn.t("remind.bad_quiet"))]

    def _zones(self, turn: Turn) -> tuple[Choice, ...]:
        return tuple(Choice(key("remind", "tz", i), zone_label(zone, turn.language))
                     for i, zone in enumerate(LIKELY_ZONES))

    async def _settings(self, turn: Turn) -> ReminderSettings:
        return await turn.store.reminders.get(turn.require_contact().id)

    async def _set_time(self, turn: Turn, minute: int) -> list[Reply]:
        settings = await self._settings(turn)
        if settings.quiet and settings.quiet.contains(minute):
            return [Reply(turn.t("remind.in_quiet", time=clock_text(minute), quiet=quiet_text(settings.quiet)))]
        return await self._save(turn, replace(settings, enabled=True, minute=minute), "remind.saved")

    async def _set_quiet(self, turn: Turn, quiet: QuietHours | None) -> list[Reply]:
        """Save the new hours and release what the old ones held. A reminder that now falls inside them is not
        an objection: the person is offered a new reminder time right away."""
        contact, settings = turn.require_contact(), await self._settings(turn)
        replies = await self._save(turn, replace(settings, quiet=quiet), "remind.saved")
        await turn.store.deliveries.release_held(contact.id, QUIET_HOURS, turn.now())
        if quiet and settings.enabled and quiet.contains(settings.minute):
            await turn.set_state(TIME_STATE)
            return [Reply(turn.t("remind.quiet_saved_move_time", time=clock_text(settings.minute),
                                 quiet=quiet_text(quiet)), self._time_choices(quiet))]
        return replies

    def _time_choices(self, quiet: QuietHours | None) -> tuple[Choice, ...]:
        return tuple(Choice(key("remind", "at", m), clock_text(m)) for m in TIME_CHOICES
                     if quiet is None or not quiet.contains(m))

    async def _set_zone(self, turn: Turn, zone: str) -> list[Reply]:
        contact = turn.require_contact()
        await change_timezone(turn.store, turn.library.base.followups.steps, contact.id, zone, turn.now())
        await turn.store.deliveries.release_held(contact.id, QUIET_HOURS, turn.now())  # quiet hours moved with it
        turn.contact = replace(contact, timezone=zone)
        await turn.clear_state()
        return [await self._status(turn, turn.t("remind.zone_saved", zone=zone_name(zone)))]

    async def _save(self, turn: Turn, settings: ReminderSettings, lead: str) -> list[Reply]:
        contact = turn.require_contact()
        await plan_reminder(turn.store, contact.id, settings, contact.timezone, turn.now())
        await turn.clear_state()
        return [await self._status(turn, turn.t(lead))]
