"""/stop, /mydata and /forget: the person stays in control of what is kept and of being contacted."""

from __future__ import annotations

import json

from bot.core.domain import ContactStatus
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Document, Reply
from bot.errors import StaleChoice

FORGET_STATE = "privacy.forget"


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
            Choice(key("privacy", "forget", "yes"), turn.t("privacy.btn_forget_yes")),
            Choice(key("privacy", "forget", "no"), turn.t("privacy.btn_forget_no")),
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
            case ["notes", ("on" | "off") as choice]:
                await turn.store.contacts.update(contact.id, keep_notes=choice == "on")
                return [turn.with_menu(turn.t(f"privacy.notes_{choice}"))]
        raise StaleChoice("privacy")

    async def _export(self, turn: Turn) -> list[Reply]:
        contact = turn.require_contact()
        data = await turn.store.export_contact(contact.id)
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
            Choice(key("privacy", "notes", toggle), turn.t(f"privacy.btn_notes_{toggle}")),
            Choice(key("privacy", "forget"), turn.t("privacy.btn_forget")),
            Choice("menu:checkin", turn.t("menu.btn_checkin")),
        ), document=document)]

    def _deleted_summary(self, turn: Turn, counts: dict[str, int]) -> str:
        lines = []
        for table, count in sorted(counts.items()):
            label_key = f"privacy.item_{table}"
            label = turn.t(label_key) if label_key in turn.library.base.ui else turn.t("privacy.item_other")
            lines.append(f"• {label}: {count}")
        return turn.t("privacy.forgotten", items="\n".join(lines))
