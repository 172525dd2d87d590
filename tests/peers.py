"""Builders for peer-support tests: people who keep every reply, a facilitator's group, volunteers, requests,
and a post office that delivers the outbox through a fake Sender and remembers who received what."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.messages import Incoming, Reply
from bot.core.peers import SupportMessages
from bot.scheduling.dispatcher import Dispatcher
from tests.helpers import Chat, references_to, rows
from tests.outbox import FakeSender, dispatcher, facilitator, new_cohort

THINKING = 3  # seconds a person takes per message: the clock moves, so long scripts stay under the flood guard


class Person(Chat):
    """A Chat that keeps every reply it ever got, so tests can look at all of them."""

    def __init__(self, services: Services, name: str) -> None:
        super().__init__(services.engine, name)
        self.services = services
        self.seen: list[Reply] = []

    async def _do(self, incoming: Incoming) -> list[Reply]:
        clock = self.services.clock
        if isinstance(clock, FakeClock):
            clock.advance(seconds=THINKING)
        replies = await super()._do(incoming)
        self.seen += replies
        return replies

    async def contact_id(self) -> int:
        contact = await self.services.store.contacts.find(self.address)
        assert contact is not None
        return contact.id

    async def forget(self) -> int:
        """Send /forget and confirm; return the id the person had."""
        contact_id = await self.contact_id()
        await self.send("/forget")
        await self.press("Yes, delete")
        return contact_id


@dataclass
class Post:
    """The outbox at work: the real dispatcher and renderers, a fake platform that records each message."""

    services: Services
    sender: FakeSender = field(default_factory=FakeSender)

    @property
    def dispatcher(self) -> Dispatcher:
        sending = dispatcher(self.services, self.sender)
        SupportMessages(self.services.store, self.services.library).register(sending.renderers)
        return sending

    async def deliver(self) -> None:
        await self.dispatcher.drain()

    def texts(self, person: Chat) -> list[str]:
        return self.sender.texts(person.address.id)

    def last(self, person: Chat) -> str:
        texts = self.texts(person)
        assert texts, f"{person.address.id} received nothing"
        return texts[-1]

    async def press(self, person: Person, label: str) -> None:
        """Press a choice of the last proactive message this person received."""
        mine = [item for item in self.sender.sent if item.address == person.address]
        person.choices = next(reply.choices for item in reversed(mine) for reply in item.replies if reply.choices)
        await person.press(label)

    def every_text(self, *people: Person) -> str:
        """Every message anyone received: replies to these people and everything the outbox sent."""
        replies = [reply.text + " " + " ".join(c.label for c in reply.choices) for p in people for reply in p.seen]
        sent = [reply.text + " " + " ".join(c.label for c in reply.choices)
                for item in self.sender.sent for reply in item.replies]
        return "\n".join(replies + sent)

    def seen_by(self, person: Person) -> str:
        """Everything one person was shown: their replies and the outbox messages sent to them."""
        replies = [reply.text for reply in person.seen]
        return "\n".join(replies + self.texts(person))

    async def payloads(self) -> str:
        """Every outbox payload, decrypted, as one string."""
        store = self.services.store
        async with store.db.tx() as conn, conn.execute("SELECT payload FROM deliveries") as cursor:
            rows = await cursor.fetchall()
        return "\n".join(json.dumps(json.loads(store.vault.decrypt(row[0])), ensure_ascii=False) for row in rows)


@dataclass
class Group:
    """A facilitator with one cohort, and its join code."""

    fay: Person
    code: str

    async def member(self, name: str) -> Person:
        person = Person(self.fay.services, name)
        await person.consent()
        await person.send(f"/join {self.code}")
        return person


async def group(services: Services, name: str = "fay-0001", cohort: str = "Spring group") -> Group:
    chat = await facilitator(services, name)
    fay = Person(services, name)
    await new_cohort(chat, cohort)
    return Group(fay, await _code_of(chat))


async def _code_of(chat: Chat) -> str:
    line = next(line for line in chat.text.splitlines() if line.startswith("Join code:"))
    return line.split(":", 1)[1].strip()


async def offer(person: Person, alias: str, *, reach: str = "Telegram", detail: str | None = "@sam_peer",
                when: str = "Any time", languages: tuple[str, ...] = (), intro: str = "I have been there too.") -> None:
    """Walk /offer: the person's own language is chosen already; `languages` are tapped in addition."""
    await person.send("/offer")
    for language in languages:
        await person.press(language)
    await person.press("Done")
    await person.send(alias)
    await person.send(intro)
    await person.press(reach)
    if detail is not None:
        await person.send(detail)
    await person.press(when)


async def approve(fay: Person, alias: str) -> None:
    await fay.send("/volunteers")
    await fay.press(alias)
    await fay.press("Approve")


async def volunteer(g: Group, name: str, alias: str, **offer_args: object) -> Person:
    """A member of the group who offered and was approved."""
    person = await g.member(name)
    await offer(person, alias, **offer_args)  # type: ignore[arg-type]
    await approve(g.fay, alias)
    return person


async def ask_for_peer(person: Person, alias: str = "Rumi", *, reason: str | None = "A rough week",
                       reach: str = "Only through", detail: str | None = None) -> None:
    await person.send("/support")
    await person.press("Talk to a peer")
    await person.send(alias)
    if reason is None:
        await person.press("Skip")
    else:
        await person.send(reason)
    await person.press(reach)
    if detail is not None:
        await person.send(detail)


@dataclass
class Scene:
    """A facilitator's group with one approved volunteer (Kito) and a member (Rumi) who asked for a peer."""

    post: Post
    group: Group
    kito: Person
    rumi: Person
    lena: Person | None = None  # a second volunteer, asked after Kito (she joined later)


async def scene(services: Services, *, accept: bool = False, lena: bool = False,
                volunteer_args: dict[str, object] | None = None,
                request_args: dict[str, object] | None = None) -> Scene:
    """Rumi's request delivered to Kito; with `accept`, Kito said yes; with `lena`, a second volunteer waits."""
    post = Post(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito", **(volunteer_args or {}))
    second = await volunteer(g, "vol-6620", "Lena", detail="@lena_peer") if lena else None
    rumi = await g.member("req-7731")
    await ask_for_peer(rumi, **(request_args or {}))  # type: ignore[arg-type]
    await post.deliver()
    if accept:
        await post.press(kito, "Yes")
    return Scene(post, g, kito, rumi, second)


def nothing_refers_to(services: Services, contact_id: int) -> bool:
    """True when no row in any table that refers to people (found through foreign keys) names this person."""
    db = services.settings.database_path
    return all(rows(db, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", contact_id) == [(0,)]
               for table, column in references_to(db, "contacts"))
