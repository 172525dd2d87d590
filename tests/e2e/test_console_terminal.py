"""The console in a real terminal (a pseudo-terminal), as a newcomer runs it: `make run` with no channel and
`console --as NAME`. Each console shows only its own person's messages, keeps its files in a private place of
that person's own, keeps log lines out of the chat, gives the prompt back after a reminder, and leaves at once
on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import signal
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.messages import Address
from bot.storage.store import Store
from tests.e2e.test_console import console
from tests.helpers import CONTENT, TEST_KEY, rows

START = ["/start", "1", "1", "1", "/remind", "3", "4"]  # English, I agree, no notes; no quiet hours
NUDGE = "Your moment for today is here"
WAIT = 30.0  # the most a step may take on a busy machine; a step that works takes well under a second


def environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"), "DATA_KEY": TEST_KEY, "CONTENT_DIR": str(CONTENT)}
    for name in ("TELEGRAM_BOT_TOKEN", "WHATSAPP_ACCESS_TOKEN"):
        env.pop(name, None)
    return env


class Terminal:
    """A program whose stdin, stdout and stderr are one terminal, as when a person types in it."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen([sys.executable, "-m", "bot", *args], stdin=slave, stdout=slave,
                                        stderr=slave, env=environment(tmp_path), cwd=tmp_path)
        os.close(slave)
        self.screen = ""

    def read_until(self, text: str, wait: float = WAIT, since: int | None = None) -> bool:
        """Read what the terminal shows until `text` appears after position `since` (by default, after what was
        read before); False if it never does."""
        start = len(self.screen) if since is None else since
        loop = asyncio.new_event_loop()
        deadline = loop.time() + wait
        try:
            while text not in self.screen[start:]:
                left = deadline - loop.time()
                if left <= 0:
                    return False
                ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
                if ready:
                    try:
                        chunk = os.read(self.master, 65536)
                    except OSError:
                        return False
                    self.screen += chunk.decode(errors="replace").replace("\r\n", "\n")
            return True
        finally:
            loop.close()

    def type(self, *lines: str) -> None:
        for line in lines:
            os.write(self.master, (line + "\n").encode())
            assert self.read_until("> "), self.screen[-2000:]

    def interrupt(self) -> int | None:
        """Ctrl-C: the exit code, or None when the program is still running after the wait."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def notice(tmp_path: Path, name: str, idem: str) -> None:
    """A reminder for one console person, due now, written to the outbox as the scheduler would."""
    async def enqueue() -> None:
        store = await Store.open(tmp_path / "c.db", TEST_KEY)
        try:
            contact = await store.contacts.find(Address("console", name))
            assert contact is not None
            now = datetime.now(UTC)
            await store.deliveries.enqueue(contact.id, "notice", idem, now, {"key": "remind.nudge"}, now)
        finally:
            await store.close()
    asyncio.run(enqueue())


def test_ctrl_c_leaves_at_once(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "console", "--as", "ana")
    try:
        assert term.read_until("> "), term.screen
        assert term.interrupt() is not None, "still waiting for Enter after Ctrl-C"
    finally:
        term.close()


def test_make_run_keeps_log_lines_out_of_the_chat(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "run")
    try:
        assert term.read_until("> "), term.screen
        term.type(*START)
    finally:
        term.close()
    assert "Which language" in term.screen
    assert not re.search(r"\b(INFO|WARNING|DEBUG)\b", term.screen), term.screen
    log = (tmp_path / "console.log").read_text(encoding="utf-8")
    assert "scheduler started" in log


def test_make_run_gives_the_prompt_back_after_a_reminder(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "run")
    try:
        assert term.read_until("> "), term.screen
        term.type(*START)
        notice(tmp_path, "you", "nudge-1")
        assert term.read_until(NUDGE), term.screen[-2000:]
        after = term.screen.rindex(NUDGE)
        assert term.read_until("> ", wait=10, since=after), "no prompt after the reminder: " + term.screen[-500:]
    finally:
        term.close()


def test_make_run_never_shows_another_console_persons_messages(tmp_path: Path) -> None:
    console(tmp_path, "\n".join(START) + "\n", "--as", "ana")
    term = Terminal(tmp_path, "run")
    try:
        assert term.read_until("> "), term.screen
        term.type(*START)
        notice(tmp_path, "ana", "for-ana")
        notice(tmp_path, "you", "for-you")
        assert term.read_until(NUDGE), term.screen[-2000:]
        term.interrupt()
    finally:
        term.close()
    assert term.screen.count(NUDGE) == 1 and "a message for" not in term.screen
    assert rows(tmp_path / "c.db", "SELECT status FROM deliveries WHERE idem_key = 'for-ana'") == [("pending",)]
    out = console(tmp_path, "\n", "--as", "ana").stdout  # Ana's own console brings it to her
    assert NUDGE in out


def _file_shown(out: str) -> Path:
    return Path(out.split("[file: ", 1)[1].split("]", 1)[0])


def test_each_console_persons_export_is_private_to_them_and_gone_after_forget(tmp_path: Path) -> None:
    ana = _file_shown(console(tmp_path, "\n".join([*START, "/mydata"]) + "\n", "--as", "ana").stdout)
    ben = _file_shown(console(tmp_path, "\n".join([*START, "/mydata"]) + "\n", "--as", "ben").stdout)
    assert ana != ben and ana.parent != ben.parent
    assert "ana" not in str(ana.parent.relative_to(ana.parent.parent.parent))
    for folder in (ana.parent, ana.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert '"address": "ana"' in ana.read_text(encoding="utf-8")
    assert '"address": "ben"' in ben.read_text(encoding="utf-8")
    assert not (tmp_path / "console").exists()

    out = console(tmp_path, "/forget\n1\n", "--as", "ana").stdout
    assert "Everything is deleted" in out
    assert not ana.parent.exists()
    assert ben.exists()
    console(tmp_path, "/forget\n1\n", "--as", "ben")
    assert not ben.parent.exists()
