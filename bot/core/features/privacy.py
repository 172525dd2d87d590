"""/stop, /mydata and /forget: the person stays in control of what is kept and of being contacted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.core.domain import ContactStatus
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Document, Reply
from bot.core.timing import local_now
from bot.errors import StaleChoice

FORGET_STATE = "privacy.forget"
NOTES_PER_PAGE = 5  # entries of "My notes" per message


class Privacy(Feature):
    name = "privacy"
    commands = ("stop", "mydata", "forget")
    needs_consent = False

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        contact = turn.contact
        if contact is None:
            return [Reply(turn.t("privacy.nothing_stored"))]
        if command == "stop":
            await turn.store.contacts.update(contact.id, status=ContactStatus.STOPPED)
            await turn.store.deliveries.cancel_pending(contact.id, "stopped", turn.now())
            return [Reply(turn.t("privacy.stopped"))]
        if command == "mydata":
            return await self._export(turn)
        await turn.set_state(FORGET_STATE)
        return [Reply(turn.t("privacy.forget_confirm"), (
            Choice(key("privacy", "forget", "yes"), turn.t("privacy.btn_forget_yes"), "yes"),
            Choice(key("privacy", "forget", "no"), turn.t("privacy.btn_forget_no"), "no"),
        ))]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        contact = turn.require_contact()
        match parts:
            case ["forget", "yes"] if turn.conversation.state == FORGET_STATE:
                for feature in turn.engine.features.values():
                    await feature.on_forget(turn)
                counts = await turn.store.contacts.forget(contact.id)
                return [Reply(self._deleted_summary(turn, counts))]
            case ["forget", "no"]:
                await turn.clear_state()
                return [turn.with_menu(turn.t("privacy.forget_cancelled"))]
            case ["forget"]:
                return await self.on_command(turn, "forget", "")
            case ["mine", page] if page.isdigit():
                return [await self._my_notes(turn, int(page))]
            case ["notes", ("on" | "off") as choice]:
                await turn.store.contacts.update(contact.id, keep_notes=choice == "on")
                return [turn.with_menu(turn.t(f"privacy.notes_{choice}"))]
        raise StaleChoice("privacy")

    async def _export(self, turn: Turn) -> list[Reply]:
        contact = turn.require_contact()
        data = readable(turn, await turn.store.export_contact(contact.id, contact.timezone))
        summary = turn.t(
            "privacy.mydata",
            language=turn.library.pack(contact.language).info.name,
            timezone=contact.timezone,
            since=contact.consented_at.date().isoformat(),
            checkins=len(data.get("checkins", [])),
            reflections=len(data.get("completions", [])),
            notes=turn.t("privacy.notes_kept" if contact.keep_notes else "privacy.notes_not_kept"),
            stopped=turn.t("privacy.status_stopped" if contact.status == ContactStatus.STOPPED
                           else "privacy.status_active"),
        )
        document = Document("my-data.json", json.dumps(data, indent=2, ensure_ascii=False).encode())
        toggle = "off" if contact.keep_notes else "on"
        return [Reply(summary, (
            Choice(key("privacy", "mine", 0), turn.t("privacy.btn_my_notes")),
            Choice(key("privacy", "notes", toggle), turn.t(f"privacy.btn_notes_{toggle}")),
            Choice(key("privacy", "forget"), turn.t("privacy.btn_forget")),
            Choice(key("move", "code"), turn.t("move.btn_move")),
            Choice("menu:checkin", turn.t("menu.btn_checkin")),
        ), document=document)]

    def _deleted_summary(self, turn: Turn, counts: dict[str, int]) -> str:
        lines = []
        for table, count in sorted(counts.items()):
            label_key = f"privacy.item_{table}"
            label = turn.t(label_key) if label_key in turn.library.base.ui else turn.t("privacy.item_other")
            lines.append(f"• {label}: {count}")
        return turn.t("privacy.forgotten", items="\n".join(lines))

    async def _my_notes(self, turn: Turn, page: int) -> Reply:
        """The person's own words, newest first, a page at a time: check-in notes and reflection answers."""
        contact = turn.require_contact()
        entries = await my_words(turn)
        if not entries:
            lead = "privacy.my_notes_none" if contact.keep_notes else "privacy.my_notes_none_off"
            return turn.with_menu(turn.t(lead))
        pages = max(1, -(-len(entries) // NOTES_PER_PAGE))
        page = min(page, pages - 1)
        shown = entries[page * NOTES_PER_PAGE:(page + 1) * NOTES_PER_PAGE]
        text = turn.t("privacy.my_notes", page=page + 1, pages=pages) + "\n\n" + "\n\n".join(
            entry for _, entry in shown)
        choices = []
        if page + 1 < pages:
            choices.append(Choice(key("privacy", "mine", page + 1), turn.t("privacy.btn_older")))
        if page > 0:
            choices.append(Choice(key("privacy", "mine", page - 1), turn.t("privacy.btn_newer")))
        choices.append(Choice("menu:menu", turn.t("menu.btn_menu")))
        return Reply(text, tuple(choices))


def _when(turn: Turn, moment: datetime) -> str:
    contact = turn.require_contact()
    return f"{local_now(moment, contact.timezone):%Y-%m-%d %H:%M}"


def _skipped_words(turn: Turn) -> frozenset[str]:
    """What older versions stored for a skipped answer: the word "(skipped)" in some language."""
    return frozenset(turn.library.text(code, "reflect.skipped") for code, _ in turn.library.languages)


def _answer_lines(turn: Turn, exercise_id: str, answers: list[str | None]) -> list[str]:
    skipped, old_skipped = turn.t("reflect.skipped"), _skipped_words(turn)
    exercise = turn.library.exercise(turn.language, exercise_id)
    asked = [step for step in exercise.steps if step.ask in ("text", "choice")] if exercise else []
    lines = []
    for index, answer in enumerate(answers):
        shown = skipped if answer is None or answer in old_skipped else f"“{answer}”"
        question = asked[index].text if len(asked) == len(answers) else ""
        lines.append(f"  {_first_line(question)} → {shown}" if question else f"  {shown}")
    return lines


def _first_line(text: str, limit: int = 80) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


async def my_words(turn: Turn) -> list[tuple[datetime, str]]:
    """Every check-in note and reflection answer of the person as (when, text), newest first."""
    contact = turn.require_contact()
    moods = {m.value: m.button for m in turn.library.checkin(turn.language).moods}
    entries: list[tuple[datetime, str]] = []
    for checkin in await turn.store.checkins.since(contact.id, datetime.fromtimestamp(0, UTC)):
        if checkin.note:
            entries.append((checkin.at, turn.t("privacy.note_checkin", when=_when(turn, checkin.at),
                                               mood=moods.get(checkin.mood, str(checkin.mood)), note=checkin.note)))
    for done in await turn.store.completions.for_contact(contact.id):
        if done.answers and any(a is not None for a in done.answers):
            exercise = turn.library.exercise(turn.language, done.exercise_id)
            title = exercise.title if exercise else done.exercise_id
            lines = _answer_lines(turn, done.exercise_id, done.answers)
            entries.append((done.at, turn.t("privacy.note_reflection", when=_when(turn, done.at), title=title,
                                            answers="\n".join(lines))))
    entries.sort(key=lambda entry: entry[0], reverse=True)
    return entries


def readable(turn: Turn, data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Words where the database keeps codes: mood labels, exercise titles, skipped answers marked as skipped."""
    moods = {m.value: m.label for m in turn.library.checkin(turn.language).moods}
    for row in data.get("checkins", []):
        mood = row.get("mood")
        row["mood"] = moods.get(mood, mood) if isinstance(mood, int) else mood
        row.pop("contact_id", None)
    old_skipped = _skipped_words(turn)
    for row in data.get("completions", []):
        exercise = turn.library.exercise(turn.language, str(row.get("exercise_id")))
        if exercise is not None:
            row["exercise"] = exercise.title
        row["stage"] = turn.t(f"stages.{row['stage']}") if f"stages.{row.get('stage')}" in turn.library.base.ui \
            else row.get("stage")
        answers = row.get("answers")
        if isinstance(answers, list):
            asked = [s.text for s in exercise.steps if s.ask in ("text", "choice")] if exercise else []
            row["answers"] = [
                {**({"question": asked[i]} if len(asked) == len(answers) else {}),
                 **({"skipped": True} if a is None or a in old_skipped else {"answer": a})}
                for i, a in enumerate(answers)]
        row.pop("contact_id", None)
    for row in data.get("reminder_settings", []):
        row["reminder_time"] = row.pop("at_minute", None)  # on the person's own clock
    return data
