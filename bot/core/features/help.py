"""/help: what the bot is and is not, overdose basics, and the local services a deployment lists."""

from __future__ import annotations

from bot.core.features.base import Feature, Turn
from bot.core.i18n import Library
from bot.core.messages import Reply


def local_services(library: Library, language: str) -> str:
    """The help card's list of local services, or the note that none were added yet."""
    card = library.help(language)
    if not card.services:
        return card.no_services
    lines = [f"• {s.name}: {s.contact}" + (f" ({s.note})" if s.note else "") for s in card.services]
    return "\n".join([card.services_title, *lines])


def help_card(turn: Turn) -> str:
    card = turn.library.help(turn.language)
    return "\n\n".join((card.card, card.overdose, local_services(turn.library, turn.language)))


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
