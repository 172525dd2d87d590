"""/start: welcome, language, a plain privacy summary and explicit consent.

Nothing is written about a person until they press "I agree": the language and any cohort code travel
inside the choice keys until then.
"""

from __future__ import annotations

import re

from bot.core.domain import ContactStatus, is_buddy_code
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Reply
from bot.errors import StaleChoice

NOTES_STATE = "start.notes"
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


FACILITATOR_MARK = "f"  # after the code in a choice key: the code is a facilitator invite, not a cohort's


def _tail(code: str, mark: str) -> tuple[str, ...]:
    return (code, mark) if code and mark else (code,) if code else ()


def _carried(rest: list[str]) -> tuple[str, str] | None:
    """(code, mark) carried in a choice key's tail; None when the tail is not one we make."""
    match rest:
        case []:
            return "", ""
        case [code]:
            return cohort_code(code), ""
        case [code, mark] if mark == FACILITATOR_MARK:
            return cohort_code(code), mark
    return None


def cohort_code(args: str) -> str:
    """The join code from `/start CODE`, or '' when absent or not a code at all."""
    code = args.strip()
    return code if CODE_PATTERN.fullmatch(code) else ""


class Onboarding(Feature):
    name = "start"
    commands = ("start",)
    needs_consent = False

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        """`/start [CODE]`; the engine also sends `/join CODE` and `/facilitator CODE` here before consent."""
        code = cohort_code(args)
        contact = turn.contact
        if contact is None:
            return [self._welcome(turn, code, FACILITATOR_MARK if code and command == "facilitator" else "")]
        replies = []
        if contact.status != ContactStatus.ACTIVE:
            await turn.store.contacts.update(contact.id, status=ContactStatus.ACTIVE)
            replies.append(Reply(turn.t("start.resumed")))
        if code:
            replies += await self._follow_link(turn, code)
            return replies
        replies.append(turn.with_menu(turn.t("start.welcome_back")))
        return replies

    async def _follow_link(self, turn: Turn, code: str, mark: str = "") -> list[Reply]:
        """A code that came with the first message: a facilitator invite, a buddy invitation or a join code."""
        command = "facilitator" if mark == FACILITATOR_MARK else "buddy" if is_buddy_code(code) else "join"
        return await turn.run_command(command, code) if turn.engine.has_command(command) else []

    def _welcome(self, turn: Turn, code: str, mark: str = "") -> Reply:
        tail = _tail(code, mark)
        choices = tuple(Choice(key("start", "lang", lang, *tail), name) for lang, name in turn.library.languages)
        return Reply(turn.t("start.welcome"), choices)

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        match parts:
            case ["lang", language, *rest] if turn.library.supports(language) and _carried(rest) is not None:
                return [self._consent(turn, language, *_carried(rest) or ("", ""))]
            case ["yes", language, *rest] if turn.library.supports(language) and _carried(rest) is not None:
                return await self._agree(turn, language, *_carried(rest) or ("", ""))
            case ["no", language] if turn.library.supports(language):
                return [Reply(turn.library.text(language, "start.declined"))]
            case ["notes", ("on" | "off") as choice]:
                contact = turn.require_contact()
                await turn.store.contacts.update(contact.id, keep_notes=choice == "on")
                await turn.clear_state()
                return [turn.with_menu(turn.t(f"start.notes_{choice}"))]
        raise StaleChoice("start")

    def _consent(self, turn: Turn, language: str, code: str, mark: str) -> Reply:
        if turn.contact is not None:
            return turn.with_menu(turn.t("start.already"))
        tail = _tail(code, mark)
        turn.language = language  # a typed answer to this question is read, and asked again, in this language
        text = turn.library.text(language, "start.privacy")
        return Reply(text, (
            Choice(key("start", "yes", language, *tail), turn.library.text(language, "start.btn_agree"), "yes"),
            Choice(key("start", "no", language), turn.library.text(language, "start.btn_not_now"), "no"),
        ))

    async def _agree(self, turn: Turn, language: str, code: str, mark: str) -> list[Reply]:
        if turn.contact is not None:
            return [turn.with_menu(turn.t("start.already"))]
        turn.contact = await turn.store.contacts.create(
            turn.incoming.sender, language, turn.engine.default_timezone, turn.now()
        )
        turn.language = language
        replies = [Reply(turn.t("start.thanks"))]
        if code:
            replies += await self._follow_link(turn, code, mark)
        await turn.set_state(NOTES_STATE)
        replies.append(Reply(turn.t("start.ask_notes"), (
            Choice(key("start", "notes", "off"), turn.t("start.btn_notes_off"), "no"),
            Choice(key("start", "notes", "on"), turn.t("start.btn_notes_on"), "yes"),
        )))
        return replies
