"""A typed answer to the latest proactive message with buttons (a follow-up, a reminder, a peer's request) works
as pressing the button would: its number, its label, or a yes/no word. Only the choices are kept (encrypted, for
7 days at most, gone with /forget), and a reply that offers buttons of its own takes over."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Services
from bot.config import Settings, load_settings
from bot.core.clock import FakeClock
from bot.core.outbound import Outgoing
from bot.core.proactive.reminders import reminder_tick
from tests import postgres
from tests.helpers import POSTGRES_URLS, TEST_KEY, Chat, rows, stored_bytes
from tests.outbox import FakeSender, dispatcher, facilitator, member, new_cohort, plan_settings, utc
from tests.peers import scene

pytestmark = pytest.mark.both_engines

FOLLOW_UP = "A small moment for you today 🌱 How are you doing since the workshop?"


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    """The content with a small follow-up plan, on SQLite or on a fresh PostgreSQL database."""
    plan = plan_settings(tmp_path)
    if engine != "postgresql":
        return plan
    url = POSTGRES_URLS[tmp_path / "companion.db"] = postgres.server().fresh_database()
    return load_settings(_env_file=None, database_path=tmp_path / "companion.db", data_key=TEST_KEY,
                         content_dir=plan.content_dir, database_url=url)


async def followed_up(services: Services, clock: FakeClock, sender: FakeSender | None = None) -> Chat:
    """Ana, a member whose first follow-up (with its "Start it now" button) has just been sent."""
    ana = await member(services, await new_cohort(await facilitator(services)))
    clock.set(utc("2026-01-16T07:00:00+00:00"))  # 10:00 in Nairobi
    sending = sender or FakeSender()
    await dispatcher(services, sending).drain()
    assert FOLLOW_UP in sending.texts("ana")
    return ana


def prompts(services: Services) -> int:
    return int(str(rows(services.settings.database_path, "SELECT COUNT(*) FROM prompts")[0][0]))


@pytest.mark.parametrize("typed", ["1", "Start it now", "start it now 🌱", "🌱 Start it now!"])
async def test_typing_the_answer_to_a_follow_up_starts_its_exercise(services: Services, clock: FakeClock,
                                                                    typed: str) -> None:
    ana = await followed_up(services, clock)
    await ana.send(typed)
    assert "Here and now" in ana.text
    found = await services.store.find_person(ana.address)
    assert found is not None and found[1].state is not None and found[1].state.startswith("reflect.")


async def test_typing_yes_to_a_request_for_a_peer_accepts_it(services: Services) -> None:
    s = await scene(services)
    assert s.post.last(s.kito).startswith("Someone would like to talk")
    await s.kito.send("yes")
    assert "Rumi" in s.kito.text
    assert rows(services.settings.database_path, "SELECT status FROM support_asks") == [("accepted",)]


async def test_typing_a_number_after_a_reminder_opens_that_button(services: Services, clock: FakeClock) -> None:
    ana = Chat(services.engine)
    await ana.consent()
    await ana.send("/remind")
    await ana.press("Set a time")
    await ana.send("20:00")
    clock.set(utc("2026-01-16T20:00:00+00:00"))  # the person's zone is the default, UTC
    await reminder_tick(services.store, clock.now())
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert sender.sent[-1].replies[-1].choices[0].label == "✍️ Check in"
    await ana.send("1")
    assert len(ana.replies[-1].choices) == 5  # the five moods of a check-in


async def test_only_the_buttons_are_kept_encrypted_and_they_expire_after_a_week(services: Services,
                                                                               clock: FakeClock) -> None:
    ana = await followed_up(services, clock)
    assert prompts(services) == 1
    if services.settings.database_url is None:
        content = stored_bytes(services.settings.database_path)
        assert b"Start it now" not in content and b"reflect:go" not in content and b"How are you doing" not in content
    clock.advance(days=7, seconds=1)
    await ana.send("1")
    assert "Here and now" not in ana.text
    assert ana.text == services.library.text("en", "errors.not_understood")


async def test_a_reply_with_buttons_of_its_own_takes_over(services: Services, clock: FakeClock) -> None:
    ana = await followed_up(services, clock)
    await ana.send("/menu")
    assert prompts(services) == 0
    await ana.send("1")
    assert "Here and now" not in ana.text


async def test_forget_deletes_them_and_a_message_without_buttons_keeps_nothing(services: Services,
                                                                               clock: FakeClock) -> None:
    ana = await followed_up(services, clock)
    await ana.send("/forget")
    assert prompts(services) == 0  # the confirmation's own buttons are the latest now
    carl = Chat(services.engine, "carl")
    await carl.consent()
    await services.engine.prompted(carl.address, ())  # nothing with buttons: nothing kept
    assert prompts(services) == 0


class HoldingSender(FakeSender):
    """A channel that holds a message back for now (WhatsApp outside its 24-hour window)."""

    def shows(self, outgoing: Outgoing) -> bool:
        return False


async def test_a_message_held_back_counts_only_once_it_is_shown(services: Services, clock: FakeClock) -> None:
    sender = HoldingSender()
    ana = await followed_up(services, clock, sender)
    assert prompts(services) == 0
    await ana.send("1")
    assert "Here and now" not in ana.text  # not seen yet: a typed "1" presses nothing unseen
    await services.engine.prompted(ana.address, sender.sent[-1].replies)  # the person opened it
    await ana.send("1")
    assert "Here and now" in ana.text
