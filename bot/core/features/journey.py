"""/journey: the five stages, what the person has done, and where they are now."""

from __future__ import annotations

from bot.charts import StageBox, journey_picture
from bot.core.features.base import Feature, Turn
from bot.core.features.reflect import load_journey
from bot.core.journey import DONE_PER_STAGE
from bot.core.messages import Choice, Image, Reply


class JourneyFeature(Feature):
    name = "journey"
    commands = ("journey",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        journey = await load_journey(turn)
        lines = []
        for progress in journey.stages:
            if progress.stage == journey.current:
                mark = "👉"
            elif progress.walked:
                mark = "✅"
            else:
                mark = "▫️"
            lines.append(turn.t("journey.line", mark=mark, stage=turn.t(f"stages.{progress.stage}"),
                                done=len(progress.done), total=progress.total))
        core = ", ".join(f"“{e.title}”" for e in turn.library.core_exercises(turn.language))
        text = turn.t("journey.title") + "\n\n" + "\n".join(lines) + "\n\n" + turn.t(
            "journey.footer", stage=turn.t(f"stages.{journey.current}")) + "\n" + turn.t(
            "journey.how", needed=DONE_PER_STAGE, core=core)
        boxes = [StageBox(turn.t(f"stages.{p.stage}"), len(p.done), p.total, p.stage == journey.current)
                 for p in journey.stages]
        png = await journey_picture(boxes, turn.t("journey.picture_title"))
        return [Reply(text, (
            Choice("menu:reflect", turn.t("menu.btn_reflect")),
            Choice("menu:menu", turn.t("menu.btn_menu")),
        ), image=Image(png, turn.t("journey.picture_title")))]
