"""/help: what the bot is and is not, overdose basics, and the local services a deployment lists."""

from __future__ import annotations

from bot.core.features.base import Feature, Turn
from bot.core.messages import Reply


def help_card(turn: Turn) -> str:
    card = turn.library.help(turn.language)
    if card.services:
        lines = [f"• {s.name}: {s.contact}" + (f" ({s.note})" if s.note else "") for s in card.services]
        services = "\n".join([card.services_title, *lines])
    else:
        services = card.no_services
    return "\n\n".join((card.card, card.overdose, services))


class Help(Feature):
    name = "help"
    commands = ("help",)
    needs_consent = False

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        replies = []
        if args == "urgent":
            replies.append(Reply(turn.t("help.urgent")))
        replies.append(Reply(help_card(turn), turn.menu_choices()))
        return replies

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        return [Reply(help_card(turn), turn.menu_choices())]
