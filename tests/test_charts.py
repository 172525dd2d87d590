"""Pictures render to valid PNGs without a display."""

from __future__ import annotations

from bot.charts import WeekPoint, trend_chart

PNG = b"\x89PNG\r\n\x1a\n"
LEVELS = ["Very low", "Low", "Okay", "Good", "Really good"]


async def test_the_cohort_trend_is_a_png() -> None:
    points = [WeekPoint("03/02", 2.4), WeekPoint("10/02", 3.1), WeekPoint("17/02", 3.6)]
    png = await trend_chart(points, LEVELS, "Average mood of the group, week by week")
    assert png.startswith(PNG) and len(png) > 1000


async def test_a_single_week_still_renders() -> None:
    assert (await trend_chart([WeekPoint("17/02", 4.0)], LEVELS, "t")).startswith(PNG)
