"""The shape of the content library, one pydantic model per file kind."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,23}$"
BUTTON_MAX = 20  # WhatsApp reply-button title
ROW_TITLE_MAX = 24  # WhatsApp list-row title
ROW_DESCRIPTION_MAX = 72
TEXT_MAX = 4096


class Stage(StrEnum):
    SELF = "self"
    RELATIONSHIP = "relationship"
    LEADERSHIP = "leadership"
    ORGANISATION = "organisation"
    COMMUNITY = "community"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class LiloStep(StrEnum):
    LOOKING_BACK = "looking back"
    LOOKING_IN = "looking in"
    LOOKING_OUT = "looking out"
    LOOKING_FORWARD = "looking forward"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(Strict):
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    ask: Literal["none", "text", "choice"] = "none"
    choices: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _choices_match_ask(self) -> Step:
        if self.ask == "choice" and not 2 <= len(self.choices) <= 6:
            raise ValueError("a choice step needs 2 to 6 choices")
        if self.ask != "choice" and self.choices:
            raise ValueError("choices given but ask is not 'choice'")
        return self


class Exercise(Strict):
    id: str = Field(pattern=ID_PATTERN)
    stage: Stage
    order: int = Field(ge=1, le=99)
    lilo_step: LiloStep
    minutes: int = Field(ge=2, le=5)
    # The anti-stigma core (whose voice, my words, what we carry, spot the word): suggested first to everyone.
    core: bool = False
    title: str = Field(min_length=1, max_length=ROW_TITLE_MAX)
    summary: str = Field(min_length=1, max_length=ROW_DESCRIPTION_MAX)
    steps: tuple[Step, ...] = Field(min_length=3, max_length=6)
    closing: str = Field(min_length=1, max_length=TEXT_MAX)


class Mood(Strict):
    value: int = Field(ge=1, le=5)
    emoji: str = Field(min_length=1, max_length=4)
    label: str = Field(min_length=1)
    reply: str = Field(min_length=1, max_length=TEXT_MAX)

    @property
    def button(self) -> str:
        return f"{self.emoji} {self.label}"


class CheckIn(Strict):
    prompt: str = Field(min_length=1, max_length=TEXT_MAX)
    moods: tuple[Mood, ...] = Field(min_length=5, max_length=5)
    note_prompt: str = Field(min_length=1, max_length=TEXT_MAX)
    note_saved: str = Field(min_length=1, max_length=TEXT_MAX)
    low_streak: str = Field(min_length=1, max_length=TEXT_MAX)
    grounding_exercise: str = Field(pattern=ID_PATTERN)

    @model_validator(mode="after")
    def _moods_one_to_five(self) -> CheckIn:
        if sorted(m.value for m in self.moods) != [1, 2, 3, 4, 5]:
            raise ValueError("moods must have the values 1, 2, 3, 4 and 5 once each")
        return self


class Service(Strict):
    name: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    note: str = ""


class Help(Strict):
    """The help cards; `{emergency}` is the deployment's EMERGENCY_NUMBER, or `emergency_unset` without one."""

    card: str = Field(min_length=1, max_length=TEXT_MAX)
    # Someone may be overdosing (opioids and stimulants).
    overdose: str = Field(min_length=1, max_length=TEXT_MAX)
    # Suicidal feelings or self-harm.
    suicide: str = Field(min_length=1, max_length=TEXT_MAX)
    emergency_unset: str = Field(min_length=1, max_length=200)
    services_title: str = Field(min_length=1)
    no_services: str = Field(min_length=1)
    # How to find a human helpline when the deployment lists none (a directory, never an invented number).
    find_help: str = Field(min_length=1, max_length=TEXT_MAX)
    # Filled in by a deployment; never invented by the project.
    services: tuple[Service, ...] = ()


class FollowUpStep(Strict):
    id: str = Field(pattern=ID_PATTERN)
    day: int = Field(ge=0, le=365)
    hour: int = Field(ge=0, le=23)
    exercise: str | None = Field(default=None, pattern=ID_PATTERN)
    text: str = Field(min_length=1, max_length=TEXT_MAX)


