"""/facilitator CODE: a one-time invite code (from `python -m bot facilitator invite`) makes the sender one."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.features.base import Feature, Turn
from bot.core.messages import Reply

log = logging.getLogger(__name__)


class Facilitator(Feature):
    name = "facilitator"
    commands = ("facilitator",)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        contact = turn.require_contact()
        if contact.is_facilitator:
            return [turn.with_menu(turn.t("facilitator.already"))]
        if not args.strip():
            return [turn.with_menu(turn.t("facilitator.need_code"))]
        if not await turn.store.facilitators.redeem(args, contact.id, turn.now()):
            log.info("a facilitator invite code was refused")
            return [turn.with_menu(turn.t("facilitator.bad_code"))]
        log.info("contact %s became a facilitator", contact.id)
        turn.contact = replace(contact, is_facilitator=True)
        return [turn.with_menu(turn.t("facilitator.welcome"))]
