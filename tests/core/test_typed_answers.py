"""Typed answers at every choice step of every feature: a label (any case, no accents or emoji), a yes/no word
in English or in the person's own language, or a choice's number. Anything else asks again and keeps the step;
"that button is from an earlier moment" is said only of an old button press."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.app import Services
from bot.core.messages import Incoming
from bot.storage.contacts import Contact
from tests.helpers import Chat, rows
from tests.outbox import facilitator, new_cohort
from tests.peers import Person, group, scene, volunteer

pytestmark = pytest.mark.both_engines

STALE = "earlier moment"


async def press_meaning(chat: Chat, means: str) -> None:
    """Press the yes (or no) choice, whatever the language."""
    await chat.press_key(next(c.key for c in chat.choices if c.means == means))


async def _old_press_meaning(chat: Chat, means: str) -> None:  # pragma: no cover - only to run against old code
    wanted = {"yes": (":yes", ":on"), "no": (":no", ":off")}[means]
    await chat.press_key(next(c.key for c in chat.choices if any(w in c.key for w in wanted)))


async def person(services: Services, name: str = "ana", language: str = "English") -> Person:
    """A consented person (no notes) who chose `language` at the start."""
    chat = Person(services, name)
    await chat.send("/start")
    await chat.press(language)
    await press_meaning(chat, "yes")
    await press_meaning(chat, "no")
    return chat


async def contact(services: Services, chat: Chat) -> Contact | None:
    return await services.store.contacts.find(chat.address)


async def state(services: Services, chat: Chat) -> str | None:
    found = await services.store.find_person(chat.address)
    return found[1].state if found else None


def keys(chat: Chat) -> list[str]:
    return [choice.key for choice in chat.replies[-1].choices] if chat.replies else []


# --- the steps: each brings a person to a question and returns them ---------------------------------------

async def at_language(services: Services) -> Chat:
    chat = Chat(services.engine, "newcomer")
    await chat.send("/start")
    return chat


def at_consent(language: str) -> Callable[[Services], Awaitable[Chat]]:
    async def reach(services: Services) -> Chat:
        chat = await at_language(services)
        await chat.press(language)
        return chat
    return reach


def at_notes(language: str) -> Callable[[Services], Awaitable[Chat]]:
    async def reach(services: Services) -> Chat:
        chat = await at_consent(language)(services)
        await press_meaning(chat, "yes")
        return chat
    return reach


async def at_language_command(services: Services) -> Chat:
    chat = await person(services)
    await chat.send("/language")
    return chat


def at_forget(language: str) -> Callable[[Services], Awaitable[Chat]]:
    async def reach(services: Services) -> Chat:
        chat = await person(services, language=language)
        await chat.send("/forget")
        return chat
    return reach


async def at_mood(services: Services) -> Chat:
    chat = await person(services)
    await chat.send("/checkin")
    return chat


async def at_suggestion(services: Services) -> Chat:
    chat = await person(services)
    await chat.send("/reflect")
    return chat


async def at_stages(services: Services) -> Chat:
    chat = await at_suggestion(services)
    await chat.press("Choose a stage")
    return chat


async def at_exercises(services: Services) -> Chat:
    chat = await at_stages(services)
    await chat.press("Self")
    return chat


async def at_next_step(services: Services) -> Chat:
    chat = await at_exercises(services)
    await chat.press("Here and now")
    return chat


async def at_choice_step(services: Services) -> Chat:
    chat = await at_next_step(services)
    for _ in range(4):
        await chat.press("Next")
    return chat


def at_remind(button: str) -> Callable[[Services], Awaitable[Chat]]:
    async def reach(services: Services) -> Chat:
        chat = await person(services)
        await chat.send("/remind")
        await chat.press(button)
        return chat
    return reach


def at_leave(language: str) -> Callable[[Services], Awaitable[Chat]]:
    async def reach(services: Services) -> Chat:
        fay = await facilitator(services)
        code = await new_cohort(fay)
        chat = await person(services, "mo", language)
        await chat.send(f"/join {code}")
        await chat.send("/join")
        await chat.press("Spring group")
        return chat
    return reach


async def at_cohort_date(services: Services) -> Chat:
    fay = await facilitator(services)
    await fay.send("/newcohort")
    await fay.send("Spring group")
    return fay


async def at_cohort_language(services: Services) -> Chat:
    fay = await at_cohort_date(services)
    await fay.press("Today")
    return fay


async def at_cohort_zone(services: Services) -> Chat:
    fay = await at_cohort_language(services)
    await fay.press("English")
    return fay


async def at_cohort_close(services: Services) -> Chat:
    fay = await facilitator(services)
    await new_cohort(fay)
    await fay.send("/cohorts")
    await fay.press("Spring group")
    await fay.press("Close cohort")
    return fay


async def at_broadcast_pick(services: Services) -> Chat:
    fay = await facilitator(services)
    await new_cohort(fay, "Spring group")
    await new_cohort(fay, "Autumn group")
    await fay.send("/broadcast")
    return fay


async def at_broadcast_preview(services: Services) -> Chat:
    fay = await at_broadcast_pick(services)
    await fay.press("Spring")
    await fay.press("Next")
    await fay.send("See you on Friday")
    return fay


async def at_broadcast_cancel(services: Services) -> Chat:
    fay = await at_broadcast_preview(services)
    await fay.press("Choose a time")
    await fay.send("2026-12-24 18:00")
    await fay.send("/broadcast")
    await fay.press("Cancel 1")
    return fay


async def at_offer_languages(services: Services) -> Chat:
    g = await group(services)
    chat = await g.member("sam")
    await chat.send("/offer")
    return chat


async def at_offer_reach(services: Services) -> Chat:
    chat = await at_offer_languages(services)
    await chat.press("Done")
    await chat.send("Sam")
    await chat.send("I have been there too.")
    return chat


async def at_offer_when(services: Services) -> Chat:
    chat = await at_offer_reach(services)
    await chat.press("Only through")
    return chat


async def at_support_reach(services: Services) -> Chat:
    g = await group(services)
    await volunteer(g, "vol-1", "Kito")
    chat = await g.member("rumi")
    await chat.send("/support")
    await chat.press("Talk to a peer")
    await chat.send("Rumi")
    await chat.press("Skip")
    return chat


async def at_report_share(services: Services) -> Chat:
    chat = (await scene(services, accept=True)).rumi
    await chat.send("/end")
    await chat.send("/report")
    await chat.send("They were rude")
    return chat


# --- what must have happened ----------------------------------------------------------------------------

Check = Callable[[Services, Chat], Awaitable[None]]


def consent_in(language: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        assert await contact(services, chat) is None
        assert keys(chat)[0].startswith(f"start:yes:{language}")
    return check


def consented_in(language: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        found = await contact(services, chat)
        assert found is not None and found.language == language
        assert keys(chat) == ["start:notes:off", "start:notes:on"]
    return check


def notes(kept: bool) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        found = await contact(services, chat)
        assert found is not None and found.keep_notes is kept
        assert await state(services, chat) is None
    return check


def speaks(language: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        found = await contact(services, chat)
        assert found is not None and found.language == language
    return check


async def forgotten(services: Services, chat: Chat) -> None:
    assert await contact(services, chat) is None


async def kept(services: Services, chat: Chat) -> None:
    assert await contact(services, chat) is not None
    assert await state(services, chat) is None


def mood(value: int) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        found = await contact(services, chat)
        assert found is not None
        assert [c.mood for c in await services.store.checkins.latest(found.id, 5)] == [value]
    return check


def offered(prefix: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        own = [k for k in keys(chat) if not k.startswith("menu:")]
        assert own and any(k.startswith(prefix) for k in own)
    return check


def says(*words: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        for word in words:
            assert word in chat.text
    return check


def labelled(label: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        assert label in [choice.label for choice in chat.replies[-1].choices]
    return check


def in_state(expected: str | None, *words: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        assert await state(services, chat) == expected
        for word in words:
            assert word in chat.text
    return check


def asked_again(expected: str | None) -> Check:
    """Asked again kindly, with the same choices, at the same step."""
    async def check(services: Services, chat: Chat) -> None:
        assert "didn't catch which one" in chat.text
        assert chat.replies[-1].choices
        assert await state(services, chat) == expected
    return check


async def reminder_at(services: Services, chat: Chat) -> None:
    found = await contact(services, chat)
    assert found is not None
    settings = await services.store.reminders.get(found.id)
    assert settings.enabled and settings.minute == 19 * 60


async def no_quiet(services: Services, chat: Chat) -> None:
    found = await contact(services, chat)
    assert found is not None
    assert (await services.store.reminders.get(found.id)).quiet is None


def zone(expected: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        found = await contact(services, chat)
        assert found is not None and found.timezone == expected
    return check


async def left(services: Services, chat: Chat) -> None:
    found = await contact(services, chat)
    assert found is not None
    assert await services.store.cohorts.memberships(found.id) == []


async def stayed(services: Services, chat: Chat) -> None:
    found = await contact(services, chat)
    assert found is not None
    assert [c.name for c in await services.store.cohorts.memberships(found.id)] == ["Spring group"]
    assert await state(services, chat) is None


def cohort_status(expected: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        found = await contact(services, chat)
        assert found is not None
        assert [c.status for c in await services.store.cohorts.owned_by(found.id)] == [expected]
    return check


def volunteered(availability: str) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        found = await contact(services, chat)
        assert found is not None
        saved = await services.store.volunteers.get(found.id)
        assert saved is not None and saved.offer.availability == availability
    return check


def reported(*, shared: bool) -> Check:
    async def check(services: Services, chat: Chat) -> None:
        assert await state(services, chat) is None
        assert rows(services.settings.database_path, "SELECT shared FROM support_reports") == [(int(shared),)]
    return check


@dataclass(frozen=True)
class Row:
    step: str
    reach: Callable[[Services], Awaitable[Chat]]
    typed: str
    check: Check


ROWS = [
    # /start: the language, the consent (the reported bug: "yes" went back to the language question), notes
    Row("start.language", at_language, "kiswahili", consent_in("sw")),
    Row("start.language", at_language, "  ESPAÑOL ", consent_in("es")),
    Row("start.language", at_language, "espanol", consent_in("es")),
    Row("start.language", at_language, "2", consent_in("es")),
    Row("start.consent", at_consent("English"), "yes", consented_in("en")),
    Row("start.consent", at_consent("English"), "I agree", consented_in("en")),
    Row("start.consent", at_consent("English"), "✅ i agree!", consented_in("en")),
    Row("start.consent", at_consent("English"), "1", consented_in("en")),
    Row("start.consent", at_consent("Kiswahili"), "ndiyo", consented_in("sw")),
    Row("start.consent", at_consent("Español"), "Sí, acepto", consented_in("es")),
    Row("start.consent", at_consent("English"), "what is this?", consent_in("en")),
    Row("start.consent", at_consent("English"), "not now", says("saved nothing")),
    Row("start.notes", at_notes("English"), "keep my notes", notes(True)),
    Row("start.notes", at_notes("English"), "no", notes(False)),
    Row("start.notes", at_notes("Kiswahili"), "ndiyo", notes(True)),
    Row("start.notes", at_notes("Français"), "non merci", notes(False)),
    # /language
    Row("language.choose", at_language_command, "Français", speaks("fr")),
    Row("language.choose", at_language_command, "francais", speaks("fr")),
    Row("language.choose", at_language_command, "5", speaks("sw")),
    Row("language.choose", at_language_command, "klingon", asked_again("language.choose")),
    # /forget (the reported bug: "yes" was "from an earlier moment")
    Row("privacy.forget", at_forget("English"), "yes", forgotten),
    Row("privacy.forget", at_forget("English"), "Yes, delete all", forgotten),
    Row("privacy.forget", at_forget("Español"), "sí", forgotten),
    Row("privacy.forget", at_forget("Português"), "sim", forgotten),
    Row("privacy.forget", at_forget("English"), "no", kept),
    Row("privacy.forget", at_forget("Kiswahili"), "hapana", kept),
    Row("privacy.forget", at_forget("English"), "hmm", asked_again("privacy.forget")),
    # /checkin
    Row("checkin.mood", at_mood, "okay", mood(3)),
    Row("checkin.mood", at_mood, "REALLY GOOD", mood(5)),
    Row("checkin.mood", at_mood, "5", mood(1)),
    Row("checkin.mood", at_mood, "meh", asked_again("checkin.mood")),
    # /reflect
    Row("reflect.suggest", at_suggestion, "choose a stage", offered("reflect:stage:")),
    Row("reflect.stages", at_stages, "relationships", offered("reflect:go:")),
    Row("reflect.exercises", at_exercises, "here and now", in_state("reflect.choose", "1/5")),
    Row("reflect.next", at_next_step, "next", in_state("reflect.choose", "2/5")),
    Row("reflect.choice", at_choice_step, "calmer", says("Whatever you chose is fine")),
    Row("reflect.choice", at_choice_step, "2", says("Whatever you chose is fine")),
    Row("reflect.choice", at_choice_step, "pizza", asked_again("reflect.choose")),
    # /remind
    Row("remind.time", at_remind("Set a time"), "7pm", reminder_at),
    Row("remind.time", at_remind("Set a time"), "19h", reminder_at),
    Row("remind.quiet", at_remind("Quiet hours"), "no quiet hours", no_quiet),
    Row("remind.zone", at_remind("Time zone"), "nairobi", zone("Africa/Nairobi")),
    Row("remind.zone", at_remind("Time zone"), "Sao Paulo", zone("America/Sao_Paulo")),
    # /join: leaving a group
    Row("join.leave", at_leave("English"), "yes", left),
    Row("join.leave", at_leave("Français"), "oui", left),
    Row("join.leave", at_leave("English"), "no", stayed),
    Row("join.leave", at_leave("Kiswahili"), "hapana", stayed),
    # /newcohort and /cohorts
    Row("cohorts.date", at_cohort_date, "today", in_state("cohorts.lang")),
    Row("cohorts.lang", at_cohort_language, "español", in_state("cohorts.zone")),
    Row("cohorts.lang", at_cohort_language, "1", in_state("cohorts.zone")),
    Row("cohorts.lang", at_cohort_language, "2026-01-15", asked_again("cohorts.lang")),
    Row("cohorts.zone", at_cohort_zone, "Johannesburg", cohort_status("open")),
    Row("cohorts.close", at_cohort_close, "yes", cohort_status("closed")),
    Row("cohorts.close", at_cohort_close, "no, keep it open", cohort_status("open")),
    # /broadcast (the reported bug: text at the cohort picker was "from an earlier moment")
    Row("broadcast.pick", at_broadcast_pick, "spring group", labelled("✅ Spring group")),
    Row("broadcast.pick", at_broadcast_pick, "1", labelled("✅ Autumn group")),
    Row("broadcast.pick", at_broadcast_pick, "both of them", asked_again("broadcast.pick")),
    Row("broadcast.preview", at_broadcast_preview, "send now", in_state(None, "On its way")),
    Row("broadcast.cancel", at_broadcast_cancel, "yes", says("Cancelled")),
    Row("broadcast.cancel", at_broadcast_cancel, "sí", says("Cancelled")),
    Row("broadcast.cancel", at_broadcast_cancel, "no", says("stays as it is")),
    # /offer (the reported bug: text at "usually free" was "from an earlier moment" and lost the offer)
    Row("offer.langs", at_offer_languages, "español", labelled("✓ Español")),
    Row("offer.langs", at_offer_languages, "done", in_state("offer.alias")),
    Row("offer.reach", at_offer_reach, "only through the bot", in_state("offer.when")),
    Row("offer.when", at_offer_when, "any time", volunteered("any")),
    Row("offer.when", at_offer_when, "weekends", volunteered("weekend")),
    Row("offer.when", at_offer_when, "4", volunteered("weekend")),
    Row("offer.when", at_offer_when, "whenever you like", asked_again("offer.when")),
    # /support and /report
    Row("support.reach", at_support_reach, "only through the bot", in_state(None)),
    Row("support.share", at_report_share, "yes, share names", reported(shared=True)),
    Row("support.share", at_report_share, "no", reported(shared=False)),
    Row("support.share", at_report_share, "anonymous", reported(shared=False)),
]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.step}:{r.typed.strip()}" for r in ROWS])
async def test_a_typed_answer_works_at_every_choice_step(services: Services, row: Row) -> None:
    chat = await row.reach(services)
    await chat.send(row.typed)
    assert STALE not in chat.text
    await row.check(services, chat)


async def test_a_typed_reply_that_fits_no_choice_keeps_what_was_entered(services: Services) -> None:
    chat = await at_offer_when(services)
    await chat.send("whenever you like")
    assert "didn't catch which one" in chat.text and "When are you usually free" in chat.text
    await chat.send("any time")
    await volunteered("any")(services, chat)
    found = await contact(services, chat)
    assert found is not None
    saved = await services.store.volunteers.get(found.id)
    assert saved is not None and saved.offer.alias == "Sam" and saved.offer.intro == "I have been there too."


async def test_a_typed_reply_at_the_consent_asks_the_consent_again(services: Services) -> None:
    chat = await at_consent("Kiswahili")(services)
    await chat.send("sijui")
    assert keys(chat)[0].startswith("start:yes:sw")
    assert await contact(services, chat) is None
    await chat.send("nakubali")
    await consented_in("sw")(services, chat)


async def test_only_an_old_button_press_is_called_stale(services: Services) -> None:
    chat = await at_offer_when(services)
    await chat.press_key("offer:lang:fr")
    assert STALE in chat.text
    assert await state(services, chat) == "offer.when"


async def test_a_typed_number_is_words_in_a_relay(services: Services) -> None:
    """In a peer relay nothing waits for a choice: a typed "1" goes to the other person as words."""
    seen = await scene(services, accept=True)
    await seen.rumi.send("1")
    assert STALE not in seen.rumi.text
    await seen.post.deliver()
    assert seen.post.texts(seen.kito)[-1].endswith("1")


async def test_offered_choices_survive_a_restart(services: Services) -> None:
    """The choices are kept with the conversation (encrypted), not in memory: a new engine still reads "yes"."""
    chat = await at_forget("English")(services)
    from bot.core.engine import Engine
    from bot.core.features import all_features
    engine = Engine(services.store, services.library, services.clock, all_features())
    replies = await engine.handle(Incoming.from_text(chat.address, "yes"))
    assert STALE not in "\n".join(r.text for r in replies)
    assert await contact(services, chat) is None


async def test_free_text_steps_keep_typed_words_as_words(services: Services) -> None:
    """Where words are the answer (a reflection, a note, a broadcast), "1" or "yes" is never taken for a button."""
    chat = Person(services, "ana")
    await chat.consent(keep_notes=True)
    await chat.open_exercise("Self", "As you would a friend")
    await chat.press("Next")
    await chat.send("1")
    await chat.send("/checkin")
    await chat.press("Okay")
    await chat.send("skip")
    found = await contact(services, chat)
    assert found is not None
    assert [c.note for c in await services.store.checkins.latest(found.id, 1)] == ["skip"]
    fay = await facilitator(services, "fay")
    await new_cohort(fay)
    await fay.send("/broadcast")
    await fay.send("yes")
    assert "Here is exactly what each person will see" in fay.text and "\nyes" in fay.text
