"""Turn an outbox row into Replies at send time, in the person's current language.

Rows hold a reference (a follow-up step, a reminder day), never baked text, so a language change or a
corrected translation reaches messages already planned. A renderer raises SkipDelivery when the message
no longer makes sense; the dispatcher cancels the row with that reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.domain import Contact, Delivery
from bot.core.features.base import key
from bot.core.i18n import Library
from bot.core.messages import Choice, Reply
from bot.core.ports import Store
from bot.core.proactive import broadcasts, followups, reminders
from bot.core.timing import local_now
from bot.errors import CompanionError
from bot.library.schema import FollowUpStep

# In discreet mode every proactive message is the greeting; its one button shows what it stood for once the
# chat is open (a follow-up, a broadcast, a relayed peer's words, a "check on me" question would otherwise be on
# the lock screen of a shared phone). The button names the row only; what it shows is rendered when pressed.
OPEN_KEY = "hide:open:{id}"
# Kinds whose content stays what it was when sent: opened later, they show it as of that moment (a follow-up
# opened the next day is not "expired"). Other kinds (a question, a conversation) are shown as they are now.
AS_SENT = frozenset({followups.KIND, reminders.KIND, "notice", broadcasts.KIND})
FOLLOWUP_EXPIRES = timedelta(hours=24)  # a follow-up more than a day late (the bot was down) is not sent
Renderer = Callable[[Delivery, Contact, datetime], Awaitable[tuple[Reply, ...]]]


class SkipDelivery(CompanionError):
    """The row should not be sent any more; `reason` says why (kept on the row for `schedule list --why`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Renderers:
    """One renderer per delivery kind; other features add theirs to `by_kind`."""

    def __init__(self, store: Store, library: Library) -> None:
        self.store = store
        self.library = library
        self.by_kind: dict[str, Renderer] = {
            followups.KIND: self.followup,
            reminders.KIND: self.reminder,
            "notice": self.notice,
            broadcasts.KIND: self.broadcast,
        }

    async def render(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        renderer = self.by_kind.get(delivery.kind)
        if renderer is None:
            raise SkipDelivery("unknown_kind")
        replies = await renderer(delivery, contact, now)
        if contact.discreet:
            # Discreet mode: a plain greeting on the screen; the person opens the bot to see what is new.
            text = self.library.text
            return (Reply(text(contact.language, "hide.greeting"),
                          (Choice(OPEN_KEY.format(id=delivery.id), text(contact.language, "hide.btn_open")),)),)
        return replies

    async def reveal(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        """What a discreet greeting stood for, for its own person who opened it; SkipDelivery when it is gone."""
        renderer = self.by_kind.get(delivery.kind)
        if renderer is None:
            raise SkipDelivery("unknown_kind")
        return await renderer(delivery, contact, delivery.due_at if delivery.kind in AS_SENT else now)

    def _step(self, language: str, step_id: str) -> FollowUpStep | None:
        for plan in (self.library.pack(language).followups, self.library.base.followups):
            for step in plan.steps:
                if step.id == step_id:
                    return step
        return None

    async def followup(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        if now - delivery.due_at > FOLLOWUP_EXPIRES:
            raise SkipDelivery("expired")
        step = self._step(contact.language, str(delivery.payload.get("step")))
        if step is None:
            raise SkipDelivery("step_removed")
        text = self.library.text
        choices = []
        if step.exercise and self.library.exercise(contact.language, step.exercise) is not None:
            choices.append(Choice(key("reflect", "go", step.exercise), text(contact.language, "cohorts.btn_exercise")))
        choices.append(Choice("menu:menu", text(contact.language, "menu.btn_menu")))
        return (Reply(step.text, tuple(choices), opens="reflect"),)

    async def reminder(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        settings = await self.store.reminders.get(contact.id)
        if not settings.enabled:
            raise SkipDelivery("reminder_off")
        today = local_now(now, contact.timezone).date()
        if delivery.payload.get("day") != today.isoformat():
            raise SkipDelivery("expired")
        checkins = await self.store.checkins.since(contact.id, now - timedelta(days=1, hours=2))
        if any(local_now(c.at, contact.timezone).date() == today for c in checkins if c.at <= now):
            raise SkipDelivery("checked_in")
        text = self.library.text
        return (Reply(text(contact.language, "remind.nudge"), (
            Choice("menu:checkin", text(contact.language, "menu.btn_checkin")),
            Choice("menu:reflect", text(contact.language, "menu.btn_reflect")),
            Choice("menu:remind", text(contact.language, "remind.btn_change")),
        ), opens="checkin"),)

    async def notice(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        """A plain message from a UI string: payload {"key": "file.key", "values": {...}}."""
        values = delivery.payload.get("values") or {}
        return (Reply(self.library.text(contact.language, str(delivery.payload.get("key")), **values)),)

    async def broadcast(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        """A facilitator's words under the discreet header, read from the broadcast at send time."""
        found = await self.store.broadcasts.get(int(delivery.payload.get("broadcast", 0)))
        if found is None or not found.text:
            raise SkipDelivery(broadcasts.CANCELLED)
        return (Reply(broadcasts.message(self.library, contact.language, found.text)),)
