"""'Check on me': a rule the person sets, a buddy who agreed to be told, and a countdown the person controls.

When the rule fires the person is asked first ("Are you okay?"); only if the countdown runs out is the buddy
sent a discreet nudge with the person's chosen name — no mood, no note, no reason. Either side can leave at
any time, and /forget on either side removes the pairing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.core.checkon import COUNTDOWN, LOW_STREAK_CHOICE, QUIET_DAY_CHOICES
from bot.core.domain import Buddy, Contact, ContactStatus, NewRequest, Reach, Rule, RuleState, is_buddy_code
from bot.core.features.base import Feature, Turn, key
from bot.core.features.cohorts import short
from bot.core.features.move import WrongCodes
from bot.core.messages import Choice, Reply
from bot.core.peers import ask_next, give_up
from bot.core.ports import Store
from bot.core.text import one_line
from bot.errors import StaleChoice

log = logging.getLogger(__name__)

KIND = "checkon"
NAME_STATE = "checkon.name"
ACCEPT_STATE = "checkon.accept"
MAX_NAME_CHARS = 40


def visible(text: str) -> str:
    """What another person may see of a typed name: the shared cleaning (no bidi, zero-width or blank tricks)."""
    return one_line(text)[:MAX_NAME_CHARS].strip()


async def notify(store: Store, contact_id: int, ui_key: str, idem: str, now: datetime) -> None:
    """A plain message to someone else, through the outbox (it respects their quiet hours and /stop)."""
    await store.deliveries.enqueue(contact_id, "notice", idem, now, {"key": ui_key}, now)


def letgo_ref(contact_id: int) -> str:
    """The outbox rows that carry this person's chosen name to a former buddy: deleted when the person forgets."""
    return f"checkon:of:{contact_id}"


async def let_go(store: Store, old: Buddy | None, now: datetime) -> None:
    """The person chose someone else, a peer supporter or no one: a buddy who had accepted hears it once, with the
    name they knew and nothing about why. Their pairing row is gone already, so no nudge can reach them again."""
    if old is None or old.buddy_id is None:
        return  # a link nobody accepted: there is no one to tell
    await store.deliveries.enqueue(old.buddy_id, "notice", f"checkon:letgo:{old.id}", now,
                                   {"key": "checkon.notify_buddy_ended", "values": {"name": old.name}}, now,
                                   ref=letgo_ref(old.contact_id))


async def tell_buddy(store: Store, contact_id: int, now: datetime) -> bool:
    """The countdown ran out (or the person asked): nudge the buddy once, unless the person said /stop."""
    person = await store.contacts.get(contact_id)
    rule = await store.checkon.rule(contact_id)
    if person is None or person.status != ContactStatus.ACTIVE or not await store.checkon.tell(contact_id, now):
        return False
    if rule is not None and rule.by_peer:
        return await tell_peer(store, person, now)
    buddy = await store.checkon.of(contact_id)
    if buddy is None or buddy.buddy_id is None:
        return False
    await store.deliveries.enqueue(buddy.buddy_id, KIND, f"checkon:nudge:{buddy.id}:{int(now.timestamp())}", now,
                                   {"step": "nudge", "row": buddy.id}, now)
    log.info("check on me: a buddy nudge was queued")
    return True


async def tell_peer(store: Store, person: Contact, now: datetime) -> bool:
    """Ask an approved peer supporter from the person's groups, anonymously, as /support does.

    The request goes through the usual matching (a shared cohort, the approving-facilitator rule, /report
    blocks, quiet hours) and asks one volunteer at a time. It is made "through the bot", so when a volunteer
    says yes they talk in the relay, each seeing only the other's chosen name: no contact detail moves.
    """
    name = await store.checkon.peer_name(person.id)
    if name is None or await store.support.link(person.id) is not None:  # already talking with a peer
        return name is not None
    cohorts = await store.cohorts.memberships(person.id)
    request_id = await store.support.create(person.id, NewRequest(person.language, name, None, Reach.BOT, None),
                                            cohorts[0].id if cohorts else None, now, checkon=True)
    request = await store.support.get(request_id)
    if request is not None and await ask_next(store, request, now):
        log.info("check on me: a peer supporter was asked")
        return True
    if request is not None:
        await give_up(store, request, now)
    await notify(store, person.id, "checkon.peer_no_one", f"checkon:noone:{request_id}", now)
    return True


