"""/join CODE (and the deep link /start CODE): join a workshop's cohort and get its follow-ups; /join alone
lists the cohorts a person is in, with a way to leave each."""

from __future__ import annotations

from dataclasses import replace

from bot.core.domain import Cohort, CohortStatus
from bot.core.features.base import Feature, Turn, key
from bot.core.features.cohorts import short
from bot.core.features.onboarding import cohort_code
from bot.core.messages import Choice, Reply
from bot.core.proactive.followups import sync_cohort
from bot.core.proactive.people import change_timezone
from bot.core.zones import zone_name
from bot.errors import StaleChoice

LEAVE_STATE = "join.leave"


class Join(Feature):
    name = "join"
    commands = ("join",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        if not args.strip():
            return await self._mine(turn)
        code = cohort_code(args)
        cohort = await turn.store.cohorts.by_code(code) if code else None
        if cohort is None:
            return [turn.with_menu(turn.t("join.unknown"))]
        if cohort.status != CohortStatus.OPEN:
            return [turn.with_menu(turn.t("join.closed"))]
        return await self._join(turn, cohort)

    async def _join(self, turn: Turn, cohort: Cohort) -> list[Reply]:
        contact = turn.require_contact()
        now = turn.now()
        steps = turn.library.base.followups.steps
        added = await turn.store.cohorts.join(cohort.id, contact.id, now)
        if contact.timezone == turn.engine.default_timezone and cohort.timezone != contact.timezone:
            # Still on the default zone: the workshop's zone is a far better guess for a decent hour.
            await change_timezone(turn.store, steps, contact.id, cohort.timezone, now)
            turn.contact = replace(contact, timezone=cohort.timezone)
        else:
            await sync_cohort(turn.store, steps, cohort, now, contact_id=contact.id)
        text = "join.joined" if added else "join.already"
        return [turn.with_menu(turn.t(text, name=cohort.name, zone=zone_name(turn.require_contact().timezone)))]

    async def _mine(self, turn: Turn) -> list[Reply]:
        cohorts = await turn.store.cohorts.memberships(turn.require_contact().id)
        if not cohorts:
            return [turn.with_menu(turn.t("join.none"))]
        lines = "\n".join(f"• {c.name}" for c in cohorts)
        choices = tuple(Choice(key("join", "leave", c.id), short(c.name)) for c in cohorts[:8])
        return [Reply(turn.t("join.mine", lines=lines), (*choices, Choice("menu:menu", turn.t("menu.btn_menu"))))]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        contact = turn.require_contact()
        match parts:
            case ["leave", cohort_id] if cohort_id.isdigit():
                cohort = await turn.store.cohorts.get(int(cohort_id))
                if cohort is None:
                    raise StaleChoice("join")
                await turn.set_state(LEAVE_STATE)
                return [Reply(turn.t("join.leave_confirm", name=cohort.name), (
                    Choice(key("join", "leaveyes", cohort.id), turn.t("join.btn_leave_yes"), "yes"),
                    Choice("menu:menu", turn.t("join.btn_stay"), "no"),
                ))]
            case ["leaveyes", cohort_id] if cohort_id.isdigit():
                cohort = await turn.store.cohorts.get(int(cohort_id))
                if cohort is None or not await turn.store.cohorts.leave(cohort.id, contact.id):
                    raise StaleChoice("join")
                await turn.store.deliveries.cancel_in_cohort(cohort.id, "left", turn.now(), contact.id)
                await turn.clear_state()
                return [turn.with_menu(turn.t("join.left", name=cohort.name))]
        raise StaleChoice("join")
