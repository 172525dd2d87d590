"""/broadcast: a facilitator writes to one or more of their open cohorts, now or at a chosen time.

Pick cohorts → write → preview exactly as members will see it → send now, choose a time, or cancel. Each member
gets a copy of their own through the outbox; /broadcast also lists what is scheduled and cancels it. Every
choice is checked against the state and the database: only the owner's open cohorts and own broadcasts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from bot.core.domain import CANCEL, QUIET_HOURS, UNDER_WAY, Action, Broadcast, BroadcastStatus, Cohort, CohortStatus
from bot.core.features.base import Feature, Turn, key
from bot.core.features.cohorts import owned_cohort, parse_date, short
from bot.core.messages import Choice, Reply
from bot.core.proactive import broadcasts
from bot.core.text import message
from bot.core.timing import local_now, zone_of
from bot.core.zones import parse_clock
from bot.errors import StaleChoice
from bot.library.schema import SpokenClock

PICK_STATE = "broadcast.pick"
TEXT_STATE = "broadcast.text"
PREVIEW_STATE = "broadcast.preview"
WHEN_STATE = "broadcast.when"
LIST_STATE = "broadcast.list"  # the list of what is under way: typed words start a new message
CANCEL_STATE = "broadcast.cancel"
MAX_CHARS = 3500  # with the header, well inside Telegram's and WhatsApp's 4096
MAX_COHORTS = 8  # with Next and Cancel: ten choices, a WhatsApp list
MAX_LISTED = 5
LATEST = timedelta(days=366)
_BLANK_LINES = re.compile(r"\n{3,}")
_MARKUP = re.compile(r"\*\*|__|```|~~|\*[^*\s][^*\n]*\*|_[^_\s][^_\n]*_|</?[a-zA-Z][^>]*>")


def clean(text: str) -> str:
    """Plain text as it will be sent: no hidden characters, at most one blank line in a row, trimmed."""
    text = message(text)
    return _BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def parse_moment(text: str, zone: str, today: datetime, spoken: Sequence[SpokenClock] = ()) -> datetime | None:
    """'2026-03-14 18:30', '14/03/2026 7 pm', '14/03/2026 saa mbili usiku' or just '18:30' (today), on the clock
    of `zone`; None if unreadable."""
    cleaned = text.strip().replace("T", " ")
    minute = parse_clock(cleaned, spoken)
    day = today.date() if minute is not None else None
    if minute is None:
        head, _, clock = cleaned.partition(" ")
        day, minute = parse_date(head), parse_clock(clock, spoken)
    if day is None or minute is None:
        return None
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone_of(zone))


class BroadcastFeature(Feature):
    name = "broadcast"
    commands = ("broadcast",)
    facilitator_only = frozenset(commands)

    def awaits_text(self, state: str) -> bool:
        """Under the list, a command word ("help", "menu") is still a command; other words are a new message."""
        return state in (TEXT_STATE, WHEN_STATE)

    def matches_labels(self, state: str) -> bool:
        return state == WHEN_STATE

    def falls_back_to_text(self, state: str) -> bool:
        return state == LIST_STATE

    def passes_crisis_text(self, state: str) -> bool:
        """A facilitator may announce International Overdose Awareness Day: the draft is kept."""
        return state in (TEXT_STATE, LIST_STATE)

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        """What is under way (to cancel), or straight to a new message when nothing is."""
        await turn.store.broadcasts.discard_drafts(turn.require_contact().id)
        waiting = await self._under_way(turn)
        if waiting:
            await turn.set_state(LIST_STATE)
        return waiting or await self._new(turn)

    async def _typed_new(self, turn: Turn, text: str) -> list[Reply]:
        """Words typed under the list ("…or write a new message"): they are the new message. With one cohort,
        straight to the preview; with several, the cohorts are chosen first and the words kept meanwhile."""
        owned = await turn.store.cohorts.owned_by(turn.require_contact().id)
        cohorts = [c for c in owned if c.status == CohortStatus.OPEN]
        if len(cohorts) != 1:
            await turn.clear_state()
            replies = await self._new(turn)
            if turn.conversation.state == PICK_STATE:
                await turn.set_state(PICK_STATE, {"chosen": [], "text": text})
            return replies
        await turn.set_state(TEXT_STATE, {"cohorts": [cohorts[0].id]})
        return await self._got_text(turn, clean(text))

    async def _new(self, turn: Turn) -> list[Reply]:
        owned = await turn.store.cohorts.owned_by(turn.require_contact().id)
        cohorts = [c for c in owned if c.status == CohortStatus.OPEN]
        if not cohorts:
            return [Reply(turn.t("broadcast.no_cohorts"), (
                Choice("menu:newcohort", turn.t("cohorts.btn_new")), Choice("menu:menu", turn.t("menu.btn_menu"))))]
        if len(cohorts) == 1:
            return await self._ask_text(turn, [cohorts[0].id])
        await turn.set_state(PICK_STATE, {"chosen": []})
        return [self._pick(turn, cohorts[:MAX_COHORTS], [], "broadcast.pick")]

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        if not turn.require_contact().is_facilitator:
            raise StaleChoice("broadcast")
        state = turn.conversation.state
        match parts:
            case ["pick", cohort_id] if state == PICK_STATE:
                return [await self._toggle(turn, await owned_cohort(turn, cohort_id, open_only=True))]
            case ["new"]:
                return await self._new(turn)
            case ["next"] if state == PICK_STATE:
                chosen = [int(c) for c in turn.conversation.data.get("chosen", [])]
                if not chosen:
                    return [await self._repick(turn, [], "broadcast.pick_one_first")]
                typed = turn.conversation.data.get("text")
                if typed:  # written already under the list of what is under way
                    await self._cohorts(turn, chosen)
                    await turn.set_state(TEXT_STATE, {"cohorts": chosen})
                    return await self._got_text(turn, clean(str(typed)))
                return await self._ask_text(turn, chosen)
            case ["stop"]:
                await turn.store.broadcasts.discard_drafts(turn.require_contact().id)
                await turn.clear_state()
                return [turn.with_menu(turn.t("broadcast.stopped"))]
            case ["now", draft_id] if state == PREVIEW_STATE:
                draft = await self._draft(turn, draft_id)
                return await self._launch(turn, draft, turn.now())
            case ["later", draft_id] if state == PREVIEW_STATE:
                draft = await self._draft(turn, draft_id)
                cohort = await owned_cohort(turn, str(draft.cohort_ids[0]), open_only=True)
                await turn.set_state(WHEN_STATE, {"id": draft.id})
                return [Reply(turn.t("broadcast.ask_when", zone=cohort.timezone, example=self._example(turn, cohort)),
                              (Choice(key("broadcast", "stop"), turn.t("broadcast.btn_stop"), CANCEL),))]
            case ["edit", draft_id] if state == PREVIEW_STATE:
                draft = await self._draft(turn, draft_id)
                await turn.store.broadcasts.discard_drafts(turn.require_contact().id)
                return await self._ask_text(turn, list(draft.cohort_ids))
            case ["cancel", broadcast_id]:
                found = await self._own_under_way(turn, broadcast_id)
                await turn.set_state(CANCEL_STATE)
                return [Reply(turn.t("broadcast.cancel_confirm", cohorts=await self._names(turn, found)), (
                    Choice(key("broadcast", "cancelyes", found.id), turn.t("broadcast.btn_cancel_yes"), "yes"),
                    Choice(key("broadcast", "keep"), turn.t("broadcast.btn_keep"), "no")))]
            case ["cancelyes", broadcast_id]:
                await turn.clear_state()
                return await self._cancel(turn, await self._own_under_way(turn, broadcast_id))
            case ["keep"]:
                await turn.clear_state()
                return [turn.with_menu(turn.t("broadcast.kept"))]
        raise StaleChoice("broadcast")

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if not turn.require_contact().is_facilitator:
            raise StaleChoice("broadcast")
        state = turn.conversation.state
        if state == TEXT_STATE:
            return await self._got_text(turn, clean(text))
        if state == WHEN_STATE:
            return await self._got_when(turn, text)
        if state == LIST_STATE:
            return await self._typed_new(turn, text)
        raise StaleChoice("broadcast")

    # --- choosing cohorts and writing ---------------------------------------------------------------------

    def _pick(self, turn: Turn, cohorts: list[Cohort], chosen: list[int], text_key: str) -> Reply:
        toggles = tuple(Choice(key("broadcast", "pick", c.id), short(("✅ " if c.id in chosen else "") + c.name))
                        for c in cohorts)
        return Reply(turn.t(text_key), (*toggles, Choice(key("broadcast", "next"), turn.t("broadcast.btn_next")),
                                        Choice(key("broadcast", "stop"), turn.t("broadcast.btn_stop"), CANCEL)))

    async def _repick(self, turn: Turn, chosen: list[int], text_key: str) -> Reply:
        owned = await turn.store.cohorts.owned_by(turn.require_contact().id)
        cohorts = [c for c in owned if c.status == CohortStatus.OPEN][:MAX_COHORTS]
        return self._pick(turn, cohorts, chosen, text_key)

    async def _toggle(self, turn: Turn, cohort: Cohort) -> Reply:
        chosen = [int(c) for c in turn.conversation.data.get("chosen", [])]
        chosen = [c for c in chosen if c != cohort.id] if cohort.id in chosen else [*chosen, cohort.id]
        await turn.set_state(PICK_STATE, {**turn.conversation.data, "chosen": chosen})
        return await self._repick(turn, chosen, "broadcast.pick")

    async def _cohorts(self, turn: Turn, cohort_ids: list[int] | tuple[int, ...]) -> list[Cohort]:
        """The named cohorts, each checked again: still this facilitator's, still open."""
        return [await owned_cohort(turn, str(cohort_id), open_only=True) for cohort_id in cohort_ids]

    async def _ask_text(self, turn: Turn, cohort_ids: list[int]) -> list[Reply]:
        cohorts = await self._cohorts(turn, cohort_ids)
        await turn.set_state(TEXT_STATE, {"cohorts": cohort_ids})
        return [Reply(turn.t("broadcast.ask_text", cohorts=_names(cohorts), max=MAX_CHARS),
                      (Choice(key("broadcast", "stop"), turn.t("broadcast.btn_stop"), CANCEL),))]

    async def _got_text(self, turn: Turn, text: str) -> list[Reply]:
        cohort_ids = [int(c) for c in turn.conversation.data.get("cohorts", [])]
        cohorts = await self._cohorts(turn, cohort_ids)
        if not text:
            return [Reply(turn.t("broadcast.empty"))]
        if len(text) > MAX_CHARS:
            return [Reply(turn.t("broadcast.too_long", length=len(text), max=MAX_CHARS, over=len(text) - MAX_CHARS))]
        contact = turn.require_contact()
        draft = await turn.store.broadcasts.draft(contact.id, text, cohort_ids, turn.now())
        await turn.set_state(PREVIEW_STATE, {"id": draft.id})
        audience = await turn.store.broadcasts.audience(draft.cohort_ids)
        intro = [turn.t("broadcast.preview_intro", reachable=len(audience.members), cohorts=_names(cohorts))]
        if audience.skipped:
            intro.append(turn.t("broadcast.preview_skipped", skipped=audience.skipped))
        if _MARKUP.search(text):
            intro.append(turn.t("broadcast.plain_note"))
        return [
            Reply("\n".join(intro)),
            Reply(broadcasts.message(turn.library, cohorts[0].language, text)),
            Reply(turn.t("broadcast.preview_ask"), (
                Choice(key("broadcast", "now", draft.id), turn.t("broadcast.btn_now")),
                Choice(key("broadcast", "later", draft.id), turn.t("broadcast.btn_later")),
                Choice(key("broadcast", "edit", draft.id), turn.t("broadcast.btn_edit")),
                Choice(key("broadcast", "stop"), turn.t("broadcast.btn_stop"), CANCEL))),
        ]

    # --- sending and scheduling ---------------------------------------------------------------------------

    async def _draft(self, turn: Turn, draft_id: str) -> Broadcast:
        """The draft the preview is about: the one in the state, this facilitator's, still a draft."""
        if draft_id != str(turn.conversation.data.get("id")) or not draft_id.isdigit():
            raise StaleChoice("broadcast")
        draft = await turn.store.broadcasts.get(int(draft_id))
        if draft is None or draft.facilitator_id != turn.require_contact().id or draft.status != BroadcastStatus.DRAFT:
            raise StaleChoice("broadcast")
        return draft

    def _example(self, turn: Turn, cohort: Cohort) -> str:
        tomorrow = local_now(turn.now(), cohort.timezone).date() + timedelta(days=1)
        return f"{tomorrow.isoformat()} 18:00"

    async def _got_when(self, turn: Turn, text: str) -> list[Reply]:
        draft = await self._draft(turn, str(turn.conversation.data.get("id")))
        cohort = await owned_cohort(turn, str(draft.cohort_ids[0]), open_only=True)
        example = self._example(turn, cohort)
        moment = parse_moment(text, cohort.timezone, local_now(turn.now(), cohort.timezone),
                              turn.library.spoken_clocks)
        if moment is None:
            return [Reply(turn.t("broadcast.bad_when", example=example))]
        if moment <= turn.now():
            return [Reply(turn.t("broadcast.in_past", zone=cohort.timezone, example=example))]
        if moment - turn.now() > LATEST:
            return [Reply(turn.t("broadcast.too_far"))]
        return await self._launch(turn, draft, moment)

    async def _launch(self, turn: Turn, draft: Broadcast, due_at: datetime) -> list[Reply]:
        cohorts = await self._cohorts(turn, draft.cohort_ids)
        launched = await broadcasts.launch(turn.store, draft, due_at, turn.now())
        await turn.clear_state()
        if launched is None:
            return [turn.with_menu(turn.t("broadcast.gone"))]
        later = launched.status == BroadcastStatus.SCHEDULED
        await self._audit(turn, Action.BROADCAST_SCHEDULED if later else Action.BROADCAST_SENT, launched)
        if not later:
            return [turn.with_menu(turn.t("broadcast.sent_now", recipients=launched.recipients))]
        zone = cohorts[0].timezone
        return [turn.with_menu(turn.t("broadcast.scheduled", when=_local(due_at, zone), zone=zone,
                                      recipients=launched.recipients))]

    async def _audit(self, turn: Turn, action: Action, broadcast: Broadcast) -> None:
        """One audit line per cohort reached; the text is never logged."""
        for cohort_id in broadcast.cohort_ids:
            await turn.store.facilitators.audit(turn.require_contact().id, action, turn.now(), cohort_id)

    # --- what is under way --------------------------------------------------------------------------------

    async def _under_way(self, turn: Turn) -> list[Reply]:
        waiting = (await turn.store.broadcasts.under_way(turn.require_contact().id))[:MAX_LISTED]
        if not waiting:
            return []
        lines, choices = [], []
        for n, found in enumerate(waiting, 1):
            cohorts = await self._names(turn, found)
            if found.status == BroadcastStatus.SCHEDULED and found.due_at is not None:
                zone = await self._zone(turn, found)
                lines.append(turn.t("broadcast.line_scheduled", n=n, when=_local(found.due_at, zone), zone=zone,
                                    cohorts=cohorts, recipients=found.recipients))
            else:
                pending = await turn.store.deliveries.pending_reasons(found.ref)
                held = pending.get(QUIET_HOURS, 0)
                if held and held == sum(pending.values()):  # what is left waits for people's mornings
                    lines.append(turn.t("broadcast.line_held", n=n, cohorts=cohorts, held=held))
                else:
                    lines.append(turn.t("broadcast.line_sending", n=n, cohorts=cohorts, recipients=found.recipients))
            choices.append(Choice(key("broadcast", "cancel", found.id), turn.t("broadcast.btn_cancel_n", n=n)))
        choices.append(Choice(key("broadcast", "new"), turn.t("broadcast.btn_new")))
        return [Reply(turn.t("broadcast.under_way", lines="\n".join(lines)), tuple(choices))]

    async def _own_under_way(self, turn: Turn, broadcast_id: str) -> Broadcast:
        found = await turn.store.broadcasts.get(int(broadcast_id)) if broadcast_id.isdigit() else None
        if found is None or found.facilitator_id != turn.require_contact().id or found.status not in UNDER_WAY:
            raise StaleChoice("broadcast")
        return found

    async def _cancel(self, turn: Turn, found: Broadcast) -> list[Reply]:
        if not await broadcasts.cancel(turn.store, found, turn.now()):
            raise StaleChoice("broadcast")
        await self._audit(turn, Action.BROADCAST_CANCELLED, found)
        return [turn.with_menu(turn.t("broadcast.cancelled"))]

    async def _names(self, turn: Turn, found: Broadcast) -> str:
        cohorts = [await turn.store.cohorts.get(cohort_id) for cohort_id in found.cohort_ids]
        return _names([c for c in cohorts if c is not None])

    async def _zone(self, turn: Turn, found: Broadcast) -> str:
        first = await turn.store.cohorts.get(found.cohort_ids[0])
        return first.timezone if first is not None else "UTC"


def _names(cohorts: list[Cohort]) -> str:
    return ", ".join(f"“{cohort.name}”" for cohort in cohorts)


def _local(moment: datetime, zone: str) -> str:
    return local_now(moment, zone).strftime("%Y-%m-%d %H:%M")
