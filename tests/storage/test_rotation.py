from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import load_settings
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.storage.crypto import DecryptError, Vault
from bot.storage.rotation import rotate_key
from bot.storage.store import Store
from tests.helpers import CONTENT, ROOT, TEST_KEY, Chat
from tests.postgres import database_env, database_settings

pytestmark = pytest.mark.both_engines

NEW_KEY = "a-brand-new-secret-Hq4Wt8Zp2Lx6Vn9Rc3Jm7Bk5Gd1Fs0Ya"


async def _person_with_a_note(db: Path, engine: str) -> None:
    settings = load_settings(_env_file=None, database_path=db, data_key=TEST_KEY, content_dir=CONTENT,
                             **database_settings(db, engine))
    services = await build_services(settings, FakeClock())
    chat = Chat(services.engine)
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Okay")
    await chat.send("hopeful")
    await services.close()


async def test_rotate_key_re_encrypts_everything_and_people_are_still_found(tmp_path: Path, engine: str) -> None:
    db = tmp_path / "c.db"
    await _person_with_a_note(db, engine)
    env = {**os.environ, **database_env(db, engine), "DATA_KEY": TEST_KEY, "NEW_DATA_KEY": NEW_KEY,
           "CONTENT_DIR": str(CONTENT)}
    result = subprocess.run([sys.executable, "-m", "bot", "db", "rotate-key"], env=env, cwd=ROOT, text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert NEW_KEY not in result.stdout

    settings = load_settings(_env_file=None, database_path=db, data_key=NEW_KEY, content_dir=CONTENT,
                             **database_settings(db, engine))
    services = await build_services(settings, FakeClock())
    try:
        contact = await services.store.contacts.find(Chat(services.engine).address)
        assert contact is not None
        checkins = await services.store.checkins.latest(contact.id, 1)
        assert checkins[0].note == "hopeful"
        raw = await services.store.db.fetchone("SELECT address FROM contacts")
        assert raw is not None
        with pytest.raises(DecryptError):
            Vault(TEST_KEY).decrypt(raw[0])
    finally:
        await services.close()


def test_rotate_key_from_the_environment_needs_the_new_key(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"), "DATA_KEY": TEST_KEY}
    env.pop("NEW_DATA_KEY", None)
    result = subprocess.run([sys.executable, "-m", "bot", "db", "rotate-key"], env=env, cwd=ROOT, text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "NEW_DATA_KEY" in result.stderr


async def test_rotate_key_kept_in_secret_key_file_replaces_the_file(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    env = {**os.environ, "DATABASE_PATH": str(db), "CONTENT_DIR": str(CONTENT)}
    env.pop("DATA_KEY", None)
    env.pop("NEW_DATA_KEY", None)
    subprocess.run([sys.executable, "-m", "bot", "console"], env=env, cwd=ROOT, timeout=60, check=True,
                   capture_output=True, input=b"")
    key_file = tmp_path / "secret.key"
    old = key_file.read_text()
    assert key_file.stat().st_mode & 0o777 == 0o600
    result = subprocess.run([sys.executable, "-m", "bot", "db", "rotate-key"], env=env, cwd=ROOT, text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert key_file.read_text() != old
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "secret.key.new").exists()


async def test_a_report_block_still_holds_after_the_key_is_rotated(tmp_path: Path, engine: str) -> None:
    url = database_settings(tmp_path / "r.db", engine).get("database_url", tmp_path / "r.db")
    store = await Store.open(url, TEST_KEY)
    now = FakeClock().now()
    one = await store.contacts.create(Address("console", "reporter"), "en", "UTC", now)
    other = await store.contacts.create(Address("console", "reported"), "en", "UTC", now)
    await store.support.block(one.id, other.id, now)
    await rotate_key(store.db, Vault(TEST_KEY), Vault(NEW_KEY))
    await store.close()
    store = await Store.open(url, NEW_KEY)
    try:
        assert await store.support.blocked(one.id, other.id)
    finally:
        await store.close()
