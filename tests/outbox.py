"""Builders for outbox tests: a content library with a small follow-up plan, and a fake Sender."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.app import Services
from bot.config import Settings, load_settings
from bot.core.outbound import Outgoing, Unreachable
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from tests.helpers import CONTENT, TEST_KEY, Chat
from tests.postgres import database_settings

PLAN = """\
steps:
  - id: day-1
    day: 1
    hour: 10
    exercise: here-and-now
    text: "A small moment for you today 🌱 How are you doing since the workshop?"
  - {id: day-3, day: 3, hour: 18, text: "Thinking of you this evening 🌱 One kind word to yourself counts."}
  - {id: day-7, day: 7, hour: 10, exercise: friend-voice, text: "A week already 🌱 Want to try a short reflection?"}
"""


def plan_settings(tmp_path: Path, engine: str = "sqlite") -> Settings:
    """Settings whose content library is a copy of content/ with a three-step follow-up plan."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content, dirs_exist_ok=True)
    (content / "en" / "followups.yaml").write_text(PLAN, encoding="utf-8")
    database = tmp_path / "companion.db"
    return load_settings(_env_file=None, database_path=database, data_key=TEST_KEY, content_dir=content,
                         **database_settings(database, engine))


@dataclass
class FakeSender:
    """The outside world: records what it was asked to send, or raises what it is told to."""

    channel: str = "console"
    sent: list[Outgoing] = field(default_factory=list)
    fail_with: list[Exception] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)

    async def send(self, outgoing: Outgoing) -> str | None:
        if outgoing.address.id in self.unreachable:
            raise Unreachable("403: bot was blocked by the user")
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append(outgoing)
        return f"msg-{len(self.sent)}"

    def texts(self, person: str | None = None) -> list[str]:
        return [reply.text for item in self.sent if person in (None, item.address.id) for reply in item.replies]


def dispatcher(services: Services, sender: FakeSender) -> Dispatcher:
    return Dispatcher(services.store, Renderers(services.store, services.library), {sender.channel: sender},
                      services.clock)


async def facilitator(services: Services, name: str = "fay") -> Chat:
    """A consented person who redeemed an invite code."""
    chat = Chat(services.engine, name)
    await chat.consent()
    code, _ = await services.store.facilitators.invite(services.clock.now())
    await chat.send(f"/facilitator {code}")
    return chat


async def new_cohort(chat: Chat, name: str = "Spring group", day: str = "2026-01-15",
                     zone: str = "Africa/Nairobi") -> str:
    """Walk /newcohort and return the join code shown."""
    await chat.send("/newcohort")
    await chat.send(name)
    await chat.send(day)
    await chat.press("English")
    await chat.send(zone)
    line = next(line for line in chat.text.splitlines() if line.startswith("Join code:"))
    return line.split(":", 1)[1].strip()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def member(services: Services, code: str, name: str = "ana") -> Chat:
    """A consented person who joined the cohort with `code`."""
    chat = Chat(services.engine, name)
    await chat.consent()
    await chat.send(f"/join {code}")
    return chat


async def manage(fay: Chat, button: str, cohort: str = "Spring group") -> None:
    """Open a cohort from /cohorts and press one of its buttons."""
    await fay.send("/cohorts")
    await fay.press(cohort)
    await fay.press(button)


async def remind(chat: Chat, button: str, answer: str) -> None:
    """Open /remind, press a button, then press the choice (or type the text) `answer`."""
    await chat.send("/remind")
    await chat.press(button)
    if any(answer.lower() in choice.label.lower() for choice in chat.choices):
        await chat.press(answer)
    else:
        await chat.send(answer)
