"""The nouns every layer shares: people, conversations, the outbox, cohorts, peer support, statistics.

Plain frozen dataclasses and enums with no behaviour that needs a database or a transport, so the core,
the storage engines, the scheduler and the channels can all speak of them. Storage builds them from rows;
the core reasons about them. Nothing here imports anything beyond the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


# --- from core: messages.py ---
@dataclass(frozen=True, slots=True)
class Address:
    """Where a person is: the channel name and the channel's own id for them."""

    channel: str
    id: str


# --- from core: messages.py (what a reply is: the outbox and WhatsApp's memory keep replies too) ---
@dataclass(frozen=True, slots=True)
class Choice:
    """A button. `means` is "yes" or "no" where the choice answers a yes/no question, so typed words match, and
    "cancel" where it cancels the step it is offered at (a typed "stop" or "cancel" presses it)."""

    key: str
    label: str
    means: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    png: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: text, up to ten choices, optionally a picture or a file.

    `delete` lists earlier messages of this chat (platform ids) that the channel deletes first, where the
    platform allows it (the quick hide).
    """

    text: str
    choices: tuple[Choice, ...] = ()
    image: Image | None = None
    document: Document | None = None
    delete: tuple[str, ...] = ()
    # The next step of what the pressed button belonged to: a channel may replace that message with this one.
    in_place: bool = False
    # For a proactive message the platform may only announce (WhatsApp's template outside the 24-hour window):
    # the command its button opens.
    opens: str | None = None


# --- from core: timing.py (the zone arithmetic storage needs too: a cohort's closed weeks) ---
def zone_of(name: str) -> ZoneInfo:
    """The ZoneInfo for a stored zone name; UTC when the name is no longer known."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def at_local(day: date, minute_of_day: int, zone: str) -> datetime:
    """The instant (UTC) when the wall clock in `zone` shows `minute_of_day` on `day`."""
    wall = time(minute_of_day // 60, minute_of_day % 60)
    return datetime.combine(day, wall, tzinfo=zone_of(zone)).astimezone(UTC)


def local_now(now: datetime, zone: str) -> datetime:
    return now.astimezone(zone_of(zone))


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
    discreet: bool = False  # every proactive message is a plain greeting (chosen after /hide)


@dataclass(frozen=True, slots=True)
class Conversation:
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    offered: Offered = ()
    asked: str = ""
    # The buttons of the latest proactive message, when none of the bot's replies has offered buttons since.
    prompt: Prompt | None = None

    @property
    def feature(self) -> str | None:
        return self.state.split(".", 1)[0] if self.state else None


CANCEL = "cancel"  # Choice.means of a button that cancels the step it is offered at

QUIET_HOURS = "quiet_hours"  # the reason on a row held back until the person's quiet hours end


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


MAX_NOTE_CHARS = 500  # a few sentences; the check-in feature says so when it shortens a longer note

@dataclass(frozen=True, slots=True)
class CheckInRecord:
    id: int
    at: datetime
    mood: int
    note: str | None


@dataclass(frozen=True, slots=True)
class CompletionRecord:
    exercise_id: str
    stage: str
    at: datetime
    answers: list[str | None] | None


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


class Action(StrEnum):
    BECAME_FACILITATOR = "became_facilitator"
    COHORT_CREATED = "cohort_created"
    DATE_CHANGED = "date_changed"
    COHORT_CLOSED = "cohort_closed"
    VOLUNTEER_APPROVED = "volunteer_approved"
    VOLUNTEER_DECLINED = "volunteer_declined"
    VOLUNTEER_PAUSED = "volunteer_paused"
    VOLUNTEER_REMOVED = "volunteer_removed"
    BROADCAST_SENT = "broadcast_sent"
    BROADCAST_SCHEDULED = "broadcast_scheduled"
    BROADCAST_CANCELLED = "broadcast_cancelled"
    STATS_VIEWED = "stats_viewed"


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
    checkon: bool = False  # made by "check on me" for someone who went quiet, not asked for by them

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


K_MIN = 5
LEVELS = 5  # mood levels, 1 (very low) to 5 (really good)


@dataclass(frozen=True, slots=True)
class CohortStats:
    members: int
    weeks: tuple[WeekFigures, ...]  # closed weeks, oldest first, at most WEEKS

    @property
    def recent(self) -> tuple[WeekFigures, ...]:
        return self.weeks[-RECENT_WEEKS:]

    @property
    def recent_moods(self) -> tuple[int, ...]:
        """The mood histogram of the last RECENT_WEEKS closed weeks (a sum of published ones: no new noise)."""
        return tuple(sum(week.moods[level] for week in self.recent) for level in range(LEVELS))


# --- from storage: conversations.py ---
# The choices last offered in a conversation, as (key, label, means) triples: a typed reply is matched
# against them, and the question is asked again when it matches none. Both are stored inside the encrypted
# data under names no feature uses.
Offered = tuple[tuple[str, str, str], ...]


# --- from storage: prompts.py ---
@dataclass(frozen=True, slots=True)
class Prompt:
    """The choices of the latest proactive message with buttons (a follow-up, a reminder, a peer's request), so a
    typed answer works as the press would; never its text. Kept until `until` (then it is no longer an answer)."""

    offered: Offered
    until: datetime


# --- from storage: facilitators.py ---
def normalise_invite(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


# --- from storage: volunteers.py ---
@dataclass(frozen=True, slots=True)
class ApprovedVolunteer:
    """What a facilitator sees of a supporter they approved: the chosen name, paused or not, the group."""

    contact_id: int
    alias: str
    paused: bool
    cohort_name: str


# --- from storage: stats.py ---
WEEKS = 8  # closed weeks shown, week by week


# --- from storage: stats.py ---
RECENT_WEEKS = 4  # mood shares and peer-support counts add up the last four closed weeks


# --- from storage: stats.py ---
COUNT_STEP = 5  # counts are shown to the nearest 5


# --- from storage: stats.py ---
MOOD_STEP = 0.5  # average moods to the nearest half point


# --- from storage: stats.py ---
SHARE_STEP = 10  # mood shares to the nearest 10 %


# --- from storage: stats.py ---
@dataclass(frozen=True, slots=True)
class WeekFigures:
    """One closed week of a cohort as published: noisy counts of people, fixed for good."""

    start: date  # the Monday, in the cohort's time zone
    active: int  # wrote to the bot, checked in or finished an exercise
    checked_in: int
    exercised: int
    moods: tuple[int, ...]  # people whose average check-in of the week was at level 1…5 (may be below zero)
    asked: int  # asked for a peer
    answered: int  # a peer said yes to their request
    unmatched: int  # no peer was free

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def mood(self) -> float | None:
        """The week's average mood as shown (1 to 5, to the nearest half), or None when too few checked in."""
        return shown_mood(self.moods)


# --- from storage: stats.py ---
@dataclass(frozen=True, slots=True)
class SupportCounts:
    """People in a facilitator's cohorts over the last RECENT_WEEKS closed weeks (each person once a week)."""

    asked: int
    answered: int
    unmatched: int


# --- from storage: stats.py ---
def shown_count(value: int) -> int | None:
    """A published count as shown: hidden below K_MIN, otherwise to the nearest COUNT_STEP."""
    if value < K_MIN:
        return None
    return max(K_MIN, COUNT_STEP * round(value / COUNT_STEP))


# --- from storage: stats.py ---
def shown_mood(moods: tuple[int, ...]) -> float | None:
    """The average level of a published histogram to the nearest MOOD_STEP; None below K_MIN people."""
    counts = [max(0, count) for count in moods]
    total = sum(counts)
    if total < K_MIN:
        return None
    average = sum((level + 1) * count for level, count in enumerate(counts)) / total
    return MOOD_STEP * round(average / MOOD_STEP)


# --- from storage: stats.py ---
def shown_shares(moods: tuple[int, ...]) -> tuple[int, ...] | None:
    """Each level's share in percent, to the nearest SHARE_STEP; None below K_MIN people."""
    counts = [max(0, count) for count in moods]
    total = sum(counts)
    if total < K_MIN:
        return None
    return tuple(SHARE_STEP * round(100 * count / total / SHARE_STEP) for count in counts)


# --- from storage: checkon.py ---
BUDDY_PREFIX = "BD-"


# --- from storage: checkon.py ---
class RuleState(StrEnum):
    WATCHING = "watching"  # counting check-ins (or their absence) since `since`
    ASKING = "asking"  # the person was asked if they are okay; the buddy is told at `deadline`
    TOLD = "told"  # the buddy was told; watching again after the person's next check-in


# --- from storage: checkon.py ---
@dataclass(frozen=True, slots=True)
class Rule:
    contact_id: int
    quiet_days: int | None
    low_streak: int | None
    state: RuleState
    since: datetime
    deadline: datetime | None
    by_peer: bool = False  # an approved peer supporter from the person's groups is asked, not a buddy


# --- from storage: checkon.py ---
@dataclass(frozen=True, slots=True)
class Buddy:
    id: int
    contact_id: int
    buddy_id: int | None
    name: str

    @property
    def accepted(self) -> bool:
        return self.buddy_id is not None


# --- from storage: checkon.py ---
def is_buddy_code(text: str) -> bool:
    return normalise_invite(text).startswith(normalise_invite(BUDDY_PREFIX))
