"""A person who changes or removes their buddy: the old buddy hears once, kindly and in their own language, that
they are no longer this person's check-in buddy (nothing about why, nothing a lock screen should not show), and
no alert about that person ever reaches them again."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Services
from bot.core.clock import FakeClock
from bot.library.check import lock_screen
from tests.core.test_checkon import outbox, pair, run
from tests.helpers import Chat, rows
from tests.outbox import facilitator, new_cohort

MONDAY_9 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
ENGLISH = "You're no longer Sunny's check-in buddy"
SWAHILI = "Wewe si tena rafiki wa kumuulizia hali Sunny"


async def invite(ana: Chat, rule: str = "2 days quiet", name: str = "Sunny") -> str:
    """Ana changes her rule and invites a new buddy; return the link code."""
    await ana.send("/checkon")
    await ana.press("Change")
    await ana.press(rule)
    await ana.send(name)
    return next(word for word in ana.text.split() if word.startswith("BD-"))


async def test_a_new_buddy_replaces_the_old_one_who_is_told_once_in_their_language(services: Services,
                                                                                   clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, bo = await pair(services)
    await bo.send("/language")
    await bo.press("Kiswahili")
    cy = Chat(services.engine, "cy")
    await cy.consent()
    await run(services, dispatcher)
    assert sender.texts("bo") == []
    code = await invite(ana)
    await run(services, dispatcher)
    told = sender.texts("bo")
    assert len(told) == 1 and SWAHILI in told[0]
    first_lines = lock_screen(told[0])
    for private in ("buddy", "rafiki", "Sunny", "kimya", "hali"):  # a neutral hello first: no name, no role
        assert private not in first_lines.splitlines()[0]
    await cy.send(f"/buddy {code}")
    await cy.press("Yes")
    clock.advance(days=2)
    await run(services, dispatcher)  # the rule fires: Ana is asked first
    rule = await services.store.checkon.rule((await services.store.contacts.find(ana.address)).id)  # type: ignore[union-attr]
    assert rule is not None and rule.deadline is not None
    clock.set(rule.deadline)
    await run(services, dispatcher)
    await run(services, dispatcher)
    assert sender.texts("bo") == told  # nothing more for the old buddy
    assert any("Sunny has been quiet for a while" in text for text in sender.texts("cy"))
    await bo.send("/checkon")
    assert "Sunny" not in bo.text


async def test_stopping_check_on_me_tells_the_buddy_once(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _bo = await pair(services)
    await ana.send("/checkon")
    await ana.press("Stop check on me")
    await run(services, dispatcher)
    await run(services, dispatcher)
    assert [ENGLISH in text for text in sender.texts("bo")] == [True]
    named = "SELECT COUNT(*) FROM deliveries WHERE ref LIKE 'checkon:of:%'"
    assert rows(services.settings.database_path, named) == [(1,)]
    await ana.send("/forget")
    await ana.press("Yes, delete")
    assert rows(services.settings.database_path, named) == [(0,)]  # the name Ana chose goes with her


async def test_choosing_a_peer_supporter_instead_tells_the_buddy(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _bo = await pair(services)
    await ana.send(f"/join {await new_cohort(await facilitator(services))}")
    await ana.send("/checkon")
    await ana.press("Change")
    await ana.press("2 days quiet")
    await ana.press("A peer supporter")
    await ana.send("Sunny")
    await run(services, dispatcher)
    assert [ENGLISH in text for text in sender.texts("bo")] == [True]


async def test_keeping_the_buddy_while_changing_the_rule_tells_nobody(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _bo = await pair(services)
    await ana.send("/checkon")
    await ana.press("Change")
    await ana.press("7 days quiet")
    await ana.press("Keep")
    assert "7 days" in ana.text and "Sunny (accepted)" in ana.text
    await run(services, dispatcher)
    assert sender.texts("bo") == []


async def test_replacing_a_link_nobody_accepted_tells_nobody(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, bo = Chat(services.engine, "ana"), Chat(services.engine, "bo")
    await ana.consent()
    await bo.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    await invite(ana, name="Sun")
    await run(services, dispatcher)
    assert sender.texts("bo") == [] and sender.texts("ana") == []
