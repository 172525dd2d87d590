"""/mood: the person's own check-ins over the last 30 days, as a picture and one kind line."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

from bot.charts import MoodPoint, mood_chart
from bot.core.domain import CheckInRecord
from bot.core.features.base import Feature, Turn
from bot.core.i18n import list_text
from bot.core.messages import Choice, Image, Reply

DAYS = 30


def daily_points(checkins: list[CheckInRecord], zone: ZoneInfo) -> list[MoodPoint]:
    """Average mood per local day, oldest first."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for checkin in checkins:
        by_day[checkin.at.astimezone(zone).date()].append(checkin.mood)
    return [MoodPoint(day, mean(moods)) for day, moods in sorted(by_day.items())]


class Mood(Feature):
    name = "mood"
    commands = ("mood",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        contact = turn.require_contact()
        checkins = await turn.store.checkins.since(contact.id, turn.now() - timedelta(days=DAYS))
        if not checkins:
            return [Reply(turn.t("mood.none"), (Choice("menu:checkin", turn.t("menu.btn_checkin")),))]
        card = turn.library.checkin(turn.language)
        labels = {m.value: m.label for m in card.moods}
        zone = ZoneInfo(contact.timezone)
        today = turn.now().astimezone(zone).date()
        first = today - timedelta(days=DAYS)
        shown = [c for c in checkins if c.at.astimezone(zone).date() >= first]  # exactly what the chart shows
        points = daily_points(shown, zone)
        png = await mood_chart(points, [labels[v] for v in range(1, 6)], turn.t("mood.chart_title", days=DAYS),
                               first, today)
        summary = turn.t("mood.summary", checkins=turn.t("mood.times", count=len(shown)),
                         days=turn.t("mood.days", count=len(points)), common=self._common(turn, shown, labels))
        return [Reply(summary, (Choice("menu:checkin", turn.t("menu.btn_checkin")),
                                Choice("menu:menu", turn.t("menu.btn_menu"))),
                      image=Image(png, turn.t("mood.chart_title", days=DAYS)))]

    def _common(self, turn: Turn, checkins: list[CheckInRecord], labels: dict[int, str]) -> str:
        """The most common answer; when several came up equally often, all of them, from the lightest down."""
        counts = Counter(c.mood for c in checkins)
        most = max(counts.values())
        tied = sorted((mood for mood, count in counts.items() if count == most), reverse=True)
        if len(tied) == 1:
            return turn.t("mood.common_one", mood=labels[tied[0]])
        return turn.t("mood.common_tie", moods=list_text(turn.language, [labels[mood] for mood in tied]))
