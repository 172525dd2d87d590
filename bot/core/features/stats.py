"""/stats: how a facilitator's cohort uses the companion, in counts and averages only, with a mood trend chart.

A figure shows only when at least K_MIN people contribute to it (bot/storage/stats.py); the facilitator is
told kindly why less is shown. Never an individual's data, never a name.
"""

from __future__ import annotations

from bot.charts import WeekPoint, trend_chart
from bot.core.domain import K_MIN, Action, Cell, Cohort, CohortStats, CohortStatus, Week
from bot.core.features.base import Feature, Turn, key
from bot.core.features.cohorts import owned_cohort, short
from bot.core.messages import Choice, Image, Reply
from bot.core.timing import local_now
from bot.errors import StaleChoice

MAX_LISTED = 8
TREND_STEP = 0.3  # a change in the weekly average smaller than this reads as "about the same"


class StatsFeature(Feature):
    name = "stats"
    commands = ("stats",)
    facilitator_only = frozenset(commands)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        cohorts = await turn.store.cohorts.owned_by(turn.require_contact().id)
        if not cohorts:
            return [Reply(turn.t("stats.no_cohorts"), (Choice("menu:newcohort", turn.t("cohorts.btn_new")),))]
        if len(cohorts) == 1:
            return await self._show(turn, cohorts[0])
        return [self._pick(turn, cohorts)]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        if not turn.require_contact().is_facilitator:
            raise StaleChoice("stats")
        match parts:
            case ["show", cohort_id]:
                return await self._show(turn, await owned_cohort(turn, cohort_id))
            case ["pick"]:
                return [self._pick(turn, await turn.store.cohorts.owned_by(turn.require_contact().id))]
        raise StaleChoice("stats")

    def _pick(self, turn: Turn, cohorts: list[Cohort]) -> Reply:
        return Reply(turn.t("stats.pick"), tuple(Choice(key("stats", "show", c.id), short(c.name))
                                                 for c in cohorts[:MAX_LISTED]))

    async def _show(self, turn: Turn, cohort: Cohort) -> list[Reply]:
        contact = turn.require_contact()
        figures = await turn.store.stats.cohort(cohort.id, turn.now())
        await turn.store.facilitators.audit(contact.id, Action.STATS_VIEWED, turn.now(), cohort.id)
        choices = self._choices(turn, cohort)
        if figures.members < K_MIN:
            return [Reply(turn.t("stats.too_few", name=cohort.name, members=figures.members, k=K_MIN), choices)]
        lines = [turn.t("stats.summary", name=cohort.name, members=figures.members,
                        active_7=self._figure(turn, figures.active_7), active_30=self._figure(turn, figures.active_30)),
                 ""]
        weeks = _since_first_activity(figures.weeks)
        if weeks:
            lines += [turn.t("stats.weeks_title"), *(self._week(turn, week, cohort.timezone) for week in weeks), ""]
        lines += self._moods(turn, figures)
        points = [WeekPoint(self._end(week, cohort.timezone), week.mood.value) for week in figures.weeks
                  if week.mood.shown is not None]
        lines += ["", self._trend(turn, points)]
        if _anything_hidden(figures):
            lines.append(turn.t("stats.hidden_note", k=K_MIN))
        if len(points) < 2:
            return [Reply("\n".join(lines), choices)]
        labels = [m.label for m in sorted(turn.library.checkin(turn.language).moods, key=lambda m: m.value)]
        png = await trend_chart(points, labels, turn.t("stats.chart_title"))
        return [Reply("\n".join(lines), choices, image=Image(png, turn.t("stats.chart_title")))]

    def _choices(self, turn: Turn, cohort: Cohort) -> tuple[Choice, ...]:
        choices = [Choice(key("stats", "pick"), turn.t("stats.btn_other"))]
        if cohort.status == CohortStatus.OPEN:
            choices.insert(0, Choice("menu:broadcast", turn.t("stats.btn_broadcast")))
        return tuple(choices)

    def _figure(self, turn: Turn, cell: Cell, digits: int = 0) -> str:
        value = cell.shown
        if value is None:
            return turn.t("stats.hidden")
        return f"{value:.{digits}f}"

    def _end(self, week: Week, zone: str) -> str:
        return local_now(week.end, zone).strftime("%d/%m")

    def _week(self, turn: Turn, week: Week, zone: str) -> str:
        return turn.t("stats.week_line", end=self._end(week, zone), checkins=self._figure(turn, week.checkins),
                      exercises=self._figure(turn, week.exercises), mood=self._figure(turn, week.mood, 1))

    def _moods(self, turn: Turn, figures: CohortStats) -> list[str]:
        shares = figures.mood_shares
        if shares is None:
            return [turn.t("stats.moods_hidden", k=K_MIN)]
        lines = [turn.t("stats.moods_title", checkins=sum(figures.moods))]
        for mood in sorted(turn.library.checkin(turn.language).moods, key=lambda m: -m.value):
            lines.append(turn.t("stats.mood_line", emoji=mood.emoji, label=mood.label,
                                share=round(100 * shares[mood.value - 1])))
        return lines

    def _trend(self, turn: Turn, points: list[WeekPoint]) -> str:
        if len(points) < 2:
            return turn.t("stats.no_chart", k=K_MIN)
        change = points[-1].mood - points[-2].mood
        if change >= TREND_STEP:
            return turn.t("stats.trend_up")
        if change <= -TREND_STEP:
            return turn.t("stats.trend_down")
        return turn.t("stats.trend_flat")


def _anything_hidden(figures: CohortStats) -> bool:
    cells = [figures.active_7, figures.active_30]
    cells += [cell for week in figures.weeks for cell in (week.checkins, week.exercises, week.mood)]
    return figures.mood_shares is None or any(cell.shown is None for cell in cells)


def _since_first_activity(weeks: tuple[Week, ...]) -> tuple[Week, ...]:
    """The weeks from the first one in which anyone checked in or did an exercise (older ones say nothing)."""
    for index, week in enumerate(weeks):
        if week.checkins.people or week.exercises.people:
            return weeks[index:]
    return ()
