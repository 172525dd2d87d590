"""Three people in three consoles (`--as`) on one database: a facilitator approves a volunteer, a requester asks
for a peer, the volunteer says yes, and each one's console shows what the outbox holds for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_console import console
from tests.helpers import CONTENT, TEST_KEY

START = "/start\n1\n1\n1\n"  # English, I agree, no notes


def invite(tmp_path: Path) -> str:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"), "DATA_KEY": TEST_KEY, "CONTENT_DIR": str(CONTENT)}
    result = subprocess.run([sys.executable, "-m", "bot", "facilitator", "invite"], text=True, capture_output=True,
                            env=env, cwd=tmp_path, timeout=60, check=True)
    return result.stdout.split("facilitator code:", 1)[1].split()[0]


def say(tmp_path: Path, name: str, *lines: str) -> str:
    result = console(tmp_path, "\n".join(lines) + "\n", "--as", name)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_from_offer_and_support_to_a_consented_exchange(tmp_path: Path) -> None:
    # Nobody has quiet hours here, so the test passes at any hour of the real clock.
    out = say(tmp_path, "fay", START, f"/facilitator {invite(tmp_path)}", "/remind", "3", "4",
              "/newcohort", "Spring group", "1", "1", "UTC")
    code = next(line for line in out.splitlines() if line.startswith("Join code:")).split(":", 1)[1].strip()

    out = say(tmp_path, "kito", START, f"/join {code}", "/remind", "3", "4",
              "/offer", "6", "Kito", "I have been there too.", "1", "@kito_peer_77", "1")
    assert "A facilitator from your group will look at your offer" in out

    out = say(tmp_path, "fay", "/volunteers", "1", "1")
    assert "Someone in your group offered to support peers" in out
    assert "Kito is now a peer supporter" in out and "@kito_peer_77" not in out

    out = say(tmp_path, "rumi", START, f"/join {code}", "/support", "1", "Rumi", "A rough week", "2",
              "+255 766 123 987")
    assert "I'm asking a peer supporter now" in out and "@kito_peer_77" not in out

    out = say(tmp_path, "kito", "", "1")  # the request arrives, then "1" presses "Yes, I can talk"
    assert "A facilitator approved your offer" in out
    assert "Someone would like to talk 🤝" in out and "Name: Rumi" in out
    request = out.split("Someone would like to talk", 1)[1].split("Rumi is waiting", 1)[0]
    assert "+255766123987" not in request
    assert "WhatsApp: +255766123987" in out

    out = say(tmp_path, "rumi", "")
    assert "Someone said yes 🤝" in out and "Telegram: @kito_peer_77 (https://t.me/kito_peer_77)" in out
