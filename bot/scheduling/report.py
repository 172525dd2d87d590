"""`python -m bot schedule list`: what is waiting in the outbox, and in plain words why a delivery did not go.

Nothing here names a person: rows show an internal contact number at most.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.deliveries import Delivery, DeliveryStatus, PendingGroup

REASONS = {
    "stopped": "the person sent /stop, so nothing proactive goes to them until they send /start",
    "blocked": "the person blocked the bot, or can no longer be reached on their channel",
    "left": "the person left the cohort",
    "cohort_closed": "the cohort was closed",
    "date_changed": "the workshop date (or the person's time zone) changed and its new moment had passed",
    "checked_in": "the person had already checked in that day",
    "reminder_off": "the person turned their daily reminder off",
    "expired": "it could not go in time (the bot was not running, or it was held back) and was too late to send",
    "step_removed": "its step is no longer in the follow-up plan",
    "forgotten": "the person's data was deleted (/forget)",
    "unknown_kind": "no part of the bot knows how to write this kind of message",
    "quiet_hours": "it fell in the person's quiet hours",
    "retry": "the platform had a temporary problem (or asked us to slow down)",
    "no_channel": "the person's channel is not running in this deployment",
    "error": "an unexpected error on our side (see the logs)",
    "broadcast_cancelled": "the facilitator cancelled the broadcast",
    "recovered": "the bot stopped while it was being sent, so it goes again (it may arrive twice)",
    "unconfirmed": "it went out but the platform's answer never came back; it was most likely delivered and is"
                   " not sent again, so no one gets it twice",
}


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def reason_text(reason: str | None) -> str:
    if not reason:
        return "no reason was recorded"
    if reason.startswith("gave_up:"):
        return "it kept failing and was given up; the last failure: " + reason_text(reason.split(":", 1)[1])
    return REASONS.get(reason, reason)


def pending_table(groups: list[PendingGroup], total: int) -> list[str]:
    """One line per pending delivery, or per group of deliveries with the same kind, moment and cohort."""
    lines = [f"{'id':>7}  {'kind':<10} {'due (UTC)':<16}  {'cohort':>6}  {'recipients':<12} note"]
    for group in groups:
        who = f"contact {group.contact_id}" if group.contact_id is not None else f"{group.recipients} people"
        cohort = str(group.cohort_id) if group.cohort_id is not None else "-"
        lines.append(f"{group.first_id:>7}  {group.kind:<10} {utc(group.due_at):<16}  {cohort:>6}  {who:<12} "
                     f"{group.reason or ''}".rstrip())
    shown = sum(group.recipients for group in groups)
    more = f" ({total - shown} more not shown)" if total > shown else ""
    lines.append(f"{total} pending deliver{'y' if total == 1 else 'ies'}{more}")
    return lines


def why(delivery_id: int, delivery: Delivery | None) -> str:
    """Why a delivery went, is waiting, or did not go, in plain words."""
    if delivery is None:
        return (f"No delivery {delivery_id}: it never existed, or it was deleted with the person's data "
                "(/forget).")
    head = f"Delivery {delivery.id} ({delivery.kind}, due {utc(delivery.due_at)} UTC, {delivery.attempts} attempt(s))"
    match delivery.status:
        case DeliveryStatus.SENT if delivery.reason:
            return f"{head} was sent, unconfirmed: {reason_text(delivery.reason)}."
        case DeliveryStatus.SENT:
            return f"{head} was sent."
        case DeliveryStatus.SENDING:
            return f"{head} is being sent right now; if the bot stopped meanwhile, it goes again at the next start."
        case DeliveryStatus.PENDING if delivery.reason:
            return f"{head} is waiting: {reason_text(delivery.reason)}. It goes at {utc(delivery.due_at)} UTC."
        case DeliveryStatus.PENDING:
            return f"{head} is waiting for its time."
        case DeliveryStatus.CANCELLED:
            return f"{head} was cancelled: {reason_text(delivery.reason)}."
    return f"{head} failed: {reason_text(delivery.reason)}."