class FollowUps(Strict):
    steps: tuple[FollowUpStep, ...] = ()


class StigmaWord(Strict):
    word: str = Field(min_length=1)
    instead: str = Field(min_length=1)


class Crisis(Strict):
    """Crisis phrases in two tiers, matched on normalised text (case, accents, repeated letters don't matter)."""

    # Urgent: someone may be overdosing right now -> the overdose card at once.
    overdose: tuple[str, ...] = ()
    # Urgent: wanting to die, to end it, to self-harm now -> the suicidal-feelings card at once.
    suicide: tuple[str, ...] = ()
    # Drugs, overdose or withdrawal mentioned in passing: no card, at most a one-line "/help is there" a day.
    topic: tuple[str, ...] = ()
    # Idioms that look like a crisis and are not ("my mum will kill me"): never raise a card.
    not_crisis: tuple[str, ...] = ()


class SpokenClock(Strict):
    """How a language says a time of day in words, where a typed time may be written so: Swahili counts the hours
    from 6 (sunrise and sunset), so "saa mbili asubuhi" is 8:00 and "saa tatu usiku" 21:00."""

    hour_words: tuple[str, ...] = ()  # said before the hour ("saa"); may be left out
    shift: int = Field(default=0, ge=0, le=11)  # hours added to the spoken hour (Swahili: 6)
    numbers: dict[str, int] = Field(default_factory=dict)  # number words: "mbili" 2, "kumi na moja" 11
    minutes: dict[str, int] = Field(default_factory=dict)  # said after the hour: "na nusu" 30, "kasoro robo" -15
    minute_words: dict[str, int] = Field(default_factory=dict)  # before a number of minutes: "na dakika" 1
    # Parts of the day, each with the hours it covers on a 24-hour clock, [from, to) (it may run past midnight).
    periods: dict[str, tuple[int, int]] = Field(default_factory=dict)
    default_period: tuple[int, int] = (0, 24)  # the hours meant when no part of the day is said

    @model_validator(mode="after")
    def _sane(self) -> SpokenClock:
        if any(not 1 <= n <= 59 for n in self.numbers.values()):
            raise ValueError("numbers: each word stands for 1 to 59")
        if any(not -59 <= n <= 59 for n in self.minutes.values()):
            raise ValueError("minutes: each phrase adds -59 to 59 minutes")
        if any(n not in (-1, 1) for n in self.minute_words.values()):
            raise ValueError("minute_words: 1 (minutes after) or -1 (minutes before)")
        for start, end in (*self.periods.values(), self.default_period):
            if not (0 <= start <= 24 and 0 <= end <= 24 and start != end):
                raise ValueError("periods: hours from 0 to 24, [from, to), not empty")
        return self


class Words(Strict):
    """Per-language word lists that translators extend: stigma lint, lock-screen lint, crisis phrases, commands."""

    stigma: tuple[StigmaWord, ...] = ()
    # Never in the first TWO lines of a proactive message: what a lock screen shows must name nothing sensitive.
    discreet: tuple[str, ...] = ()
    # Phrases that are fine although they contain a stigma word ("police abuse", "abuse of power").
    allowed: tuple[str, ...] = ()
    crisis: Crisis = Field(default_factory=Crisis)
    commands: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Typed answers to a yes/no question ("yes", "ok", "I agree"); matched without case, accents or punctuation.
    yes_words: tuple[str, ...] = ()
    no_words: tuple[str, ...] = ()
    # Typed in the middle of a step: "stop this" (the step is cancelled), not "stop everything" (/stop).
    leave_words: tuple[str, ...] = ()
    # A time of day said in words ("saa mbili asubuhi"), understood wherever a time is typed.
    clock: SpokenClock | None = None


class LanguageInfo(Strict):
    code: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str = Field(min_length=1, max_length=BUTTON_MAX)
