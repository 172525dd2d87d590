"""The local console chat: the same engine and database, in a terminal or fed from a pipe.

Each input line is a message; a bare number presses that numbered choice of the last reply. Pictures and
files are written under `data/console/` and their path is printed.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.core.engine import Engine
from bot.core.messages import Address, Choice, Incoming, Reply
from bot.core.outbound import Outgoing

CHANNEL = "console"


def render(reply: Reply, files_dir: Path) -> str:
    """Turn a Reply into terminal text with numbered choices."""
    lines = [reply.text]
    if reply.image is not None:
        files_dir.mkdir(parents=True, exist_ok=True)
        path = files_dir / f"picture-{abs(hash(reply.image.png)) % 10**8}.png"
        path.write_bytes(reply.image.png)
        lines.append(f"[picture: {path}]" + (f" {reply.image.caption}" if reply.image.caption else ""))
    if reply.document is not None:
        files_dir.mkdir(parents=True, exist_ok=True)
        path = files_dir / reply.document.filename
        path.write_bytes(reply.document.data)
        lines.append(f"[file: {path}]")
    lines += [f"  {number}. {choice.label}" for number, choice in enumerate(reply.choices, 1)]
    return "\n".join(lines)


class ConsoleChat:
    def __init__(self, engine: Engine, name: str, files_dir: Path, out: TextIO = sys.stdout) -> None:
        self.engine = engine
        self.address = Address(CHANNEL, name)
        self.files_dir = files_dir
        self.out = out
        self.last_choices: tuple[Choice, ...] = ()
        # Delivers this person's due outbox messages (a peer's request, a relayed message) between lines, so two
        # people in two consoles (`--as`) reach each other without the scheduler; None when the scheduler runs.
        self.inbox: Callable[[], Awaitable[object]] | None = None

    def to_incoming(self, line: str) -> Incoming:
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.last_choices):
            return Incoming.pressed(self.address, self.last_choices[int(text) - 1].key, typed=text)
        return Incoming.from_text(self.address, text)

    async def say(self, line: str) -> list[Reply]:
        replies = await self.engine.handle(self.to_incoming(line))
        self.show(replies)
        return replies

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.out.write(render(reply, self.files_dir) + "\n\n")
            if reply.choices:
                self.last_choices = reply.choices
        self.out.flush()

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        interactive = stdin.isatty()
        if interactive:
            self.out.write("Console chat. Type /start to begin, a number to press a choice, Enter alone to check for "
                           "new messages, Ctrl-D to leave.\n\n")
            self.out.flush()
        while True:
            if self.inbox is not None:
                await self.inbox()
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if line.strip():
                await self.say(line)


class ConsoleSender:
    """Prints proactive messages (reminders, follow-ups) into the console chat, so a newcomer sees them."""

    channel = CHANNEL

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def send(self, outgoing: Outgoing) -> str | None:
        if outgoing.address != self.chat.address:
            self.chat.out.write(f"(a message for {outgoing.address.id})\n")
        self.chat.show(list(outgoing.replies))
        return None
