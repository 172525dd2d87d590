"""The storage interface the core needs, as typing.Protocols; bot/storage implements them on both engines.

The engine, the features and the outbox planners depend on these, never on the concrete Store, so the core
imports no engine. Signatures mirror bot/storage's repositories (tests/test_architecture.py checks that the
concrete Store satisfies `Store`). Features put proactive messages in the outbox through `Outbox` only.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from bot.core.domain import (
    Action,
    Address,
    Ask,
    AskStatus,
    Audience,
    Broadcast,
    BroadcastStatus,
    Candidate,
    CheckInRecord,
    Cohort,
    CohortStats,
    CompletionRecord,
    Contact,
    Conversation,
    Counts,
    Delivery,
    DeliveryStatus,
    DueReminder,
    Link,
    NewDelivery,
    NewRequest,
    Offer,
    Outcome,
    PendingGroup,
    PendingVolunteer,
    ReminderSettings,
    Report,
    RequestStatus,
    SupportRequest,
    Volunteer,
)


class Outbox(Protocol):
    """The one way features put proactive messages in the outbox (and take them back)."""

    async def enqueue(
        self,
        contact_id: int,
        kind: str,
        idem_key: str,
        due_at: datetime,
        payload: dict[str, Any],
        now: datetime,
        *,
        cohort_id: int | None = None,
        ref: str | None = None,
    ) -> int | None: ...

    async def cancel_pending(
        self, contact_id: int, reason: str, now: datetime, kinds: tuple[str, ...] | None = None
    ) -> int: ...

    async def enqueue_many(self, rows: list[NewDelivery], now: datetime) -> int: ...

    async def cancel_in_cohort(
        self, cohort_id: int, reason: str, now: datetime, contact_id: int | None = None
    ) -> int: ...

    async def cancel_key(self, idem_key: str, reason: str, now: datetime) -> bool: ...

    async def purge(self, ref: str, keep_pending_to: tuple[int, ...] = ()) -> int: ...

    async def cancel_ref(self, ref: str, reason: str, now: datetime) -> int: ...

    async def outcome(self, ref: str) -> dict[str, int]: ...

    async def revive(self, cohort_id: int, contact_ids: list[int], reasons: tuple[str, ...], now: datetime) -> int: ...

    async def retime(self, moves: list[tuple[str, datetime]], now: datetime, passed_reason: str) -> int: ...


class Contacts(Protocol):
    """What the core asks of bot/storage/contacts.py."""

    async def find(self, address: Address) -> Contact | None: ...

    async def get(self, contact_id: int) -> Contact | None: ...

    async def create(self, address: Address, language: str, timezone: str, now: datetime) -> Contact: ...

    async def update(self, contact_id: int, **fields: Any) -> None: ...

    async def touch(self, contact_id: int, now: datetime) -> None: ...

    async def references(self, contact_id: int) -> dict[str, int]: ...

    async def forget(self, contact_id: int) -> dict[str, int]: ...


class Conversations(Protocol):
    """What the core asks of bot/storage/conversations.py."""

    async def get(self, contact_id: int) -> Conversation: ...

    async def set(self, contact_id: int, state: str, data: dict[str, Any], now: datetime) -> None: ...

    async def clear(self, contact_id: int) -> None: ...


class CheckIns(Protocol):
    """What the core asks of bot/storage/checkins.py."""

    async def add(self, contact_id: int, mood: int, at: datetime) -> int: ...

    async def set_note(self, contact_id: int, checkin_id: int, note: str) -> bool: ...

    async def since(self, contact_id: int, since: datetime) -> list[CheckInRecord]: ...

    async def latest(self, contact_id: int, count: int) -> list[CheckInRecord]: ...


class Completions(Protocol):
    """What the core asks of bot/storage/completions.py."""

    async def add(
        self, contact_id: int, exercise_id: str, stage: str, at: datetime, answers: list[str] | None
    ) -> None: ...

    async def for_contact(self, contact_id: int) -> list[CompletionRecord]: ...


class Deliveries(Outbox, Protocol):
    """What the core asks of bot/storage/deliveries.py."""

    async def claim_due(self, now: datetime, limit: int, contact_id: int | None = None) -> list[Delivery]: ...

    async def recover(self, now: datetime, claimed_before: datetime | None = None) -> int: ...

    async def mark_sent(self, delivery_id: int, provider_id: str | None, now: datetime) -> None: ...

    async def release(
        self, delivery_id: int, due_at: datetime, reason: str, now: datetime, *, attempted: bool
    ) -> None: ...

    async def finish(
        self, delivery_id: int, status: DeliveryStatus, reason: str, now: datetime, *, attempted: bool = False
    ) -> None: ...

    async def pending_groups(self, limit: int) -> list[PendingGroup]: ...

    async def count_pending(self) -> int: ...

    async def get(self, delivery_id: int) -> Delivery | None: ...

    async def record_status(self, provider_id: str, status: str, reason: str | None, now: datetime) -> int | None: ...


class Cohorts(Protocol):
    """What the core asks of bot/storage/cohorts.py."""

    async def create(
        self, owner_id: int, name: str, workshop_date: date, language: str, timezone: str, now: datetime
    ) -> Cohort: ...

    async def get(self, cohort_id: int) -> Cohort | None: ...

    async def by_code(self, code: str) -> Cohort | None: ...

    async def owned_by(self, owner_id: int) -> list[Cohort]: ...

    async def memberships(self, contact_id: int) -> list[Cohort]: ...

    async def open_since(self, earliest: date) -> list[Cohort]: ...

    async def set_date(self, cohort_id: int, workshop_date: date) -> None: ...

    async def close(self, cohort_id: int) -> None: ...

    async def join(self, cohort_id: int, contact_id: int, now: datetime) -> bool: ...

    async def leave(self, cohort_id: int, contact_id: int) -> bool: ...

    async def member_zones(self, cohort_id: int, contact_id: int | None = None) -> list[tuple[int, str]]: ...


class Facilitators(Protocol):
    """What the core asks of bot/storage/facilitators.py."""

    async def invite(self, now: datetime, valid_for: timedelta = ...) -> tuple[str, datetime]: ...

    async def redeem(self, code: str, contact_id: int, now: datetime) -> bool: ...

    async def audit(self, contact_id: int, action: Action, now: datetime, cohort_id: int | None = None) -> None: ...


class Reminders(Protocol):
    """What the core asks of bot/storage/reminders.py."""

    async def get(self, contact_id: int) -> ReminderSettings: ...

    async def save(self, contact_id: int, settings: ReminderSettings, now: datetime) -> None: ...

    async def due(self, now: datetime, limit: int = 500) -> list[DueReminder]: ...

    async def set_next(self, moves: list[tuple[int, datetime]]) -> None: ...


class Volunteers(Protocol):
    """What the core asks of bot/storage/volunteers.py."""

    async def get(self, contact_id: int) -> Volunteer | None: ...

    async def save(self, contact_id: int, offer: Offer, now: datetime) -> None: ...

    async def withdraw(self, contact_id: int) -> bool: ...

    async def set_paused(self, contact_id: int, paused: bool) -> bool: ...

    async def deciders(self, contact_id: int) -> list[int]: ...

    async def pending_for(self, facilitator_id: int, limit: int) -> list[PendingVolunteer]: ...

    async def decide(self, contact_id: int, facilitator_id: int, approve: bool, now: datetime) -> int | None: ...

    async def approved_count(self, facilitator_id: int) -> int: ...

    async def candidates(self, requester_id: int, language: str, request_id: int) -> list[Candidate]: ...

    async def mark_asked(self, contact_id: int, now: datetime) -> None: ...


class SupportRequests(Protocol):
    """What the core asks of bot/storage/support.py."""

    async def create(self, requester_id: int, new: NewRequest, cohort_id: int | None, now: datetime) -> int: ...

    async def get(self, request_id: int) -> SupportRequest | None: ...

    async def made_since(self, requester_id: int, since: datetime) -> int: ...

    async def set_status(
        self, request_id: int, status: RequestStatus, now: datetime, only_if: tuple[RequestStatus, ...] = ...
    ) -> bool: ...

    async def touch(self, request_id: int, now: datetime) -> None: ...

    async def link(self, contact_id: int) -> Link | None: ...

    async def latest(self, contact_id: int, since: datetime) -> Link | None: ...

    async def ended_since(self, since: datetime) -> list[SupportRequest]: ...

    async def idle_relays(self, before: datetime) -> list[SupportRequest]: ...

    async def stalled(self, before: datetime) -> list[SupportRequest]: ...

    async def ask(self, request_id: int, volunteer_id: int, now: datetime) -> int: ...

    async def get_ask(self, ask_id: int) -> Ask | None: ...

    async def answer(self, ask_id: int, status: AskStatus, now: datetime) -> bool: ...

    async def open_asks(
        self, *, request_id: int | None = None, volunteer_id: int | None = None, asked_before: datetime | None = None
    ) -> list[Ask]: ...

    async def accepted_by(self, request_id: int) -> int | None: ...

    async def asks_made(self, request_id: int) -> int: ...

    async def block(self, one: int, other: int, now: datetime) -> None: ...

    async def blocked(self, one: int, other: int) -> bool: ...

    async def report(
        self, reporter_id: int, request_id: int, cohort_id: int | None, reason: str, shared: bool, now: datetime
    ) -> int: ...

    async def reports_for(self, facilitator_id: int, since: datetime, limit: int) -> list[Report]: ...

    async def count(self, cohort_id: int | None, now: datetime, column: str) -> None: ...

    async def counts(self, facilitator_id: int, since: datetime) -> Counts: ...


class Broadcasts(Protocol):
    """What the core asks of bot/storage/broadcasts.py."""

    async def draft(self, facilitator_id: int, text: str, cohort_ids: list[int], now: datetime) -> Broadcast: ...

    async def get(self, broadcast_id: int) -> Broadcast | None: ...

    async def discard_drafts(self, facilitator_id: int) -> int: ...

    async def discard_abandoned(self, before: datetime) -> int: ...

    async def audience(self, cohort_ids: tuple[int, ...]) -> Audience: ...

    async def launch(
        self,
        broadcast_id: int,
        status: BroadcastStatus,
        due_at: datetime,
        rows: list[NewDelivery],
        skipped: int,
        now: datetime,
    ) -> bool: ...

    async def under_way(self, facilitator_id: int) -> list[Broadcast]: ...

    async def cancel(self, broadcast_id: int, now: datetime) -> bool: ...

    async def start_due(self, now: datetime) -> int: ...

    async def finished(self) -> list[Broadcast]: ...

    async def close(self, broadcast_id: int, outcome: Outcome, now: datetime) -> None: ...


class Stats(Protocol):
    """What the core asks of bot/storage/stats.py."""

    async def cohort(self, cohort_id: int, now: datetime) -> CohortStats: ...


class Keys(Protocol):
    """The keys derived from DATA_KEY that the core and channels use (never the field keys)."""

    @property
    def callback_key(self) -> bytes: ...

    @property
    def webhook_secret(self) -> str: ...


class Store(Protocol):
    """Every repository, plus the look-ups that span several."""

    @property
    def contacts(self) -> Contacts: ...

    @property
    def conversations(self) -> Conversations: ...

    @property
    def checkins(self) -> CheckIns: ...

    @property
    def completions(self) -> Completions: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def cohorts(self) -> Cohorts: ...

    @property
    def facilitators(self) -> Facilitators: ...

    @property
    def reminders(self) -> Reminders: ...

    @property
    def volunteers(self) -> Volunteers: ...

    @property
    def support(self) -> SupportRequests: ...

    @property
    def broadcasts(self) -> Broadcasts: ...

    @property
    def stats(self) -> Stats: ...

    @property
    def vault(self) -> Keys: ...

    async def find_person(self, address: Address) -> tuple[Contact, Conversation] | None: ...

    def person_lock(self, address: Address) -> AbstractAsyncContextManager[None]:
        """Hold while answering one person: their updates run one at a time in every process."""
        ...

    async def export_contact(self, contact_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one person, decrypted (for /mydata)."""
        ...

    async def close(self) -> None: ...
