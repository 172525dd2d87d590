"""Attacks on the key and the database files: a wrong key, a rotation killed at every point, a rotation or a
restore while a bot runs, a backup over the live file, a restore of a damaged or foreign backup."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.config import Settings, load_settings
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.errors import ConfigError
from bot.storage.crypto import Vault
from bot.storage.engines import database_for
from bot.storage.lock import DatabaseBusy, DatabaseLock
from bot.storage.rotation import rotate_key, rotate_key_file
from bot.storage.store import Store
from tests.helpers import CONTENT, POSTGRES_URLS, ROOT, TEST_KEY, Chat, person_rows, rows
from tests.postgres import database_settings

OTHER_KEY = "another-key-Rz8Kq2Wm5Xv9Tn3Lp7Hs1Jd4Gb6Fc0Ya"
PEOPLE = ("ana", "ben", "cleo")


def _on_postgres(db: Path) -> dict[str, str]:
    """DATABASE_URL where a test put this database on PostgreSQL (see database_settings), else nothing."""
    return {"database_url": POSTGRES_URLS[db]} if db in POSTGRES_URLS else {}


def _settings(db: Path, key: str | None) -> Settings:
    return load_settings(_env_file=None, database_path=db, data_key=key, content_dir=CONTENT, **_on_postgres(db))


def bot(db: Path, *args: str, key: str | None = TEST_KEY, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_PATH": str(db), "CONTENT_DIR": str(CONTENT),
           **{name.upper(): value for name, value in _on_postgres(db).items()}}
    env.pop("DATA_KEY", None)
    env.pop("NEW_DATA_KEY", None)
    if key is not None:
        env["DATA_KEY"] = key
    return subprocess.run([sys.executable, "-m", "bot", *args], text=True, capture_output=True, env=env,
                          cwd=ROOT, timeout=90, check=False, input=stdin)


async def _people(db: Path, key: str | None = TEST_KEY) -> None:
    """Three people, one with an encrypted note, and a scheduled delivery for each."""
    services = await build_services(_settings(db, key), FakeClock())
    try:
        for name in PEOPLE:
            chat = Chat(services.engine, name)
            await chat.consent(keep_notes=True)
            await chat.send("/checkin")
            await chat.press("Okay")
            await chat.send(f"note of {name}")
            contact = await services.store.contacts.find(chat.address)
            assert contact is not None
            await services.store.deliveries.enqueue(contact.id, "reminder", f"r-{name}", services.clock.now(),
                                                    {"kind": "reminder"}, services.clock.now())
    finally:
        await services.close()


async def _everyone_is_there(services: Services) -> None:
    for name in PEOPLE:
        contact = await services.store.contacts.find(Address("console", name))
        assert contact is not None, name
        checkins = await services.store.checkins.latest(contact.id, 1)
        assert checkins[0].note == f"note of {name}"
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM deliveries") == [(len(PEOPLE),)]


async def _opens_with(db: Path, key: str) -> bool:
    try:
        services = await build_services(_settings(db, key), FakeClock())
    except ConfigError:
        return False
    try:
        await _everyone_is_there(services)
    finally:
        await services.close()
    return True


# --- a wrong key ---------------------------------------------------------------------------------------------


@pytest.mark.both_engines
async def test_the_bot_refuses_to_start_with_a_key_that_did_not_write_the_database(tmp_path: Path,
                                                                                   engine: str) -> None:
    db = tmp_path / "c.db"
    database_settings(db, engine)
    await _people(db)
    result = bot(db, "console", "--as", "ana", key=OTHER_KEY, stdin="hello\n")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: DATA_KEY:"), result.stderr
    assert "Welcome" not in result.stdout
    assert await _opens_with(db, TEST_KEY)


# --- rotation killed at every point -------------------------------------------------------------------------


class Killed(Exception):
    """Stands for the process dying at one point of the rotation."""


POINTS = ("new key written", "re-encrypted", "committed", "checkpointed", "swapped")


@pytest.mark.both_engines
@pytest.mark.parametrize("where", POINTS)
async def test_a_rotation_killed_anywhere_leaves_a_key_file_that_opens_everything(tmp_path: Path, where: str,
                                                                                  engine: str) -> None:
    db, key_file = tmp_path / "c.db", tmp_path / "secret.key"
    database_settings(db, engine)
    await _people(db, key=None)  # the key lives in secret.key
    old = key_file.read_text().strip()

    def kill(point: str) -> None:
        if point == where:
            raise Killed(point)

    database = database_for(_settings(db, TEST_KEY).database)
    await database.connect()
    with pytest.raises(Killed):
        await rotate_key_file(database, key_file, old, kill)
    await database.close()

    files = [path for path in (key_file, tmp_path / "secret.key.new") if path.exists()]
    assert [await _opens_with(db, path.read_text().strip()) for path in files].count(True) >= 1

    finish = bot(db, "db", "rotate-key", key=None)  # run again: it must finish, never lose a key
    assert finish.returncode == 0, finish.stderr
    assert not (tmp_path / "secret.key.new").exists()
    new = key_file.read_text().strip()
    assert new != old
    assert await _opens_with(db, new)
    assert not await _opens_with(db, old)
    assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.both_engines
async def test_running_rotate_key_again_after_a_kill_after_the_commit_keeps_the_working_key(
        tmp_path: Path, engine: str) -> None:
    """The reported attack: data already under the new key, secret.key still old, secret.key.new the only copy."""
    db, key_file, pending = tmp_path / "c.db", tmp_path / "secret.key", tmp_path / "secret.key.new"
    database_settings(db, engine)
    await _people(db, key=None)
    old = key_file.read_text().strip()
    database = database_for(_settings(db, TEST_KEY).database)
    await database.connect()
    await database.migrate()
    await rotate_key(database, Vault(old), Vault(OTHER_KEY))
    await database.close()
    pending.write_text(OTHER_KEY + "\n")

    result = bot(db, "db", "rotate-key", key=None)
    files = [path for path in (key_file, pending) if path.exists()]
    assert any([await _opens_with(db, path.read_text().strip()) for path in files]), result.stderr
    assert key_file.read_text().strip() == OTHER_KEY


# --- maintenance while a bot runs -----------------------------------------------------------------------------


def _held(db: Path) -> bool:
    probe = DatabaseLock(db)
    try:
        probe.acquire(exclusive=True)
    except DatabaseBusy:
        return True
    probe.release()
    return False


async def test_rotate_key_and_restore_refuse_while_a_bot_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    await _people(db)
    assert bot(db, "db", "backup", str(tmp_path / "copy.db")).returncode == 0
    env = {**os.environ, "DATABASE_PATH": str(db), "CONTENT_DIR": str(CONTENT), "DATA_KEY": TEST_KEY}
    running = subprocess.Popen([sys.executable, "-m", "bot", "console", "--as", "ana"], env=env, cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if _held(db) or running.poll() is not None:
                break
            time.sleep(0.05)
        assert running.poll() is None
        rotate = subprocess.run([sys.executable, "-m", "bot", "db", "rotate-key"], text=True, capture_output=True,
                                env={**env, "NEW_DATA_KEY": OTHER_KEY}, cwd=ROOT, timeout=90, check=False)
        assert rotate.returncode == 2
        assert "a bot is running" in rotate.stderr
        restore = bot(db, "db", "restore", str(tmp_path / "copy.db"))
        assert restore.returncode == 2
        assert "a bot is running" in restore.stderr
    finally:
        assert running.stdin is not None
        running.stdin.close()
        running.wait(timeout=60)
    assert await _opens_with(db, TEST_KEY)


# --- backups and restore -------------------------------------------------------------------------------------


async def test_backup_refuses_to_write_over_the_live_database(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    await _people(db)
    for target in (db, tmp_path / "c.db-wal", tmp_path / "sub" / ".." / "c.db"):
        result = bot(db, "db", "backup", str(target))
        assert result.returncode == 2, target
        assert "live database" in result.stderr
    assert await _opens_with(db, TEST_KEY)


async def test_restore_brings_back_every_person_and_delivery_after_the_file_is_damaged(tmp_path: Path) -> None:
    db, backup = tmp_path / "c.db", tmp_path / "backups" / "monday.db"
    await _people(db)
    assert bot(db, "db", "backup", str(backup)).returncode == 0
    assert backup.stat().st_mode & 0o777 == 0o600
    size = db.stat().st_size
    with db.open("r+b") as handle:  # a disk fault: pages in the middle turn to noise
        handle.seek(size // 3)
        handle.write(os.urandom(size // 3))

    result = bot(db, "db", "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert f"{len(PEOPLE)} person" in result.stdout
    assert db.stat().st_mode & 0o777 == 0o600
    services = await build_services(_settings(db, TEST_KEY), FakeClock())
    try:
        await _everyone_is_there(services)
    finally:
        await services.close()


async def test_restore_refuses_a_backup_made_under_another_key_and_changes_nothing(tmp_path: Path) -> None:
    db, foreign_db = tmp_path / "c.db", tmp_path / "other" / "c.db"
    await _people(db)
    await _people(foreign_db, key=OTHER_KEY)
    foreign = tmp_path / "foreign.db"
    assert bot(foreign_db, "db", "backup", str(foreign), key=OTHER_KEY).returncode == 0
    before = db.read_bytes()
    result = bot(db, "db", "restore", str(foreign))
    assert result.returncode == 2
    assert "another DATA_KEY" in result.stderr
    assert db.read_bytes() == before
    assert await _opens_with(db, TEST_KEY)


async def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    db, backup = tmp_path / "c.db", tmp_path / "copy.db"
    await _people(db)
    assert bot(db, "db", "backup", str(backup)).returncode == 0
    data = bytearray(backup.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4096] = os.urandom(4096)
    backup.write_bytes(bytes(data))
    result = bot(db, "db", "restore", str(backup))
    assert result.returncode == 2
    assert "copy.db" in result.stderr
    assert await _opens_with(db, TEST_KEY)


async def test_after_a_restore_no_id_handed_out_since_the_backup_is_handed_out_again(tmp_path: Path) -> None:
    """Someone joins after Monday's backup and Tuesday the backup goes back: their id (in old buttons, outbox
    keys and support links) must never belong to the next newcomer."""
    db, backup = tmp_path / "c.db", tmp_path / "backups" / "monday.db"
    await _people(db)
    assert bot(db, "db", "backup", str(backup)).returncode == 0
    store = await Store.open(_settings(db, TEST_KEY).database, TEST_KEY)
    try:
        after = await store.contacts.create(Address("console", "eve"), "en", "UTC", FakeClock().now())
    finally:
        await store.close()

    result = bot(db, "db", "restore", str(backup))
    assert result.returncode == 0, result.stderr
    store = await Store.open(_settings(db, TEST_KEY).database, TEST_KEY)
    try:
        newcomer = await store.contacts.create(Address("console", "dee"), "en", "UTC", FakeClock().now())
    finally:
        await store.close()
    assert newcomer.id > after.id, "the newcomer got the id of someone who joined after the backup"


# --- restore on PostgreSQL: a pg_dump archive, or the logical copy written where pg_dump is missing ----------


FORMATS = ("pg_dump", "logical")


async def _pg_backup(db: Path, target: Path, form: str, monkeypatch: pytest.MonkeyPatch,
                     key: str = TEST_KEY) -> None:
    """`db backup` as the operator runs it; for "logical", on a machine without pg_dump."""
    if form == "pg_dump":
        assert bot(db, "db", "backup", str(target), key=key).returncode == 0
        assert target.read_bytes().startswith(b"PGDMP")
        return
    database = database_for(_settings(db, key).database)
    await database.connect()
    try:
        with monkeypatch.context() as without:
            without.setenv("PATH", str(target.parent))
            await database.backup(target)
    finally:
        await database.close()
    assert target.read_bytes().startswith(b'{"format": "companion-logical-v1"')


@pytest.mark.parametrize("form", FORMATS)
async def test_a_postgresql_backup_goes_back_whole_and_no_id_is_handed_out_twice(
        tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db, backup = tmp_path / "c.db", tmp_path / "backups" / "monday.dump"
    backup.parent.mkdir()
    database_settings(db, "postgresql")
    await _people(db)
    await _pg_backup(db, backup, form, monkeypatch)
    store = await Store.open(_settings(db, TEST_KEY).database, TEST_KEY)
    try:  # someone came after the backup: their id must not come back after the restore
        after = await store.contacts.create(Address("console", "eve"), "en", "UTC", FakeClock().now())
    finally:
        await store.close()
    rows(db, "DELETE FROM deliveries")  # a bad day: an operator's mistake, or a bug
    rows(db, "DELETE FROM checkins")

    result = bot(db, "db", "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert f"{len(PEOPLE)} person" in result.stdout
    assert await _opens_with(db, TEST_KEY)
    assert rows(db, "SELECT version FROM schema_version") == rows(db, "SELECT MAX(version) FROM schema_version")
    store = await Store.open(_settings(db, TEST_KEY).database, TEST_KEY)
    try:
        newcomer = await store.contacts.create(Address("console", "dee"), "en", "UTC", FakeClock().now())
    finally:
        await store.close()
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(len(PEOPLE) + 1,)]  # the newcomer; eve was not backed up
    assert newcomer.id == after.id + 1  # ids keep counting past every id handed out, before or after the backup


@pytest.mark.parametrize("form", FORMATS)
async def test_restore_on_postgresql_refuses_a_backup_made_under_another_key_and_changes_nothing(
        tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db, foreign_db, foreign = tmp_path / "c.db", tmp_path / "other" / "c.db", tmp_path / "foreign.dump"
    database_settings(db, "postgresql")
    database_settings(foreign_db, "postgresql")
    await _people(db)
    await _people(foreign_db, key=OTHER_KEY)
    await _pg_backup(foreign_db, foreign, form, monkeypatch, key=OTHER_KEY)
    rows(db, "DELETE FROM deliveries WHERE id = (SELECT MIN(id) FROM deliveries)")
    before = person_rows(db)
    result = bot(db, "db", "restore", str(foreign))
    assert result.returncode == 2
    assert "another DATA_KEY" in result.stderr
    assert person_rows(db) == before
    assert rows(db, "SELECT COUNT(*) FROM deliveries") == [(len(PEOPLE) - 1,)]


@pytest.mark.parametrize("form", FORMATS)
async def test_restore_on_postgresql_refuses_a_damaged_backup_and_changes_nothing(
        tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db, backup = tmp_path / "c.db", tmp_path / "copy.dump"
    database_settings(db, "postgresql")
    await _people(db)
    await _pg_backup(db, backup, form, monkeypatch)
    data = bytearray(backup.read_bytes())
    middle = len(data) // 2
    data[middle: middle + 64] = b"\xff" * 64  # a disk fault in the middle of the file
    backup.write_bytes(bytes(data))
    rows(db, "DELETE FROM deliveries WHERE id = (SELECT MIN(id) FROM deliveries)")
    before = person_rows(db)
    result = bot(db, "db", "restore", str(backup))
    assert result.returncode == 2, result.stdout
    assert "nothing was changed" in result.stderr
    assert person_rows(db) == before
    assert rows(db, "SELECT COUNT(*) FROM deliveries") == [(len(PEOPLE) - 1,)]


# --- files are private ---------------------------------------------------------------------------------------


async def test_the_database_its_wal_shm_and_backups_are_created_0600(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        db = tmp_path / "c.db"
        services = await build_services(_settings(db, TEST_KEY), FakeClock())
        try:
            await Chat(services.engine).consent()
            await services.store.db.backup(tmp_path / "b.db")
            for path in (db, tmp_path / "c.db-wal", tmp_path / "c.db-shm", tmp_path / "b.db"):
                assert path.exists(), path.name
                assert path.stat().st_mode & 0o777 == 0o600, path.name
        finally:
            await services.close()
    finally:
        os.umask(previous)


# --- a key with no randomness ---------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["k" * 32, " " * 40, "ab" * 20, "0123456" * 6])
def test_a_data_key_without_real_entropy_is_refused(tmp_path: Path, weak: str) -> None:
    with pytest.raises(ConfigError, match="DATA_KEY: is not random enough"):
        _settings(tmp_path / "c.db", weak)
    result = bot(tmp_path / "c.db", "db", "migrate", key=weak)
    assert result.returncode == 2
    assert "DATA_KEY" in result.stderr
    assert not (tmp_path / "c.db").exists()


def test_a_weak_secret_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("x" * 48 + "\n")
    with pytest.raises(ConfigError, match=r"secret\.key"):
        _settings(tmp_path / "c.db", None).secret()


def test_make_run_without_a_key_generates_a_random_one(tmp_path: Path) -> None:
    result = bot(tmp_path / "c.db", "console", key=None, stdin="")
    assert result.returncode == 0, result.stderr
    key = (tmp_path / "secret.key").read_text().strip()
    assert _settings(tmp_path / "c.db", key).data_key is not None  # passes the entropy rule
