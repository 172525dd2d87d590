"""/stats: how a facilitator's cohort uses the companion, week by week, with a mood trend chart.

Only closed weeks (Monday to Sunday in the cohort's time zone) are shown, each published once with
differentially private noise and then frozen (bot/storage/stats.py), rounded, and hidden below K_MIN people;
the text says so. The chart and the trend line use the same published figures. Never a person, never a name.
"""

from __future__ import annotations

from datetime import date

from bot.charts import WeekPoint, trend_chart
from bot.core.domain import (
    K_MIN,
    RECENT_WEEKS,
    Action,
    Cohort,
    CohortStats,
    CohortStatus,
    WeekFigures,
    shown_count,
    shown_shares,
)
from bot.core.features.base import Feature, Turn, key
from bot.core.features.cohorts import owned_cohort, short
from bot.core.messages import Choice, Image, Reply
from bot.errors import StaleChoice

MAX_LISTED = 8
TREND_STEP = 0.5  # weekly averages are shown to the nearest half point: one step up or down is a change


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
        figures = await turn.store.stats.cohort(cohort.id, cohort.timezone, turn.now())
        await turn.store.facilitators.audit(contact.id, Action.STATS_VIEWED, turn.now(), cohort.id)
        choices = self._choices(turn, cohort)
        if figures.members < K_MIN:
            return [Reply(turn.t("stats.too_few", name=cohort.name, members=figures.members, k=K_MIN), choices)]
        if not figures.weeks:
            return [Reply(turn.t("stats.first_week", name=cohort.name, members=figures.members), choices)]
        last = figures.weeks[-1]
        lines = [turn.t("stats.summary", name=cohort.name, members=figures.members,
                        active=self._count(turn, last.active)), turn.t("stats.how", k=K_MIN), ""]
        weeks = _since_first_activity(figures.weeks)
        if weeks:
            lines += [turn.t("stats.weeks_title"), *(self._week(turn, week) for week in weeks), ""]
        lines += self._moods(turn, figures)
        points = [WeekPoint(_day(week.last_day), mood) for week in figures.weeks if (mood := week.mood) is not None]
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

    def _count(self, turn: Turn, value: int) -> str:
        shown = shown_count(value)
        return turn.t("stats.hidden") if shown is None else str(shown)

    def _week(self, turn: Turn, week: WeekFigures) -> str:
        mood = week.mood
        return turn.t("stats.week_line", end=_day(week.last_day), active=self._count(turn, week.active),
                      checkins=self._count(turn, week.checked_in), exercises=self._count(turn, week.exercised),
                      mood=turn.t("stats.hidden") if mood is None else f"{mood:.1f}")

    def _moods(self, turn: Turn, figures: CohortStats) -> list[str]:
        moods = figures.recent_moods
        shares = shown_shares(moods)
        if shares is None:
            return [turn.t("stats.moods_hidden", k=K_MIN, weeks=RECENT_WEEKS)]
        lines = [turn.t("stats.moods_title", checkins=shown_count(sum(moods)), weeks=RECENT_WEEKS)]
        for mood in sorted(turn.library.checkin(turn.language).moods, key=lambda m: -m.value):
            lines.append(turn.t("stats.mood_line", emoji=mood.emoji, label=mood.label, share=shares[mood.value - 1]))
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


def _day(day: date) -> str:
    return day.strftime("%d/%m")


def _anything_hidden(figures: CohortStats) -> bool:
    counts = [value for week in figures.weeks for value in (week.active, week.checked_in, week.exercised)]
    return shown_shares(figures.recent_moods) is None or any(shown_count(value) is None for value in counts)


def _since_first_activity(weeks: tuple[WeekFigures, ...]) -> tuple[WeekFigures, ...]:
    """The weeks from the first one with any figure shown (older ones say nothing)."""
    for index, week in enumerate(weeks):
        if any(shown_count(value) is not None for value in (week.active, week.checked_in, week.exercised)):
            return weeks[index:]
    return ()
