"""Pictures as PNG bytes: the mood chart, the journey picture, a cohort's mood trend and the cohort QR code.

matplotlib is imported lazily (start-up stays fast) with the headless Agg backend, and drawing runs in a
worker thread so the event loop keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
import importlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import qrcode
from qrcode.constants import ERROR_CORRECT_M

CALM = "#2f7d6d"
SOFT = "#cfe6df"
INK = "#25323a"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(figure)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class MoodPoint:
    day: date
    mood: float  # the day's average, 1 to 5


def _mood_axes(axes: Any, labels: Sequence[str], title: str) -> None:
    """The mood scale on the y axis (levels 1 to 5, named), a title, a light grid and no box."""
    axes.set_ylim(0.8, 5.2)
    axes.set_yticks([1, 2, 3, 4, 5], labels=list(labels))
    axes.set_title(title, color=INK, fontsize=11)
    axes.grid(axis="y", color="#e5e5e5")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _mood_chart(points: Sequence[MoodPoint], labels: Sequence[str], title: str, first: date, last: date) -> bytes:
    plt = _pyplot()
    dates: Any = importlib.import_module("matplotlib.dates")

    figure, axes = plt.subplots(figsize=(6, 3.2))
    days = [p.day for p in points]
    moods = [p.mood for p in points]
    axes.plot(days, moods, color=CALM, linewidth=2, marker="o", markersize=5)
    axes.fill_between(days, moods, 1, color=SOFT, alpha=0.6)
    axes.set_xlim(first, last + timedelta(days=1))
    axes.xaxis.set_major_locator(dates.DayLocator(interval=7))
    axes.xaxis.set_major_formatter(dates.DateFormatter("%d/%m"))
    _mood_axes(axes, labels, title)
    return _png(figure)


async def mood_chart(points: Sequence[MoodPoint], labels: Sequence[str], title: str, first: date,
                     last: date) -> bytes:
    """A line of daily average moods from first to last; labels name the levels 1 to 5."""
    return await asyncio.to_thread(_mood_chart, points, labels, title, first, last)


@dataclass(frozen=True, slots=True)
class StageBox:
    label: str
    done: int
    total: int
    current: bool


def _journey_picture(stages: Sequence[StageBox], title: str) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 2.4))
    axes.set_xlim(0, len(stages))
    axes.set_ylim(0, 1.4)
    axes.axis("off")
    for index, stage in enumerate(stages):
        share = stage.done / stage.total if stage.total else 0
        centre = index + 0.5
        ring = plt.Circle((centre, 0.7), 0.36, color=CALM if stage.current else "#9bb8b0", fill=False,
                          linewidth=3 if stage.current else 1.5)
        fill = plt.Circle((centre, 0.7), 0.36 * max(share, 0.05), color=CALM, alpha=0.35 + 0.5 * share)
        axes.add_patch(fill)
        axes.add_patch(ring)
        axes.text(centre, 0.7, f"{stage.done}/{stage.total}", ha="center", va="center", fontsize=10, color=INK)
        axes.text(centre, 0.18, stage.label, ha="center", va="center", fontsize=9, color=INK,
                  fontweight="bold" if stage.current else "normal")
        if index < len(stages) - 1:
            axes.annotate("", xy=(centre + 0.62, 0.7), xytext=(centre + 0.38, 0.7),
                          arrowprops={"arrowstyle": "->", "color": "#9bb8b0"})
    axes.set_title(title, color=INK, fontsize=11)
    axes.set_aspect("equal")
    return _png(figure)


async def journey_picture(stages: Sequence[StageBox], title: str) -> bytes:
    """Five circles, SELF to COMMUNITY, filled as far as the person has gone; the current one in bold."""
    return await asyncio.to_thread(_journey_picture, stages, title)


@dataclass(frozen=True, slots=True)
class WeekPoint:
    label: str  # the week, as people read it ("12/01")
    mood: float  # the cohort's average, 1 to 5, from at least K_MIN people


def _trend_chart(points: Sequence[WeekPoint], labels: Sequence[str], title: str) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.2))
    places = list(range(len(points)))
    moods = [p.mood for p in points]
    axes.plot(places, moods, color=CALM, linewidth=2, marker="o", markersize=6)
    axes.fill_between(places, moods, 1, color=SOFT, alpha=0.6)
    axes.set_xticks(places, labels=[p.label for p in points])
    axes.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
    _mood_axes(axes, labels, title)
    return _png(figure)


async def trend_chart(points: Sequence[WeekPoint], labels: Sequence[str], title: str) -> bytes:
    """A cohort's weekly average mood (only weeks with enough people); labels name the levels 1 to 5."""
    return await asyncio.to_thread(_trend_chart, points, labels, title)


def qr_png(text: str) -> bytes:
    """A QR code of `text`, large enough to scan from across a room when shown on a screen."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=12, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
