"""The Store: the database plus one repository per aggregate, built once and passed around."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.core.domain import Address
from bot.storage.broadcasts import Broadcasts
from bot.storage.checkins import CheckIns
from bot.storage.checkon import CheckOn
from bot.storage.cohorts import Cohorts
from bot.storage.completions import Completions
from bot.storage.contacts import Contact, Contacts
from bot.storage.conversations import Conversation, Conversations
from bot.storage.crypto import Vault
from bot.storage.db import Database
from bot.storage.deliveries import Deliveries
from bot.storage.engines import database_for
from bot.storage.export import export_contact
from bot.storage.facilitators import Facilitators
from bot.storage.keycheck import verify_key
from bot.storage.moves import JourneyMoves
from bot.storage.processes import Processes
from bot.storage.prompts import Prompts
from bot.storage.recent import RecentMessages
from bot.storage.reminders import Reminders
from bot.storage.stats import Stats
from bot.storage.support import SupportRequests
from bot.storage.volunteers import Volunteers
from bot.storage.whatsapp import WhatsAppMemory


class Store:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault
        self.contacts = Contacts(db, vault)
        self.conversations = Conversations(db, vault)
        self.checkins = CheckIns(db, vault)
        self.completions = Completions(db, vault)
        self.deliveries = Deliveries(db, vault)
        self.cohorts = Cohorts(db, vault)
        self.facilitators = Facilitators(db, vault)
        self.reminders = Reminders(db, vault)
        self.volunteers = Volunteers(db, vault)
        self.support = SupportRequests(db, vault)
        self.broadcasts = Broadcasts(db, vault)
        self.stats = Stats(db, vault)
        self.moves = JourneyMoves(db, vault, self.contacts)
        self.recent = RecentMessages(db, vault)
        self.checkon = CheckOn(db, vault)
        self.whatsapp = WhatsAppMemory(db, vault)
        self.prompts = Prompts(db, vault)
        self.processes = Processes(db)

    @classmethod
    async def open(cls, url: str | Path, secret: str, *, migrate: bool = True) -> Store:
        """Connect to DATABASE_URL (or a SQLite file path), migrate, and build the repositories."""
        db = database_for(url)
        await db.connect()
        vault = Vault(secret)
        try:
            if migrate:
                await db.migrate()
                await verify_key(db, vault)
        except BaseException:
            await db.close()
            raise
        return cls(db, vault)

    async def find_person(self, address: Address) -> tuple[Contact, Conversation] | None:
        """Someone's contact and conversation state in one query: every update needs both (and the buttons of
        the latest proactive message, to which a typed reply may be the answer)."""
        row = await self.db.fetchone(
            "SELECT contacts.*, conversations.state AS conversation_state, conversations.data AS conversation_data,"
            " prompts.data AS prompt_data, prompts.expires_at AS prompt_expires_at"
            " FROM contacts LEFT JOIN conversations ON conversations.contact_id = contacts.id"
            " LEFT JOIN prompts ON prompts.contact_id = contacts.id"
            " WHERE contacts.lookup = ?",
            (self.contacts.lookup_key(address),),
        )
        if row is None:
            return None
        conversation = self.conversations.from_columns(row["conversation_state"], row["conversation_data"])
        prompt = self.prompts.from_columns(row["prompt_data"], row["prompt_expires_at"])
        if prompt is not None:
            conversation = replace(conversation, prompt=prompt)
        return self.contacts.from_row(row, address), conversation

    @property
    def shared(self) -> bool:
        """Several bot processes may share this database (PostgreSQL)."""
        return self.db.shared

    def person_lock(self, address: Address) -> AbstractAsyncContextManager[None]:
        """One person's updates one at a time, across processes; the lock id is a keyed hash (names no one)."""
        key = int.from_bytes(self.contacts.lookup_key(address)[:8], "big", signed=True)
        return self.db.person_lock(key)

    def exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        return self.db.exclusive(name)

    async def export_contact(self, contact_id: int, zone: str = "UTC") -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one person, decrypted and readable, times on their own clock (for /mydata)."""
        return await export_contact(self.db, self.vault, contact_id, zone)

    async def close(self) -> None:
        await self.db.close()
