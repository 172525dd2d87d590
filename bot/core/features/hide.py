"""/hide (or the discreet word of each language): clear the chat quickly on a shared phone.

Where the platform allows it (Telegram, messages under 48 hours) the bot deletes its own recent messages and
the person's, and answers with one neutral line. Where it cannot (WhatsApp), it says so and offers discreet
mode: every proactive message becomes a plain greeting.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.domain import DeliveryStatus
from bot.core.features.base import Feature, Turn, key
from bot.core.messages import Choice, Reply
from bot.core.proactive.render import SkipDelivery
from bot.errors import StaleChoice


class Hide(Feature):
    name = "hide"
    commands = ("hide",)
    needs_consent = False

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        contact, sender = turn.contact, turn.incoming.sender
        if sender.channel in turn.engine.deleting_channels:
            ids = await turn.store.recent.take(contact.id, turn.now()) if contact is not None else []
            own = turn.incoming.extras.get("message_id")
            return [Reply(turn.t("hide.done"), delete=tuple(([own] if own else []) + ids))]
        if contact is None:
            return [Reply(turn.t("hide.done"))]
        if contact.discreet:
            return [Reply(turn.t("hide.cannot_delete_discreet"), (
                Choice(key("hide", "discreet", "off"), turn.t("hide.btn_discreet_off")),
                Choice("menu:menu", turn.t("menu.btn_menu")),
            ))]
        return [Reply(turn.t("hide.cannot_delete"), (
            Choice(key("hide", "discreet", "on"), turn.t("hide.btn_discreet_on")),
            Choice(key("hide", "discreet", "no"), turn.t("hide.btn_discreet_no")),
        ))]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        contact = turn.require_contact()
        match parts:
            case ["discreet", ("on" | "off") as choice]:
                await turn.store.contacts.update(contact.id, discreet=choice == "on")
                return [turn.with_menu(turn.t(f"hide.discreet_{choice}"))]
            case ["discreet", "no"]:
                return [turn.with_menu(turn.t("hide.discreet_no"))]
            case ["open", delivery_id] if delivery_id.isdigit():
                return await self._open(turn, int(delivery_id))
        raise StaleChoice("hide")

    async def _open(self, turn: Turn, delivery_id: int) -> list[Reply]:
        """Discreet mode's "Open": what that greeting stood for, now that its own person has the chat open."""
        from bot.core.proactive.renderers import all_renderers  # the renderers import features: not at load time

        contact = turn.require_contact()
        delivery = await turn.store.deliveries.get(delivery_id)
        if delivery is None or delivery.contact_id != contact.id or delivery.status != DeliveryStatus.SENT:
            return [turn.with_menu(turn.t("hide.gone"))]  # never someone else's, nor one that never went
        try:
            replies = await all_renderers(turn.store, turn.library).reveal(
                delivery, replace(contact, discreet=False), turn.now())
        except SkipDelivery:
            return [turn.with_menu(turn.t("hide.gone"))]  # answered, ended or withdrawn since
        return list(replies)
