"""Requests for a peer, the asks sent to volunteers, blocked pairs, reports and request counts.

A request row holds the requester's own secrets (alias, reason, contact detail), encrypted; an ask row holds
nothing but which volunteer was asked and what they answered, so the volunteer's /mydata shows no secret of
the requester. Answering an ask is a conditional update: a late button and the time-out tick never both win.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.domain import MAX_REASON_CHARS as MAX_REASON_CHARS
from bot.core.domain import MAX_REPORT_CHARS as MAX_REPORT_CHARS
from bot.core.domain import OPEN as OPEN
from bot.core.domain import Address, Reach
from bot.core.domain import Ask as Ask
from bot.core.domain import AskStatus as AskStatus
from bot.core.domain import Counts as Counts
from bot.core.domain import Link as Link
from bot.core.domain import NewRequest as NewRequest
from bot.core.domain import Report as Report
from bot.core.domain import RequestStatus as RequestStatus
from bot.core.domain import Role as Role
from bot.core.domain import SupportRequest as SupportRequest
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database, Row
from bot.storage.volunteers import MAX_ALIAS_CHARS

QUOTA_WINDOW = timedelta(days=1)  # the daily cap counts requests over the last day

_REQUEST = "SELECT * FROM support_requests"


class SupportRequests:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def _request(self, row: Row) -> SupportRequest:
        return SupportRequest(row["id"], row["requester_id"], RequestStatus(row["status"]), row["language"],
                              self.vault.decrypt(row["alias"]), self.vault.decrypt_optional(row["reason"]),
                              Reach(row["reach"]), self.vault.decrypt_optional(row["detail"]), row["cohort_id"],
                              from_ts(row["updated_at"]), bool(row["checkon"]))

    @staticmethod
    def _ask(row: Row) -> Ask:
        return Ask(row["id"], row["request_id"], row["volunteer_id"], AskStatus(row["status"]),
                   from_ts(row["asked_at"]))

    # --- requests ---

    async def create(self, requester_id: int, new: NewRequest, cohort_id: int | None, now: datetime, *,
                     checkon: bool = False) -> int:
        request_id = await self.db.insert(
            "INSERT INTO support_requests (requester_id, language, alias, reason, reach, detail, cohort_id,"
            " created_at, updated_at, checkon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (requester_id, new.language, self.vault.encrypt(new.alias[:MAX_ALIAS_CHARS]),
             self.vault.encrypt_optional(new.reason[:MAX_REASON_CHARS] if new.reason else None), str(new.reach),
             self.vault.encrypt_optional(new.detail), cohort_id, to_ts(now), to_ts(now), int(checkon)),
        )
        await self.count(cohort_id, now, "made")
        return request_id

    async def get(self, request_id: int) -> SupportRequest | None:
        row = await self.db.fetchone(f"{_REQUEST} WHERE id = ?", (request_id,))
        return self._request(row) if row else None

    async def made_since(self, requester_id: int, since: datetime) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM support_requests WHERE requester_id = ? AND created_at >= ?",
                                     (requester_id, to_ts(since)))
        return int(row[0]) if row else 0

    async def set_status(self, request_id: int, status: RequestStatus, now: datetime,
                         only_if: tuple[RequestStatus, ...] = OPEN) -> bool:
        """Move an open request (or one in `only_if`) to `status`; False when it was not in such a state."""
        marks = ", ".join("?" for _ in only_if)
        changed = await self.db.execute(
            f"UPDATE support_requests SET status = ?, updated_at = ? WHERE id = ? AND status IN ({marks})",  # noqa: S608
            (str(status), to_ts(now), request_id, *map(str, only_if)),
        )
        return changed == 1

    async def touch(self, request_id: int, now: datetime) -> None:
        await self.db.execute("UPDATE support_requests SET updated_at = ? WHERE id = ?", (to_ts(now), request_id))

    async def link(self, contact_id: int) -> Link | None:
        """The person's open conversation: a request of theirs still asking or relaying, or a relay they accepted."""
        row = await self.db.fetchone(
            f"{_REQUEST} WHERE requester_id = ? AND status IN ('asking', 'relay') ORDER BY id DESC LIMIT 1",
            (contact_id,))
        if row is not None:
            request = self._request(row)
            return Link(request, Role.REQUESTER, await self.accepted_by(request.id))
        row = await self.db.fetchone(
            "SELECT r.* FROM support_requests r JOIN support_asks a ON a.request_id = r.id"
            " WHERE a.volunteer_id = ? AND a.status = 'accepted' AND r.status = 'relay' ORDER BY r.id DESC LIMIT 1",
            (contact_id,))
        return Link(self._request(row), Role.VOLUNTEER, row["requester_id"]) if row else None

    async def latest(self, contact_id: int, since: datetime) -> Link | None:
        """The person's most recent conversation with someone (either side) that began or changed since `since`."""
        row = await self.db.fetchone(
            "SELECT r.*, a.volunteer_id AS volunteer, r.requester_id = ? AS mine FROM support_requests r"
            " JOIN support_asks a ON a.request_id = r.id AND a.status = 'accepted'"
            " WHERE (r.requester_id = ? OR a.volunteer_id = ?) AND r.updated_at >= ? ORDER BY r.id DESC LIMIT 1",
            (contact_id, contact_id, contact_id, to_ts(since)))
        if row is None:
            return None
        if row["mine"]:
            return Link(self._request(row), Role.REQUESTER, row["volunteer"])
        return Link(self._request(row), Role.VOLUNTEER, row["requester_id"])

    async def ended_since(self, since: datetime) -> list[SupportRequest]:
        rows = await self.db.fetchall(f"{_REQUEST} WHERE status = 'ended' AND updated_at >= ?", (to_ts(since),))
        return [self._request(row) for row in rows]

    async def idle_relays(self, before: datetime) -> list[SupportRequest]:
        rows = await self.db.fetchall(f"{_REQUEST} WHERE status = 'relay' AND updated_at < ?", (to_ts(before),))
        return [self._request(row) for row in rows]

    async def stalled(self, before: datetime) -> list[SupportRequest]:
        """Requests unchanged since `before` still asking with no ask out (the asked volunteer left), or relaying
        with nobody on the other side."""
        rows = await self.db.fetchall(
            "SELECT * FROM support_requests r WHERE updated_at < ? AND ((status = 'asking'"
            " AND NOT EXISTS (SELECT 1 FROM support_asks a WHERE a.request_id = r.id AND a.status = 'asked'))"
            " OR (status = 'relay' AND NOT EXISTS"
            " (SELECT 1 FROM support_asks a WHERE a.request_id = r.id AND a.status = 'accepted')))",
            (to_ts(before),))
        return [self._request(row) for row in rows]

    # --- asks ---

    async def ask(self, request_id: int, volunteer_id: int, now: datetime) -> int:
        return await self.db.insert("INSERT INTO support_asks (request_id, volunteer_id, asked_at) VALUES (?, ?, ?)",
                                    (request_id, volunteer_id, to_ts(now)))

    async def get_ask(self, ask_id: int) -> Ask | None:
        row = await self.db.fetchone("SELECT * FROM support_asks WHERE id = ?", (ask_id,))
        return self._ask(row) if row else None

    async def answer(self, ask_id: int, status: AskStatus, now: datetime) -> bool:
        """Close an ask that is still out; False when it was answered, expired or cancelled already."""
        changed = await self.db.execute(
            "UPDATE support_asks SET status = ?, answered_at = ? WHERE id = ? AND status = 'asked'",
            (str(status), to_ts(now), ask_id))
        return changed == 1

    async def open_asks(self, *, request_id: int | None = None, volunteer_id: int | None = None,
                        asked_before: datetime | None = None) -> list[Ask]:
        """Asks still waiting for an answer, for one request, one volunteer, or older than a moment."""
        sql, params = "SELECT * FROM support_asks WHERE status = 'asked'", []
        for column, value in (("request_id", request_id), ("volunteer_id", volunteer_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if asked_before is not None:
            sql += " AND asked_at <= ?"
            params.append(to_ts(asked_before))
        return [self._ask(row) for row in await self.db.fetchall(sql + " ORDER BY id", params)]

    async def accepted_by(self, request_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT volunteer_id FROM support_asks WHERE request_id = ? AND status = 'accepted'", (request_id,))
        return int(row[0]) if row else None

    async def asks_made(self, request_id: int) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM support_asks WHERE request_id = ?", (request_id,))
        return int(row[0]) if row else 0

    # --- safety ---

    async def block(self, reporter_id: int, other_id: int, now: datetime) -> None:
        """Never match these two again. Kept on the reporter's side as the other person's look-up hash, so the
        other's /forget and return do not undo it; it goes when the reporter forgets."""
        await self.db.execute(
            "INSERT INTO support_shields (contact_id, other, at) SELECT ?, lookup, ? FROM contacts WHERE id = ?"
            " ON CONFLICT DO NOTHING", (reporter_id, to_ts(now), other_id))

    async def blocked(self, one: int, other: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM support_shields s JOIN contacts c ON c.lookup = s.other"
            " WHERE (s.contact_id = ? AND c.id = ?) OR (s.contact_id = ? AND c.id = ?)", (one, other, other, one))
        return row is not None

    # --- the daily cap, which outlives /forget ---

    def _tag(self, address: Address, day: date) -> bytes:
        """A keyed hash of the day and the address: a new tag every day, and no way back to the person."""
        return self.vault.lookup(f"quota:{day.isoformat()}:{address.channel}:{address.id}")

    async def note_request(self, address: Address, now: datetime) -> None:
        """Count a request for a peer under today's tag of the address; forget counts older than a day."""
        await self.expire_quota(now)
        await self.db.execute("INSERT INTO support_quota (tag, at) VALUES (?, ?)",
                              (self._tag(address, now.date()), to_ts(now)))

    async def requests_in_window(self, address: Address, now: datetime) -> int:
        """Requests for a peer made from this address in the last day, whoever it was registered as."""
        tags = (self._tag(address, now.date()), self._tag(address, (now - QUOTA_WINDOW).date()))
        row = await self.db.fetchone("SELECT COUNT(*) FROM support_quota WHERE tag IN (?, ?) AND at >= ?",
                                     (*tags, to_ts(now - QUOTA_WINDOW)))
        return int(row[0]) if row else 0

    async def expire_quota(self, now: datetime) -> int:
        return await self.db.execute("DELETE FROM support_quota WHERE at < ?", (to_ts(now - QUOTA_WINDOW),))

    async def report(self, reporter_id: int, request_id: int, cohort_id: int | None, reason: str, shared: bool,
                     now: datetime) -> int:
        return await self.db.insert(
            "INSERT INTO support_reports (reporter_id, request_id, cohort_id, reason, shared, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (reporter_id, request_id, cohort_id, self.vault.encrypt(reason[:MAX_REPORT_CHARS]), int(shared),
             to_ts(now)))

    async def reports_for(self, facilitator_id: int, since: datetime, limit: int) -> list[Report]:
        """Recent reports in the facilitator's cohorts: the words and the cohort; names only where agreed."""
        rows = await self.db.fetchall(
            "SELECT s.at, s.reason, s.shared, s.request_id, c.name FROM support_reports s"
            " JOIN cohorts c ON c.id = s.cohort_id WHERE c.owner_id = ? AND s.at >= ?"
            " ORDER BY s.at DESC, s.id DESC LIMIT ?",
            (facilitator_id, to_ts(since), limit))
        reports = []
        for row in rows:
            aliases = await self._aliases(row["request_id"]) if row["shared"] else None
            reports.append(Report(from_ts(row["at"]), self.vault.decrypt(row["reason"]),
                                  self.vault.decrypt(row["name"]), aliases))
        return reports

    async def _aliases(self, request_id: int | None) -> tuple[str, ...]:
        """The names both people chose to show in a conversation (never their contact details)."""
        row = await self.db.fetchone(
            "SELECT r.alias, v.alias AS volunteer FROM support_requests r LEFT JOIN support_asks a"
            " ON a.request_id = r.id AND a.status = 'accepted' LEFT JOIN volunteers v ON v.contact_id = a.volunteer_id"
            " WHERE r.id = ?", (request_id,))
        if row is None:
            return ()
        return tuple(self.vault.decrypt(blob) for blob in (row["alias"], row["volunteer"]) if blob is not None)

    # --- counts ---

    async def count(self, cohort_id: int | None, now: datetime, column: str) -> None:
        """Add one to a day's count of requests made, answered or unmatched in a cohort."""
        if cohort_id is None or column not in ("made", "answered", "unmatched"):
            return
        await self.db.execute(
            f"INSERT INTO support_tally (cohort_id, day, {column}) VALUES (?, ?, 1)"  # noqa: S608
            f" ON CONFLICT (cohort_id, day) DO UPDATE SET {column} = support_tally.{column} + 1",
            (cohort_id, now.date().isoformat()))

    async def counts(self, facilitator_id: int, since: datetime) -> Counts:
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(t.made), 0), COALESCE(SUM(t.answered), 0), COALESCE(SUM(t.unmatched), 0)"
            " FROM support_tally t JOIN cohorts c ON c.id = t.cohort_id WHERE c.owner_id = ? AND t.day >= ?",
            (facilitator_id, since.date().isoformat()))
        return Counts(*(int(value) for value in row)) if row else Counts(0, 0, 0)