def ask_reply(t: Callable[..., str], deadline: datetime, now: datetime, peer: bool = False) -> Reply:
    """The question to the person whose rule fired, with the two answers."""
    hours = max(1, round((deadline - now).total_seconds() / 3600))
    return Reply(t("checkon.ask_peer" if peer else "checkon.ask", hours=hours), (
        Choice(key("checkon", "ok"), t("checkon.btn_ok")),
        Choice(key("checkon", "now"), t("checkon.btn_now")),
    ))


def nudge_reply(t: Callable[..., str], buddy: Buddy) -> Reply:
    """The nudge to a buddy: the chosen name only."""
    return Reply(t("checkon.nudge", name=buddy.name),
                 (Choice(key("checkon", "reach", buddy.id), t("checkon.btn_reach")),))


class CheckOnFeature(Feature):
    name = "checkon"
    commands = ("checkon", "buddy")

    def __init__(self) -> None:
        self.wrong = WrongCodes()

    async def on_command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        if command == "buddy":
            return await self._buddy_link(turn, args)
        return await self._overview(turn)

    async def _overview(self, turn: Turn) -> list[Reply]:
        contact = turn.require_contact()
        store = turn.store
        rule, buddy = await store.checkon.rule(contact.id), await store.checkon.of(contact.id)
        watched = await store.checkon.watched_by(contact.id)
        leave = tuple(Choice(key("checkon", "leave", b.id), f'{turn.t("checkon.btn_leave")}: {b.name}')
                      for b in watched[:3])
        lines = "".join(turn.t("checkon.buddy_for", name=b.name) + "\n" for b in watched)
        peer = await store.checkon.peer_name(contact.id) if rule is not None and rule.by_peer else None
        if rule is None or (buddy is None and peer is None):
            return [Reply(lines + turn.t("checkon.intro"), (*self._rule_choices(turn), *leave))]
        if peer is not None:
            who = turn.t("checkon.peer_status", name=peer)
        else:
            assert buddy is not None
            who = turn.t("checkon.buddy_yes" if buddy.accepted else "checkon.buddy_waiting", name=buddy.name)
        status = turn.t("checkon.status", rule=self._describe(turn, rule), buddy=who)
        return [Reply(lines + status, (
            Choice(key("checkon", "change"), turn.t("checkon.btn_change")),
            Choice(key("checkon", "stop"), turn.t("checkon.btn_stop")),
            *leave,
        ))]

    def _rule_choices(self, turn: Turn) -> tuple[Choice, ...]:
        days = tuple(Choice(key("checkon", "rule", n, 0), turn.t("checkon.btn_days", days=n))
                     for n in QUIET_DAY_CHOICES)
        return (*days, Choice(key("checkon", "rule", 0, LOW_STREAK_CHOICE),
                              turn.t("checkon.btn_low", count=LOW_STREAK_CHOICE)),
                Choice(key("checkon", "rule", QUIET_DAY_CHOICES[1], LOW_STREAK_CHOICE), turn.t("checkon.btn_both")),
                Choice("menu:menu", turn.t("menu.btn_menu")))

    def _describe(self, turn: Turn, rule: Rule) -> str:
        parts = []
        if rule.quiet_days:
            parts.append(turn.t("checkon.rule_days", days=rule.quiet_days))
        if rule.low_streak:
            parts.append(turn.t("checkon.rule_low", count=rule.low_streak))
        return " / ".join(parts)

    async def on_choice(self, turn: Turn, parts: list[str]) -> list[Reply]:
        contact = turn.require_contact()
        store, now = turn.store, turn.now()
        match parts:
            case ["open"]:
                return await self._overview(turn)
            case ["change"]:
                return [Reply(turn.t("checkon.intro"), self._rule_choices(turn))]
            case ["rule", days, low] if days.isdigit() and low.isdigit():
                quiet_days, low_streak = int(days) or None, int(low) or None
                if quiet_days not in (None, *QUIET_DAY_CHOICES) or low_streak not in (None, LOW_STREAK_CHOICE) \
                        or (quiet_days is None and low_streak is None):
                    raise StaleChoice("checkon")
                await turn.set_state(NAME_STATE, {"days": quiet_days, "low": low_streak})
                buddy = await store.checkon.of(contact.id)
                keep = (Choice(key("checkon", "keep"), short(turn.t("checkon.btn_keep", name=buddy.name))),) \
                    if buddy is not None else ()
                return [Reply(turn.t("checkon.ask_name"),
                              (*keep, Choice(key("checkon", "peer"), turn.t("checkon.btn_peer"))))]
            case ["keep"] if turn.conversation.state == NAME_STATE:
                if await store.checkon.of(contact.id) is None:  # they left meanwhile: a new name is needed
                    return [Reply(turn.t("checkon.ask_name"))]
                data = turn.conversation.data
                await store.checkon.set_rule(contact.id, data.get("days"), data.get("low"), now)
                await turn.clear_state()
                return await self._overview(turn)
            case ["peer"] if turn.conversation.state == NAME_STATE:
                if not await store.cohorts.memberships(contact.id):
                    return [Reply(turn.t("checkon.peer_no_group") + "\n" + turn.t("checkon.ask_name"))]
                await turn.set_state(NAME_STATE, {**turn.conversation.data, "peer": True})
                return [Reply(turn.t("checkon.ask_peer_name"))]
            case ["stop"]:
                await store.checkon.remove_rule(contact.id)
                buddy = await store.checkon.of(contact.id)
                if buddy is not None and await store.checkon.end(buddy.id):
                    await let_go(store, buddy, now)
                return [turn.with_menu(turn.t("checkon.stopped"))]
            case ["ok"]:
                await store.checkon.rearm(contact.id, now)
                return [turn.with_menu(turn.t("checkon.glad"))]
            case ["now"]:
                rule = await store.checkon.rule(contact.id)
                if rule is None or rule.state != RuleState.ASKING or not await tell_buddy(store, contact.id, now):
                    return [turn.with_menu(turn.t("checkon.nothing_to_tell"))]
                return [turn.with_menu(turn.t("checkon.telling_peer" if rule.by_peer else "checkon.telling"))]
            case ["accept" | "decline" as answer] if turn.conversation.state == ACCEPT_STATE:
                return await self._answer(turn, answer)
            case ["show"]:
                return await self._waiting(turn)
            case ["reach", row] if row.isdigit():
                buddy = await store.checkon.get(int(row))
                told = await store.checkon.rule(buddy.contact_id) if buddy is not None else None
                if buddy is None or buddy.buddy_id != contact.id or told is None or told.state != RuleState.TOLD \
                        or told.deadline is None:
                    raise StaleChoice("checkon")  # only an answer to a nudge, and the person hears it once per nudge
                await notify(store, buddy.contact_id, "checkon.reaching_out",
                             f"checkon:reach:{buddy.id}:{int(told.deadline.timestamp())}", now)
                return [turn.with_menu(turn.t("checkon.thanks"))]
            case ["leave", row] if row.isdigit():
                buddy = await store.checkon.get(int(row))
                if buddy is None or buddy.buddy_id != contact.id:
                    raise StaleChoice("checkon")
                await store.checkon.end(buddy.id)
                await notify(store, buddy.contact_id, "checkon.buddy_left", f"checkon:left:{buddy.id}", now)
                return [turn.with_menu(turn.t("checkon.left"))]
        raise StaleChoice("checkon")

    async def _waiting(self, turn: Turn) -> list[Reply]:
        """What a discreet greeting stood for: the question to this person, or a nudge about someone they watch."""
        contact, store, now = turn.require_contact(), turn.store, turn.now()
        replies = []
        rule = await store.checkon.rule(contact.id)
        if rule is not None and rule.state == RuleState.ASKING and rule.deadline is not None:
            replies.append(ask_reply(turn.t, rule.deadline, now, rule.by_peer))
        for buddy in await store.checkon.watched_by(contact.id):
            theirs = await store.checkon.rule(buddy.contact_id)
            if theirs is not None and theirs.state == RuleState.TOLD:
                replies.append(nudge_reply(turn.t, buddy))
        return replies or await self._overview(turn)

    def awaits_text(self, state: str) -> bool:
        return state == NAME_STATE

    async def on_forget(self, turn: Turn) -> None:
        """A former buddy's notice still waiting holds the name this person chose: it goes with them."""
        await turn.store.deliveries.purge(letgo_ref(turn.require_contact().id))

    async def on_text(self, turn: Turn, text: str) -> list[Reply]:
        if turn.conversation.state != NAME_STATE:
            raise StaleChoice("checkon")
        name = visible(text)
        if not name:
            return [Reply(turn.t("checkon.ask_name"))]
        contact, data, now = turn.require_contact(), turn.conversation.data, turn.now()
        old = await turn.store.checkon.of(contact.id)  # a new buddy, or a peer supporter, replaces them
        if data.get("peer"):
            await turn.store.checkon.set_rule(contact.id, data.get("days"), data.get("low"), now, peer_name=name)
            await let_go(turn.store, old, now)
            await turn.clear_state()
            return [turn.with_menu(turn.t("checkon.peer_set", name=name,
                                          hours=int(COUNTDOWN.total_seconds() // 3600)))]
        await turn.store.checkon.set_rule(contact.id, data.get("days"), data.get("low"), now)
        code, expires = await turn.store.checkon.invite(contact.id, name, now)
        await let_go(turn.store, old, now)
        await turn.clear_state()
        link = f"https://t.me/{turn.engine.bot_username}?start={code}" if turn.engine.bot_username else ""
        how = turn.t("checkon.how_link", link=link, code=code) if link else turn.t("checkon.how_code", code=code)
        return [Reply(turn.t("checkon.invite", how=how, until=expires.date().isoformat(),
                             hours=int(COUNTDOWN.total_seconds() // 3600))),
                turn.with_menu(turn.t("checkon.invite_after"))]

    async def _buddy_link(self, turn: Turn, code: str) -> list[Reply]:
        contact, now = turn.require_contact(), turn.now()
        if self.wrong.blocked(turn.incoming.sender, now):
            return [turn.with_menu(turn.t("move.too_many"))]
        invite = await turn.store.checkon.pending_invite(code, now) if is_buddy_code(code) else None
        if invite is None:
            self.wrong.add(turn.incoming.sender, now)
            return [turn.with_menu(turn.t("checkon.bad_link"))]
        if invite.contact_id == contact.id:
            return [turn.with_menu(turn.t("checkon.own_link"))]
        await turn.set_state(ACCEPT_STATE, {"row": invite.id})  # the row, never the code: only its hash is kept
        return [Reply(turn.t("checkon.asked", name=invite.name), (
            Choice(key("checkon", "accept"), turn.t("checkon.btn_accept")),
            Choice(key("checkon", "decline"), turn.t("checkon.btn_decline")),
        ))]

    async def _answer(self, turn: Turn, answer: str) -> list[Reply]:
        contact, store, now = turn.require_contact(), turn.store, turn.now()
        row = int(turn.conversation.data.get("row", 0))
        await turn.clear_state()
        invite: Buddy | None = await store.checkon.get(row)
        if invite is None or invite.accepted or not await store.checkon.still_open(invite.id, now):
            return [turn.with_menu(turn.t("checkon.bad_link"))]
        if answer == "decline":
            await store.checkon.end(invite.id)
            await notify(store, invite.contact_id, "checkon.buddy_declined", f"checkon:declined:{invite.id}", now)
            return [turn.with_menu(turn.t("checkon.declined"))]
        if not await store.checkon.accept(invite, contact.id, now):  # taken or withdrawn meanwhile
            return [turn.with_menu(turn.t("checkon.bad_link"))]
        await notify(store, invite.contact_id, "checkon.buddy_accepted", f"checkon:accepted:{invite.id}", now)
        return [turn.with_menu(turn.t("checkon.accepted", name=invite.name))]
