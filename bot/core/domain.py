"""The nouns every layer shares: people, conversations, the outbox, cohorts, peer support, statistics.

Plain frozen dataclasses and enums with no behaviour that needs a database or a transport, so the core,
the storage engines, the scheduler and the channels can all speak of them. Storage builds them from rows;
the core reasons about them. Nothing here imports anything beyond the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


# --- from core: messages.py ---
@dataclass(frozen=True, slots=True)
class Address:
    """Where a person is: the channel name and the channel's own id for them."""

    channel: str
    id: str


# --- from core: timing.py ---
@dataclass(frozen=True, slots=True)
class QuietHours:
    """A nightly window (local minutes of the day) with no proactive messages; it may wrap past midnight."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def until(self, now: datetime, zone: str) -> datetime | None:
        """When the window that `now` falls in ends (UTC), or None when `now` is not quiet."""
        from bot.core.timing import local_now, minute_of_day, next_daily  # timing re-exports this class

        if not self.contains(minute_of_day(local_now(now, zone))):
            return None
        return next_daily(now, self.end, zone)

DEFAULT_QUIET = QuietHours(22 * 60, 7 * 60)


# --- from storage: contacts.py ---
class ContactStatus(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # said /stop: nothing proactive until /start
    BLOCKED = "blocked"  # the platform says the bot cannot reach them

@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    address: Address
    language: str
    timezone: str
    status: ContactStatus
    keep_notes: bool
    silent: bool
    is_facilitator: bool
    consented_at: datetime
    last_seen_at: datetime


# --- from storage: conversations.py ---
@dataclass(frozen=True, slots=True)
class Conversation:
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def feature(self) -> str | None:
        return self.state.split(".", 1)[0] if self.state else None


# --- from storage: deliveries.py ---
class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"

@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    contact_id: int
    kind: str
    idem_key: str
    due_at: datetime
    status: DeliveryStatus
    attempts: int
    payload: dict[str, Any]
    cohort_id: int | None
    ref: str | None
    reason: str | None
    provider_id: str | None

@dataclass(frozen=True, slots=True)
class NewDelivery:
    contact_id: int
    kind: str
    idem_key: str
    due_at: datetime
    payload: dict[str, Any]
    cohort_id: int | None = None
    ref: str | None = None

@dataclass(frozen=True, slots=True)
class PendingGroup:
    """One line of `schedule list`: no personal data, only a contact id when the group is one person."""

    first_id: int
    kind: str
    due_at: datetime
    cohort_id: int | None
    recipients: int
    contact_id: int | None
    reason: str | None


# --- from storage: checkins.py ---
MAX_NOTE_CHARS = 40

@dataclass(frozen=True, slots=True)
class CheckInRecord:
    id: int
    at: datetime
    mood: int
    note: str | None


# --- from storage: completions.py ---
@dataclass(frozen=True, slots=True)
class CompletionRecord:
    exercise_id: str
    stage: str
    at: datetime
    answers: list[str] | None


# --- from storage: cohorts.py ---
MAX_NAME_CHARS = 60

class CohortStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"

@dataclass(frozen=True, slots=True)
class Cohort:
    id: int
    owner_id: int | None
    name: str
    code: str
    workshop_date: date
    language: str
    timezone: str
    status: CohortStatus
    members: int = 0


# --- from storage: facilitators.py ---
class Action(StrEnum):
    BECAME_FACILITATOR = "became_facilitator"
    COHORT_CREATED = "cohort_created"
    DATE_CHANGED = "date_changed"
    COHORT_CLOSED = "cohort_closed"
    VOLUNTEER_APPROVED = "volunteer_approved"
    VOLUNTEER_DECLINED = "volunteer_declined"
    BROADCAST_SENT = "broadcast_sent"
    BROADCAST_SCHEDULED = "broadcast_scheduled"
    BROADCAST_CANCELLED = "broadcast_cancelled"
    STATS_VIEWED = "stats_viewed"


# --- from storage: reminders.py ---
DEFAULT_MINUTE = 19 * 60

@dataclass(frozen=True, slots=True)
class ReminderSettings:
    enabled: bool = False
    minute: int = DEFAULT_MINUTE
    quiet: QuietHours | None = DEFAULT_QUIET
    next_at: datetime | None = None

@dataclass(frozen=True, slots=True)
class DueReminder:
    contact_id: int
    minute: int
    timezone: str
    next_at: datetime


# --- from storage: broadcasts.py ---
class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"

UNDER_WAY = (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING)

@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    facilitator_id: int | None
    text: str  # empty once the broadcast is done or cancelled
    cohort_ids: tuple[int, ...]
    status: BroadcastStatus
    due_at: datetime | None
    recipients: int
    skipped: int
    sent: int
    failed: int

    @property
    def ref(self) -> str:
        """What its outbox rows carry in `ref`."""
        return f"broadcast:{self.id}"

@dataclass(frozen=True, slots=True)
class Audience:
    """Who a broadcast reaches: (contact id, cohort id) of each member who may be written to, once each."""

    members: list[tuple[int, int]]
    skipped: int  # members who stopped or blocked the bot

@dataclass(frozen=True, slots=True)
class Outcome:
    sent: int
    skipped: int
    failed: int


# --- from storage: volunteers.py ---
MAX_ALIAS_CHARS = 30

MAX_INTRO_CHARS = 300

class VolunteerStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"

class Reach(StrEnum):
    """How a person can be reached once both sides said yes."""

    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    BOT = "bot"  # only through the bot: the relay

class Availability(StrEnum):
    ANY = "any"
    DAY = "day"
    EVENING = "evening"
    WEEKEND = "weekend"

@dataclass(frozen=True, slots=True)
class Offer:
    """What a person fills in with /offer."""

    languages: tuple[str, ...]
    alias: str
    intro: str
    reach: Reach
    detail: str | None
    availability: Availability

@dataclass(frozen=True, slots=True)
class Volunteer:
    contact_id: int
    status: VolunteerStatus
    paused: bool
    offer: Offer
    cohort_id: int | None

@dataclass(frozen=True, slots=True)
class Candidate:
    """A volunteer who could be asked now, before their own clock and quiet hours are checked."""

    contact_id: int
    availability: Availability
    timezone: str
    shares_cohort: bool
    last_asked_at: datetime | None

@dataclass(frozen=True, slots=True)
class PendingVolunteer:
    """What a facilitator sees to decide: never the contact detail."""

    contact_id: int
    alias: str
    intro: str
    languages: tuple[str, ...]
    availability: Availability
    cohort_name: str


# --- from storage: support.py ---
MAX_REASON_CHARS = 200

MAX_REPORT_CHARS = 500

class RequestStatus(StrEnum):
    ASKING = "asking"  # a volunteer is being asked, or the next one is about to be
    CONNECTED = "connected"  # both said yes and received each other's contact
    RELAY = "relay"  # both said yes; messages go through the bot
    ENDED = "ended"
    UNMATCHED = "unmatched"  # nobody was available

OPEN = (RequestStatus.ASKING, RequestStatus.RELAY)

class AskStatus(StrEnum):
    ASKED = "asked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

class Role(StrEnum):
    REQUESTER = "requester"
    VOLUNTEER = "volunteer"

@dataclass(frozen=True, slots=True)
class NewRequest:
    language: str
    alias: str
    reason: str | None
    reach: Reach
    detail: str | None

@dataclass(frozen=True, slots=True)
class SupportRequest:
    id: int
    requester_id: int
    status: RequestStatus
    language: str
    alias: str
    reason: str | None
    reach: Reach
    detail: str | None
    cohort_id: int | None
    updated_at: datetime

@dataclass(frozen=True, slots=True)
class Ask:
    id: int
    request_id: int
    volunteer_id: int
    status: AskStatus
    asked_at: datetime

@dataclass(frozen=True, slots=True)
class Link:
    """A person's side of a conversation: the request, their role, and the other person once there is one."""

    request: SupportRequest
    role: Role
    other_id: int | None

