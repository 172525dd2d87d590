"""Peer supporters: what a volunteer offered, the facilitator's decision, and who may be asked next.

Alias, intro and contact detail are encrypted; the contact detail leaves this module only for the person
themself and for the requester a volunteer said yes to (see scheduling/support.py), never for facilitators.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.domain import MAX_ALIAS_CHARS as MAX_ALIAS_CHARS
from bot.core.domain import MAX_INTRO_CHARS as MAX_INTRO_CHARS
from bot.core.domain import ApprovedVolunteer as ApprovedVolunteer
from bot.core.domain import Availability as Availability
from bot.core.domain import Candidate as Candidate
from bot.core.domain import Offer as Offer
from bot.core.domain import PendingVolunteer as PendingVolunteer
from bot.core.domain import Reach as Reach
from bot.core.domain import Volunteer as Volunteer
from bot.core.domain import VolunteerStatus as VolunteerStatus
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database, Row


class Volunteers:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def _row(self, row: Row) -> Volunteer:
        offer = Offer(tuple(row["languages"].split(",")), self.vault.decrypt(row["alias"]),
                      self.vault.decrypt(row["intro"]), Reach(row["reach"]),
                      self.vault.decrypt_optional(row["detail"]), Availability(row["availability"]))
        return Volunteer(row["contact_id"], VolunteerStatus(row["status"]), bool(row["paused"]), offer,
                         row["cohort_id"])

    async def get(self, contact_id: int) -> Volunteer | None:
        row = await self.db.fetchone("SELECT * FROM volunteers WHERE contact_id = ?", (contact_id,))
        return self._row(row) if row else None

    async def save(self, contact_id: int, offer: Offer, now: datetime) -> None:
        """Record an offer as pending; offering again replaces the old one and needs a new decision."""
        await self.db.execute(
            "INSERT INTO volunteers (contact_id, languages, alias, intro, reach, detail, availability, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET status = 'pending',"
            " paused = 0, languages = excluded.languages, alias = excluded.alias, intro = excluded.intro,"
            " reach = excluded.reach, detail = excluded.detail, availability = excluded.availability,"
            " cohort_id = NULL, created_at = excluded.created_at, decided_at = NULL",
            (contact_id, ",".join(offer.languages), self.vault.encrypt(offer.alias[:MAX_ALIAS_CHARS]),
             self.vault.encrypt(offer.intro[:MAX_INTRO_CHARS]), str(offer.reach),
             self.vault.encrypt_optional(offer.detail), str(offer.availability), to_ts(now)),
        )

    async def withdraw(self, contact_id: int) -> bool:
        return await self.db.execute("DELETE FROM volunteers WHERE contact_id = ?", (contact_id,)) == 1

    async def set_paused(self, contact_id: int, paused: bool) -> bool:
        changed = await self.db.execute("UPDATE volunteers SET paused = ? WHERE contact_id = ? AND status = ?",
                                        (int(paused), contact_id, str(VolunteerStatus.APPROVED)))
        return changed == 1

    async def deciders(self, contact_id: int) -> list[int]:
        """The facilitators who may decide on this person: owners of the open cohorts they are in (never themself)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT c.owner_id FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id"
            " JOIN contacts f ON f.id = c.owner_id"
            " WHERE m.contact_id = ? AND c.status = 'open' AND f.is_facilitator = 1 AND c.owner_id != m.contact_id"
            " ORDER BY c.owner_id",
            (contact_id,),
        )
        return [row[0] for row in rows]

    async def pending_for(self, facilitator_id: int, limit: int) -> list[PendingVolunteer]:
        """Pending volunteers in the facilitator's open cohorts, oldest offer first."""
        rows = await self.db.fetchall(
            # The name of the first (lowest id) of the facilitator's open cohorts the volunteer is in.
            "SELECT v.*, (SELECT c.name FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id"
            " WHERE m.contact_id = v.contact_id AND c.owner_id = ? AND c.status = 'open' ORDER BY c.id LIMIT 1)"
            " AS cohort_name FROM volunteers v WHERE v.status = 'pending' AND v.contact_id != ?"
            " AND EXISTS (SELECT 1 FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id"
            " WHERE m.contact_id = v.contact_id AND c.owner_id = ? AND c.status = 'open')"
            " ORDER BY v.created_at, v.contact_id LIMIT ?",
            (facilitator_id, facilitator_id, facilitator_id, limit),
        )
        found = []
        for row in rows:
            offer = self._row(row).offer
            found.append(PendingVolunteer(row["contact_id"], offer.alias, offer.intro, offer.languages,
                                          offer.availability, self.vault.decrypt(row["cohort_name"])))
        return found

    async def decide(self, contact_id: int, facilitator_id: int, approve: bool, now: datetime) -> int | None:
        """Approve or decline a pending volunteer in one of the facilitator's open cohorts; return that cohort.

        None (and nothing changed) when the volunteer is not pending or not in any cohort the facilitator owns,
        or (to approve) is a facilitator themself: see `refusal` for why.
        """
        status = VolunteerStatus.APPROVED if approve else VolunteerStatus.DECLINED
        async with self.db.tx() as conn:
            async with conn.execute(
                "SELECT MIN(c.id) FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id"
                " JOIN volunteers v ON v.contact_id = m.contact_id JOIN contacts p ON p.id = m.contact_id"
                " WHERE m.contact_id = ? AND c.owner_id = ? AND c.status = 'open' AND v.status = 'pending'"
                " AND c.owner_id != m.contact_id AND (? = 0 OR p.is_facilitator = 0)",
                (contact_id, facilitator_id, int(approve)),
            ) as cursor:
                row = await cursor.fetchone()
            cohort_id = row[0] if row else None
            if cohort_id is None:
                return None
            await conn.execute("UPDATE volunteers SET status = ?, cohort_id = ?, decided_at = ? WHERE contact_id = ?",
                               (str(status), cohort_id, to_ts(now), contact_id))
        return int(cohort_id)

    async def refusal(self, contact_id: int, facilitator_id: int) -> str | None:
        """Why this facilitator may not approve this person: "facilitator" (they run groups themselves, so nobody
        vouches for them the way a facilitator vouches for a member) or "not_member" (in no open cohort of this
        facilitator's); None when nothing stands in the way."""
        row = await self.db.fetchone(
            "SELECT p.is_facilitator, EXISTS (SELECT 1 FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id"
            " WHERE m.contact_id = p.id AND c.owner_id = ? AND c.status = 'open' AND c.owner_id != p.id)"
            " FROM contacts p WHERE p.id = ?", (facilitator_id, contact_id))
        if contact_id == facilitator_id:
            return "facilitator"
        if row is None or not row[1]:  # checked first: a facilitator learns nothing about people outside their groups
            return "not_member"
        return "facilitator" if row[0] else None

    async def approved_count(self, facilitator_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM volunteers v JOIN cohorts c ON c.id = v.cohort_id"
            " WHERE c.owner_id = ? AND v.status = 'approved'", (facilitator_id,))
        return int(row[0]) if row else 0

    async def candidates(self, requester_id: int, language: str, request_id: int) -> list[Candidate]:
        """Approved, unpaused, reachable, not busy volunteers who speak `language` and are no facilitator, whose
        approving facilitator also runs a cohort of the requester; never the requester, never someone blocked
        with the requester or asked already for this request; the requester's cohorts first, then whoever was
        asked least recently."""
        rows = await self.db.fetchall(
            "SELECT v.contact_id, v.availability, v.last_asked_at, p.timezone,"
            " EXISTS (SELECT 1 FROM cohort_members mine JOIN cohort_members theirs ON theirs.cohort_id ="
            " mine.cohort_id WHERE mine.contact_id = ? AND theirs.contact_id = v.contact_id) AS shares"
            " FROM volunteers v JOIN contacts p ON p.id = v.contact_id"
            " JOIN cohorts approving ON approving.id = v.cohort_id"
            " WHERE v.status = 'approved' AND v.paused = 0 AND p.status = 'active' AND p.is_facilitator = 0"
            " AND v.contact_id != ? AND (',' || v.languages || ',') LIKE ?"
            # only for members of a cohort of the facilitator who approved them
            " AND EXISTS (SELECT 1 FROM cohort_members rm JOIN cohorts rc ON rc.id = rm.cohort_id"
            " WHERE rm.contact_id = ? AND rc.owner_id = approving.owner_id)"
            # never a pair one of them reported: the reporter keeps the other's look-up hash
            " AND NOT EXISTS (SELECT 1 FROM support_shields s, contacts r WHERE r.id = ?"
            " AND ((s.contact_id = r.id AND s.other = p.lookup) OR (s.contact_id = p.id AND s.other = r.lookup)))"
            " AND NOT EXISTS (SELECT 1 FROM support_asks a WHERE a.request_id = ? AND a.volunteer_id = v.contact_id)"
            # busy: being asked already, in an open relay, or asking for a peer themself
            " AND NOT EXISTS (SELECT 1 FROM support_asks a JOIN support_requests r ON r.id = a.request_id"
            " WHERE a.volunteer_id = v.contact_id AND (a.status = 'asked' OR (a.status = 'accepted'"
            " AND r.status = 'relay')))"
            " AND NOT EXISTS (SELECT 1 FROM support_requests r WHERE r.requester_id = v.contact_id"
            " AND r.status IN ('asking', 'relay'))"
            " ORDER BY shares DESC, v.last_asked_at IS NOT NULL, v.last_asked_at, v.contact_id",
            (requester_id, requester_id, f"%,{language},%", requester_id, requester_id, request_id),
        )
        return [Candidate(r["contact_id"], Availability(r["availability"]), r["timezone"], bool(r["shares"]),
                          None if r["last_asked_at"] is None else from_ts(r["last_asked_at"])) for r in rows]

    async def mark_asked(self, contact_id: int, now: datetime) -> None:
        await self.db.execute("UPDATE volunteers SET last_asked_at = ? WHERE contact_id = ?", (to_ts(now), contact_id))

    # --- a facilitator pauses or removes a supporter they approved (issue 14) ---

    async def approved_for(self, facilitator_id: int, limit: int) -> list[ApprovedVolunteer]:
        """Supporters approved in the facilitator's cohorts, by name: never their contact detail."""
        rows = await self.db.fetchall(
            "SELECT v.contact_id, v.alias, v.paused, c.name AS cohort_name FROM volunteers v"
            " JOIN cohorts c ON c.id = v.cohort_id WHERE c.owner_id = ? AND v.status = 'approved'"
            " AND v.contact_id != c.owner_id ORDER BY v.decided_at, v.contact_id LIMIT ?",
            (facilitator_id, limit),
        )
        return [ApprovedVolunteer(row["contact_id"], self.vault.decrypt(row["alias"]), bool(row["paused"]),
                                  self.vault.decrypt(row["cohort_name"])) for row in rows]

    async def unapprove(self, contact_id: int, facilitator_id: int, status: VolunteerStatus,
                        now: datetime) -> int | None:
        """Take back an approval in one of the facilitator's cohorts: `pending` (paused until approved again) or
        `declined` (removed). Return the approving cohort, or None (nothing changed) when not theirs to decide."""
        async with self.db.tx() as conn:
            async with conn.execute(
                "SELECT v.cohort_id FROM volunteers v JOIN cohorts c ON c.id = v.cohort_id"
                " WHERE v.contact_id = ? AND c.owner_id = ? AND v.status = 'approved' AND v.contact_id != c.owner_id",
                (contact_id, facilitator_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await conn.execute("UPDATE volunteers SET status = ?, paused = 0, decided_at = ? WHERE contact_id = ?",
                               (str(status), to_ts(now), contact_id))
        return int(row[0])


