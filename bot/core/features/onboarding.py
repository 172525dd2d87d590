"""/start: welcome, language, a plain privacy summary and explicit consent.

Nothing is written about a person until they press "I agree": the language and any cohort code travel
inside the choice keys until then.
"""

from __future__ import annotations

import re

from bot.core.domain import ContactStatus
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Reply
from bot.errors import StaleChoice

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def cohort_code(args: str) -> str:
    """The join code from `/start CODE`, or '' when absent or not a code at all."""
    code = args.strip()
    return code if CODE_PATTERN.fullmatch(code) else ""


class Onboarding(Feature):
    name = "start"
    commands = ("start",)
    needs_consent = False

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        code = cohort_code(args)
        contact = turn.contact
        if contact is None:
            return [self._welcome(turn, code)]
        replies = []
        if contact.status != ContactStatus.ACTIVE:
            await turn.store.contacts.update(contact.id, status=ContactStatus.ACTIVE)
            replies.append(Reply(turn.t("start.resumed")))
        if code and turn.engine.has_command("join"):
            replies += await turn.run_command("join", code)
            return replies
        replies.append(turn.with_menu(turn.t("start.welcome_back")))
        return replies

    def _welcome(self, turn: Turn, code: str) -> Reply:
        choices = tuple(
            Choice(key("start", "lang", lang, code) if code else key("start", "lang", lang), name)
            for lang, name in turn.library.languages
        )
        return Reply(turn.t("start.welcome"), choices)

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        match parts:
            case ["lang", language, *rest] if turn.library.supports(language) and len(rest) <= 1:
                return [self._consent(turn, language, rest[0] if rest else "")]
            case ["yes", language, *rest] if turn.library.supports(language) and len(rest) <= 1:
                return await self._agree(turn, language, cohort_code(rest[0]) if rest else "")
            case ["no", language] if turn.library.supports(language):
                return [Reply(turn.library.text(language, "start.declined"))]
            case ["notes", ("on" | "off") as choice]:
                contact = turn.require_contact()
                await turn.store.contacts.update(contact.id, keep_notes=choice == "on")
                return [turn.with_menu(turn.t(f"start.notes_{choice}"))]
        raise StaleChoice("start")

    def _consent(self, turn: Turn, language: str, code: str) -> Reply:
        if turn.contact is not None:
            return turn.with_menu(turn.t("start.already"))
        tail = (code,) if code else ()
        text = turn.library.text(language, "start.privacy")
        return Reply(text, (
            Choice(key("start", "yes", language, *tail), turn.library.text(language, "start.btn_agree")),
            Choice(key("start", "no", language), turn.library.text(language, "start.btn_not_now")),
        ))

    async def _agree(self, turn: Turn, language: str, code: str) -> list[Reply]:
        if turn.contact is not None:
            return [turn.with_menu(turn.t("start.already"))]
        turn.contact = await turn.store.contacts.create(
            turn.incoming.sender, language, turn.engine.default_timezone, turn.now()
        )
        turn.language = language
        replies = [Reply(turn.t("start.thanks"))]
        if code and turn.engine.has_command("join"):
            replies += await turn.run_command("join", code)
        replies.append(Reply(turn.t("start.ask_notes"), (
            Choice(key("start", "notes", "off"), turn.t("start.btn_notes_off")),
            Choice(key("start", "notes", "on"), turn.t("start.btn_notes_on")),
        )))
        return replies
