"""/checkin: mood in one tap, an optional one-word note, and care after two low days in a row."""

from __future__ import annotations

from dataclasses import replace

from bot.core.domain import MAX_NOTE_CHARS
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Reply
from bot.errors import StaleChoice

MOOD_STATE = "checkin.mood"
NOTE_STATE = "checkin.note"
LOW = 2  # moods 1 and 2


class CheckIn(Feature):
    name = "checkin"
    commands = ("checkin",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        card = turn.library.checkin(turn.language)
        await turn.set_state(MOOD_STATE)
        moods = sorted(card.moods, key=lambda m: -m.value)
        return [Reply(card.prompt, tuple(Choice(key("checkin", "mood", m.value), m.button) for m in moods))]

    def awaits_text(self, state: str) -> bool:
        return state == NOTE_STATE

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        turn.require_contact()
        state = turn.conversation.state
        match parts:
            case ["mood", value] if state == MOOD_STATE and value in {"1", "2", "3", "4", "5"}:
                # The answer completes the question: it replaces it where the channel can (one notification).
                return [replace(r, in_place=True) for r in await self._mood(turn, int(value))]
            case ["skip"] if state == NOTE_STATE:
                await turn.clear_state()
                return [replace(await self._after(turn), in_place=True)]
        raise StaleChoice("checkin")

    async def _mood(self, turn: Turn, mood: int) -> list[Reply]:
        contact = turn.require_contact()
        checkin_id = await turn.store.checkins.add(contact.id, mood, turn.now())
        reply = next(m.reply for m in turn.library.checkin(turn.language).moods if m.value == mood)
        if contact.keep_notes:
            await turn.set_state(NOTE_STATE, {"id": checkin_id})
            card = turn.library.checkin(turn.language)
            skip = Choice(key("checkin", "skip"), turn.t("checkin.btn_skip"))
            if mood <= LOW:  # a low mood opens doors at once, not only "Skip"
                return [Reply(_joined(reply, turn.t("checkin.low_offer"), card.note_prompt),
                              (*care_choices(turn), skip))]
            return [Reply(f"{reply}\n\n{card.note_prompt}", (skip,))]
        await turn.clear_state()
        return [await self._after(turn, reply)]

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        contact = turn.require_contact()
        if turn.conversation.state != NOTE_STATE:
            return [Reply(turn.t("checkin.tap_a_mood"))]
        note = " ".join(text.split())
        shortened = len(note) > MAX_NOTE_CHARS
        note = note[:MAX_NOTE_CHARS]
        saved = await turn.store.checkins.set_note(contact.id, int(turn.conversation.data["id"]), note)
        await turn.clear_state()
        said = turn.library.checkin(turn.language).note_saved if saved else ""
        if saved and shortened:
            said = _joined(turn.t("typed.shortened", max=MAX_NOTE_CHARS), said)
        return [await self._after(turn, said)]

    async def _after(self, turn: Turn, opening: str = "") -> Reply:
        """One closing message (so one notification): care after two low check-ins in a row, else the menu."""
        contact = turn.require_contact()
        last_two = await turn.store.checkins.latest(contact.id, 2)
        if len(last_two) == 2 and all(c.mood <= LOW for c in last_two):
            card = turn.library.checkin(turn.language)
            choices = care_choices(turn)
            if turn.engine.has_command("checkon") and await turn.store.checkon.rule(contact.id) is None:
                choices += (Choice(key("checkon", "open"), turn.t("checkon.btn_open")),)
            return Reply(_joined(opening, card.low_streak), choices)
        if last_two and last_two[0].mood <= LOW:
            return Reply(_joined(opening, turn.t("checkin.low_offer")),
                         (*care_choices(turn), Choice("menu:menu", turn.t("menu.btn_menu"))))
        return turn.with_menu(_joined(opening, turn.t("checkin.done")))


def care_choices(turn: Turn) -> tuple[Choice, ...]:
    """What a low mood is offered: a short grounding exercise, a peer, and the help card."""
    card = turn.library.checkin(turn.language)
    choices = [Choice(key("reflect", "go", card.grounding_exercise), turn.t("checkin.btn_grounding"))]
    if turn.engine.has_command("support"):
        choices.append(Choice("menu:support", turn.t("checkin.btn_support")))
    choices.append(Choice(key("help", "card"), turn.t("checkin.btn_help")))
    return tuple(choices)


def _joined(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)
