"""/help: what the bot is and is not, the overdose and suicidal-feelings cards, and the local services."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.crisis import Kind
from bot.core.features.base import Feature, Turn
from bot.core.i18n import Library
from bot.core.messages import Reply

CARD_ORDER = (Kind.OVERDOSE, Kind.SUICIDE)  # when both are urgent, a life in danger now comes first


def local_services(library: Library, language: str) -> str:
    """The local services a deployment lists; with none, how to find a human helpline."""
    card = library.help(language)
    if not card.services:
        return "\n".join((card.no_services, library.help_text(language, "find_help")))
    lines = [f"• {s.name}: {s.contact}" + (f" ({s.note})" if s.note else "") for s in card.services]
    return "\n".join([card.services_title, *lines])


def help_card(turn: Turn) -> str:
    library, language = turn.library, turn.language
    parts = [library.help_text(language, "card"), *(library.help_text(language, kind) for kind in CARD_ORDER)]
    return "\n\n".join((*parts, local_services(library, language)))


def urgent_card(library: Library, language: str, kinds: Iterable[Kind]) -> str:
    """The card(s) an urgent message needs, each saying the bot is not a crisis service, and where help is."""
    wanted = set(kinds)
    parts = [library.help_text(language, kind) for kind in CARD_ORDER if kind in wanted]
    return "\n\n".join((*parts, local_services(library, language)))


class Help(Feature):
    name = "help"
    commands = ("help",)
    needs_consent = False

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        if args == "urgent":  # /support → "Urgent help": both cards, the services, then the menu
            return [Reply(urgent_card(turn.library, turn.language, CARD_ORDER), turn.menu_choices())]
        return [Reply(help_card(turn), turn.menu_choices())]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        return [Reply(help_card(turn), turn.menu_choices())]