@dataclass(frozen=True, slots=True)
class Report:
    at: datetime
    reason: str
    cohort_name: str
    aliases: tuple[str, ...] | None  # only when the reporter agreed to share them

@dataclass(frozen=True, slots=True)
class Counts:
    made: int
    answered: int
    unmatched: int


# --- from storage: stats.py ---
K_MIN = 5

@dataclass(frozen=True, slots=True)
class Cell:
    value: float
    people: int

    @property
    def shown(self) -> float | None:
        """The value, or None when fewer than K_MIN people contribute to it."""
        return self.value if self.people >= K_MIN else None

EMPTY = Cell(0, 0)

@dataclass(frozen=True, slots=True)
class Week:
    """Seven days ending at `end`; `index` 0 is the last seven days."""

    index: int
    end: datetime
    checkins: Cell
    exercises: Cell
    mood: Cell  # the average mood of the week's check-ins, 1 to 5

@dataclass(frozen=True, slots=True)
class CohortStats:
    members: int
    active_7: Cell
    active_30: Cell
    weeks: tuple[Week, ...]  # oldest first
    moods: tuple[int, ...]  # check-ins at mood 1…5 over the last MOOD_DAYS days
    mood_people: int  # how many people those check-ins come from

    @property
    def mood_shares(self) -> tuple[float, ...] | None:
        """The share of each mood level, or None when fewer than K_MIN people checked in."""
        total = sum(self.moods)
        if self.mood_people < K_MIN or not total:
            return None
        return tuple(count / total for count in self.moods)

