"""/mood: the person's own check-ins over the last 30 days, as a picture and one kind line."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

from bot.charts import MoodPoint, mood_chart
from bot.core.domain import CheckInRecord
from bot.core.features.base import Feature, Turn
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
        points = daily_points(checkins, ZoneInfo(contact.timezone))
        today = turn.now().astimezone(ZoneInfo(contact.timezone)).date()
        png = await mood_chart(points, [labels[v] for v in range(1, 6)], turn.t("mood.chart_title", days=DAYS),
                               today - timedelta(days=DAYS), today)
        common = Counter(c.mood for c in checkins).most_common(1)[0][0]
        summary = turn.t("mood.summary", checkins=len(checkins), days=len(points), common=labels[common])
        return [Reply(summary, (Choice("menu:checkin", turn.t("menu.btn_checkin")),
                                Choice("menu:menu", turn.t("menu.btn_menu"))),
                      image=Image(png, turn.t("mood.chart_title", days=DAYS)))]
