"""/language: choose the language the bot speaks."""

from __future__ import annotations

from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Reply
from bot.errors import StaleChoice

CHOOSE_STATE = "language.choose"


class Language(Feature):
    name = "language"
    commands = ("language",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        choices = tuple(Choice(key("language", "set", code), name) for code, name in turn.library.languages)
        await turn.set_state(CHOOSE_STATE)
        return [Reply(turn.t("language.choose"), choices)]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        contact = turn.require_contact()
        match parts:
            case ["set", code] if turn.library.supports(code):
                await turn.store.contacts.update(contact.id, language=code)
                turn.language = code
                await turn.clear_state()
                return [turn.with_menu(turn.t("language.changed"))]
        raise StaleChoice("language")
