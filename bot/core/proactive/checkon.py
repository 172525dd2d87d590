"""The 'check on me' tick and the messages it sends; the rules themselves are in bot/core/checkon.py."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot.core.checkon import countdown_end, fires
from bot.core.domain import Contact, ContactStatus, Delivery, RequestStatus, Rule, RuleState
from bot.core.features.checkon import KIND, ask_reply, nudge_reply, tell_buddy
from bot.core.i18n import Library
from bot.core.messages import Reply
from bot.core.ports import Store
from bot.core.proactive.render import Renderers, SkipDelivery


async def with_a_peer(store: Store, contact_id: int) -> RequestStatus | None:
    """Whether the person is in a peer conversation through /support (either side): RELAY while they talk, ASKING
    while a supporter is being looked for them; None when not.

    "Check on me" is for someone who went quiet. Someone talking with a peer is not quiet and has someone with
    them, so while it lasts no buddy or second supporter is sent to reach out (one outreach at a time).
    """
    link = await store.support.link(contact_id)
    return None if link is None else link.request.status


async def checkon_tick(store: Store, now: datetime) -> int:
    """Ask people whose rule fired, tell buddies whose countdown ran out, re-arm after a check-in."""
    changed = 0
    for rule in await store.checkon.in_state(RuleState.WATCHING):
        changed += await _maybe_ask(store, rule, now)
    for rule in await store.checkon.in_state(RuleState.ASKING):
        person = await store.contacts.get(rule.contact_id)
        if person is None or person.status != ContactStatus.ACTIVE:
            changed += await store.checkon.rearm(rule.contact_id, now)  # /stop ends the countdown; no nudge later
        elif rule.deadline is not None and rule.deadline <= now:
            peer = await with_a_peer(store, rule.contact_id)
            if peer == RequestStatus.RELAY:  # they answered the only way that matters: talking with a peer
                changed += await store.checkon.rearm(rule.contact_id, now)
            elif peer is None:
                changed += await tell_buddy(store, rule.contact_id, now)
            # while a supporter is still being looked for, wait: that ends in a talk (above) or with no one free
    for rule in await store.checkon.in_state(RuleState.TOLD):
        if rule.deadline is not None and await store.checkins.since(rule.contact_id, rule.deadline):
            changed += await store.checkon.rearm(rule.contact_id, now)
    return changed


async def _maybe_ask(store: Store, rule: Rule, now: datetime) -> int:
    buddy = await store.checkon.of(rule.contact_id)
    contact = await store.contacts.get(rule.contact_id)
    if contact is None or contact.status != ContactStatus.ACTIVE:
        return 0
    if not rule.by_peer and (buddy is None or not buddy.accepted):
        return 0
    if await with_a_peer(store, contact.id) is not None:
        return 0  # not quiet: talking with a peer, or asking for one; the rule counts again once that is over
    moods = [(c.at, c.mood) for c in await store.checkins.since(rule.contact_id, rule.since)]
    if not fires(rule.quiet_days, rule.low_streak, rule.since, moods, now):
        return 0
    quiet = (await store.reminders.get(contact.id)).quiet
    if not await store.checkon.ask(rule, countdown_end(now, quiet, contact.timezone)):
        return 0
    await store.deliveries.enqueue(contact.id, KIND, f"checkon:ask:{contact.id}:{int(rule.since.timestamp())}", now,
                                   {"step": "ask"}, now)
    return 1


class CheckOnMessages:
    """The `checkon` renderer: the question to the person, the nudge to the buddy (their chosen name only)."""

    def __init__(self, store: Store, library: Library) -> None:
        self.store = store
        self.library = library

    def register(self, renderers: Renderers) -> None:
        renderers.by_kind[KIND] = self.render

    async def render(self, delivery: Delivery, contact: Contact, now: datetime) -> tuple[Reply, ...]:
        t, step = partial(self.library.text, contact.language), delivery.payload.get("step")
        if step == "ask":
            rule = await self.store.checkon.rule(contact.id)
            if rule is None or rule.state != RuleState.ASKING or rule.deadline is None:
                raise SkipDelivery("answered")
            return (ask_reply(t, rule.deadline, now, rule.by_peer),)
        buddy = await self.store.checkon.get(int(delivery.payload.get("row", 0)))
        if step != "nudge" or buddy is None or buddy.buddy_id != contact.id:
            raise SkipDelivery("buddy_left")
        person = await self.store.contacts.get(buddy.contact_id)
        if person is None or person.status != ContactStatus.ACTIVE:
            raise SkipDelivery("stopped")  # the person said /stop after the nudge was queued
        if await with_a_peer(self.store, person.id) == RequestStatus.RELAY:
            raise SkipDelivery("with_a_peer")  # a peer is talking with them now: no second person reaching out
        return (nudge_reply(t, buddy),)
