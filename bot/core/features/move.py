"""Move my journey: a one-time code from /mydata, and /restore CODE from a new account or number.

People who use drugs often lose or share phones and change numbers. The code is shown once and kept only as
a keyed hash for 7 days; the move takes everything along and forgets the old address.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.features.base import Feature, Turn
from bot.core.messages import Address, Reply
from bot.errors import StaleChoice

log = logging.getLogger(__name__)

MAX_WRONG = 5
WRONG_WINDOW = timedelta(hours=1)


class WrongCodes:
    """Wrong /restore codes per address, in memory only: nothing is stored about someone who has not consented."""

    def __init__(self) -> None:
        self._seen: dict[Address, list[datetime]] = {}

    def blocked(self, address: Address, now: datetime) -> bool:
        recent = [t for t in self._seen.get(address, []) if now - t < WRONG_WINDOW]
        self._seen[address] = recent
        return len(recent) >= MAX_WRONG

    def add(self, address: Address, now: datetime) -> None:
        self._seen.setdefault(address, []).append(now)


class Move(Feature):
    name = "move"
    commands = ("restore",)
    needs_consent = False

    def __init__(self) -> None:
        self.wrong = WrongCodes()

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        sender, now = turn.incoming.sender, turn.now()
        if not args.strip():
            return [Reply(turn.t("move.need_code"))]
        if self.wrong.blocked(sender, now):
            return [Reply(turn.t("move.too_many"))]
        owner = await turn.store.moves.owner(args, now)
        if owner is None:
            self.wrong.add(sender, now)
            log.info("a journey move code was refused")
            return [Reply(turn.t("move.bad_code"))]
        here = turn.contact
        if here is not None and here.id == owner:
            return [turn.with_menu(turn.t("move.already_here"))]
        if here is not None:
            if not await turn.store.moves.is_fresh(here.id):
                return [turn.with_menu(turn.t("move.has_journey"))]
            await turn.store.contacts.forget(here.id)
        await turn.store.moves.move(owner, sender, now)
        log.info("a journey moved to a new account")
        moved = await turn.store.contacts.get(owner)
        if moved is None:  # forgotten in the same moment
            return [Reply(turn.t("move.bad_code"))]
        turn.contact, turn.language = moved, moved.language
        return [turn.with_menu(turn.t("move.done"))]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        if parts != ["code"]:
            raise StaleChoice("move")
        contact = turn.require_contact()
        code, expires = await turn.store.moves.new_code(contact.id, turn.now())
        return [Reply(turn.t("move.code", code=code, until=expires.date().isoformat())),
                turn.with_menu(turn.t("move.code_after"))]
