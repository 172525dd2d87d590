"""A real PostgreSQL server for the test run: started once per session in a temp dir, stopped at the end.

The binaries come from Debian's postgresql package (PG_BIN, default /usr/lib/postgresql/15/bin). initdb refuses
to run as root, so as root the server runs as the `postgres` OS user. Each test gets a fresh database copied
from a migrated template (CREATE DATABASE … TEMPLATE), which takes a few milliseconds.
In CI (CI=true) a missing server fails the test; elsewhere it skips.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
TEMPLATE = "companion_template"
_counter = itertools.count()


class PostgresServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="companion-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def make_template(self) -> None:
        from bot.storage.postgres import PostgresDatabase

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            conn.execute(f"CREATE DATABASE {TEMPLATE}")

        async def migrate() -> None:
            db = PostgresDatabase(self.url(TEMPLATE))
            await db.connect()
            try:
                await db.migrate()
            finally:
                await db.close()

        # In its own thread: the first test to need the server may already be running an event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(lambda: asyncio.run(migrate())).result()

    def fresh_database(self, *, migrated: bool = True) -> str:
        name = f"t{os.getpid()}_{next(_counter)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {TEMPLATE}" if migrated else ""))
        return self.url(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(reason: str) -> None:
    """Fail in CI, where PostgreSQL must be there; skip on a developer's machine without it."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"no PostgreSQL: {reason}")


_server: PostgresServer | None = None
_error: str | None = None


def server() -> PostgresServer:
    """The session's server, started on first use (so a run without PostgreSQL tests never starts it)."""
    global _server, _error
    if _server is None and _error is None:
        if not (PG_BIN / "initdb").exists():
            _error = f"{PG_BIN / 'initdb'} not found (install Debian's postgresql package)"
        else:
            candidate = PostgresServer()
            try:
                candidate.start()
                candidate.make_template()
                _server = candidate
            except (OSError, subprocess.SubprocessError, psycopg.Error) as exc:
                _error = f"could not start it: {exc}"
                candidate.stop()
    if _server is None:
        unavailable(_error or "unknown")
    assert _server is not None
    return _server


def database_settings(database_path: Path, engine: str) -> dict[str, Any]:
    """The settings that put a test's database on `engine`: nothing extra for SQLite; for PostgreSQL a fresh
    database, the same one each time for the same DATABASE_PATH (a test that restarts the bot finds its data),
    registered in POSTGRES_URLS so `rows()` and `person_rows()` look at it."""
    if engine != "postgresql":
        return {}
    from tests.helpers import POSTGRES_URLS

    if database_path not in POSTGRES_URLS:
        POSTGRES_URLS[database_path] = server().fresh_database()
    return {"database_url": POSTGRES_URLS[database_path]}


def database_env(database_path: Path, engine: str) -> dict[str, str]:
    """The same as environment variables, for a bot started as a subprocess."""
    return {"DATABASE_PATH": str(database_path),
            **{name.upper(): value for name, value in database_settings(database_path, engine).items()}}


def restored(backup: Path) -> str:
    """A fresh database holding what a pg_dump backup holds (pg_restore), to read it as an outsider would."""
    url = server().fresh_database(migrated=False)
    subprocess.run([str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={url}", str(backup)],
                   check=True, capture_output=True, timeout=120)
    return url


def stop() -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    yield server()
