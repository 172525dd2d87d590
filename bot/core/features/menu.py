"""/menu: the main choices."""

from __future__ import annotations

from bot.core.features.base import Feature, Turn
from bot.core.messages import Reply


class Menu(Feature):
    name = "menu"
    commands = ("menu",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        return [turn.with_menu(turn.t("menu.title"))]
