"""The local console chat: the same engine and database, in a terminal or fed from a pipe.

Each input line is a message; a bare number presses that numbered choice of the last reply. Pictures and
files go to a private folder of this person's own (0700, under the system's temporary directory) whose path is
printed; /forget removes it. Each console shows only its own person's messages.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.core.engine import Engine
from bot.core.messages import Address, Choice, Incoming, Reply
from bot.core.outbound import Outgoing, RetryLater
from bot.errors import CompanionError

CHANNEL = "console"
PROMPT = "> "


def private_dir(path: Path) -> Path:
    """Create `path` as a folder only its owner can enter (0700), or refuse one that someone else could use."""
    path.mkdir(mode=0o700, parents=False, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise CompanionError(f"{path} is not a private folder of yours; remove it and try again")
    return path


def files_dir_for(engine: Engine, database: Path, name: str) -> Path:
    """Where one console person's pictures and export go: a folder of their own, named by a keyed hash (no name
    on disk), inside a private folder of the user's under the system's temporary directory."""
    base = private_dir(Path(tempfile.gettempdir()) / f"companion-console-{os.getuid()}")
    tag = engine.store.vault.lookup(f"console-files:{database.resolve()}:{name}").hex()[:20]
    return base / tag


def render(reply: Reply, files_dir: Path) -> str:
    """Turn a Reply into terminal text with numbered choices."""
    lines = [reply.text]
    if reply.image is not None:
        private_dir(files_dir)
        path = files_dir / f"picture-{abs(hash(reply.image.png)) % 10**8}.png"
        path.write_bytes(reply.image.png)
        lines.append(f"[picture: {path}]" + (f" {reply.image.caption}" if reply.image.caption else ""))
    if reply.document is not None:
        private_dir(files_dir)
        path = files_dir / reply.document.filename
        path.write_bytes(reply.document.data)
        lines.append(f"[file: {path}]")
    lines += [f"  {number}. {choice.label}" for number, choice in enumerate(reply.choices, 1)]
    return "\n".join(lines)


class LineReader:
    """Lines from stdin through a daemon thread, so Ctrl-C (or the end of the program) never waits for Enter."""

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin
        self.loop = asyncio.get_running_loop()
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        threading.Thread(target=self._read, name="console-stdin", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                line = self.stdin.readline()
            except (OSError, ValueError):
                line = ""
            self.loop.call_soon_threadsafe(self.lines.put_nowait, line)
            if not line:
                return

    async def readline(self) -> str:
        return await self.lines.get()


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
        self.prompting = False  # the prompt is on screen, waiting for a line

    def to_incoming(self, line: str) -> Incoming:
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.last_choices):
            return Incoming.pressed(self.address, self.last_choices[int(text) - 1].key, typed=text)
        return Incoming.from_text(self.address, text)

    async def say(self, line: str) -> list[Reply]:
        replies = await self.engine.handle(self.to_incoming(line))
        self.show(replies)
        await self._tidy()
        return replies

    async def _tidy(self) -> None:
        """After /forget, the person's pictures and export go too."""
        if self.files_dir.exists() and await self.engine.store.contacts.find(self.address) is None:
            shutil.rmtree(self.files_dir, ignore_errors=True)

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.out.write(render(reply, self.files_dir) + "\n\n")
            if reply.choices:
                self.last_choices = reply.choices
        self.out.flush()

    def show_unasked(self, replies: list[Reply]) -> None:
        """A message that arrived on its own (a reminder): on a fresh line, then the prompt again."""
        if self.prompting:
            self.out.write("\n")
        self.show(replies)
        if self.prompting:
            self.out.write(PROMPT)
            self.out.flush()

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        interactive = stdin.isatty()
        if interactive:
            self.out.write("Console chat. Type /start to begin, a number to press a choice, Enter alone to check for "
                           "new messages, Ctrl-D to leave.\n\n")
            self.out.flush()
        reader = LineReader(stdin)
        while True:
            if self.inbox is not None:
                await self.inbox()
            if interactive:
                self.out.write(PROMPT)
                self.out.flush()
                self.prompting = True
            line = await reader.readline()
            self.prompting = False
            if not line:
                break
            if line.strip():
                await self.say(line)


class ConsoleSender:
    """Prints proactive messages (reminders, follow-ups) into the console chat, so a newcomer sees them.

    Only this console's own person's messages: the scheduler is scoped to them (see bot/app.py), and anything
    else is left in the outbox for that person's own console, never printed here.
    """

    channel = CHANNEL

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def send(self, outgoing: Outgoing) -> str | None:
        if outgoing.address != self.chat.address:
            raise RetryLater("meant for another console")
        self.chat.show_unasked(list(outgoing.replies))
        return None
